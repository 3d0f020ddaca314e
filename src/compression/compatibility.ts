/**
 * Which privacy, compression and secure-aggregation settings can run together. Refusals are
 * IncompatibleOptionsError (exit 2) naming both settings, why, and what to use instead; a
 * combination not refused here is implemented.
 */
import { EXIT_INPUT, FedageError } from '../errors.js';
import type { CompressorKind } from './types.js';

export class IncompatibleOptionsError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

export interface Combination {
  /** Compressor kind, or null for none. */
  compression: CompressorKind | null;
  /** Spec for messages, e.g. "topk:0.1". */
  compressionSpec?: string;
  secureAggregation: 'masking' | 'ckks' | null;
  /** CKKS only: who learns the decrypted sum. */
  ckksRelease?: 'sites' | 'server';
  /** The strategy updates server state from the plaintext mean (FedAdam, FedYogi, FedAdagrad, FedAvgM). */
  serverOptimizer?: string | null;
  /** DP-FedAvg: the server clips and adds noise to the sum of updates. */
  clientLevelDp?: boolean;
}

export function checkCombination(c: Combination): void {
  const problems: string[] = [];
  const comp = c.compressionSpec ?? c.compression;
  if (c.secureAggregation && c.compression === 'topk') {
    problems.push(
      `${comp} with ${c.secureAggregation}: top-k picks different coordinates at each site, so masked or encrypted vectors cannot be added position-wise, and the indices would show the server where each site's update is largest; use randk:<fraction> (coordinates shared by all sites) instead`,
    );
  }
  if (c.secureAggregation === 'masking' && c.compression === 'quantize') {
    problems.push(
      `${comp} with masking: each site's quantization scales differ, so quantized messages cannot be summed under masks, and masked words are uniform and do not compress; masking already sends fixed-point words of log2(modulusRange) bits: lower quantizationRange and modulusRange (e.g. 2^16 and 2^20 for up to 16 sites) to shrink them`,
    );
  }
  if (c.secureAggregation === 'ckks' && c.compression === 'quantize') {
    problems.push(`${comp} with ckks: CKKS encrypts real values, one slot per value whatever its precision, so quantizing first saves no bytes and only adds error`);
  }
  if (c.secureAggregation === 'ckks' && c.ckksRelease === 'sites' && c.serverOptimizer) {
    problems.push(
      `${c.serverOptimizer} with ckks released to sites only: the server optimizer needs the plaintext mean at the server; use release 'server' (one site decrypts the sum and returns it) or a strategy without server state`,
    );
  }
  if (c.secureAggregation && c.clientLevelDp) {
    problems.push(
      `client-level DP with ${c.secureAggregation}: DP-FedAvg's noise is added by the server to the sum, which under secure aggregation the server would first see noiseless; distributed noise (each site adding its share, Kairouz, Liu & Steinke 2021) is not implemented; use sample-level DP (DP-SGD at each site), which composes with secure aggregation`,
    );
  }
  if (problems.length > 0) throw new IncompatibleOptionsError(`incompatible settings:\n  ${problems.join('\n  ')}`);
}
