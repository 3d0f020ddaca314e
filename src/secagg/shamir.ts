/**
 * Shamir t-of-n secret sharing (Shamir, "How to Share a Secret", CACM 1979) over GF(2^8), from
 * the audited `shamir-secret-sharing` package (Cure53 and Zellic audits), used as Bonawitz et
 * al. (CCS 2017, §4) use it: each site shares its self-mask seed and its mask private key.
 *
 * That package returns wrong bytes, without error, when given fewer than t shares or a tampered
 * share. So reconstruction here (1) refuses fewer than t shares, and (2) checks the result
 * against a commitment the owner published before any share was used (a hash of the seed, or the
 * public key of the private key); a mismatch aborts the round. We do not try subsets of shares to
 * recover around a bad share (robust reconstruction): one bad share fails the round.
 */
import { combine, split } from 'shamir-secret-sharing';
import { SecureAggregationAborted } from './errors.js';

/** n shares of `secret`, any t of which recover it; each share is secret.length + 1 bytes. */
export async function splitSecret(secret: Uint8Array, numShares: number, threshold: number): Promise<Uint8Array[]> {
  return split(secret, numShares, threshold);
}

/**
 * Recovers a secret from ≥ threshold shares and verifies it; `what` names it in errors
 * (e.g. "self-mask seed of site 3").
 */
export async function reconstructVerified(shares: Uint8Array[], threshold: number, verify: (secret: Uint8Array) => boolean, what: string): Promise<Uint8Array> {
  if (shares.length < threshold) {
    throw new SecureAggregationAborted('below-threshold', `secure aggregation aborted: ${shares.length} share(s) of the ${what} reached the server, the reconstruction threshold is ${threshold}; no sum is released`);
  }
  let secret: Uint8Array;
  try {
    secret = await combine(shares);
  } catch (e) {
    throw new SecureAggregationAborted('tampered-share', `secure aggregation aborted: the shares of the ${what} are malformed (${(e as Error).message})`);
  }
  if (!verify(secret)) {
    throw new SecureAggregationAborted('tampered-share', `secure aggregation aborted: the ${what} reconstructed from ${shares.length} shares does not match its commitment (a share was altered); no sum is released`);
  }
  return secret;
}
