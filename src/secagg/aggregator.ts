/**
 * What the aggregator may receive, as types. A site's update reaches the server only as a
 * MaskedInput (masking protocol) or an EncryptedInput (CKKS ciphertexts); both are branded, and
 * the only functions that create them are the site side of each protocol (MaskingSite.maskedInput,
 * CkksSite.encrypt). The server-side classes accept nothing else, so "the server never sees one
 * site's update in the clear" is checked by the compiler rather than by reading the code (a cast
 * can still forge a brand: the types document and guard the design, they are not a sandbox).
 */
declare const maskedBrand: unique symbol;
declare const encryptedBrand: unique symbol;

/** One site's masked, fixed-point update as bytes on the wire: uniform on Z_M^(d+1) to the server. */
export interface MaskedInput {
  readonly from: number;
  readonly bytes: Uint8Array;
  readonly [maskedBrand]: true;
}

/** One site's CKKS-encrypted update: serialized ciphertexts under the federation's public key. */
export interface EncryptedInput {
  readonly from: number;
  /** One serialized ciphertext per block of slotCount values. */
  readonly ciphertexts: readonly Uint8Array[];
  readonly [encryptedBrand]: true;
}

/** Only the protocols' site sides call these. */
export function brandMasked(from: number, bytes: Uint8Array): MaskedInput {
  return { from, bytes } as MaskedInput;
}
export function brandEncrypted(from: number, ciphertexts: readonly Uint8Array[]): EncryptedInput {
  return { from, ciphertexts } as EncryptedInput;
}
