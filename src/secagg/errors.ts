/**
 * Typed errors of secure aggregation and compression. Both carry exit codes through
 * FedageError (src/errors.ts), so the CLI's one try/catch maps them without knowing this folder.
 *
 * - SecAggConfigError (exit 2): settings that cannot work (modulus too small for the sum, a
 *   threshold above the number of shares, a weight above maxWeight, top-k with masking...).
 * - SecureAggregationAborted (exit 3): the protocol refused to produce a sum: fewer survivors
 *   than the reconstruction threshold, or a reconstructed secret that fails its commitment
 *   (a tampered share). Exit 3 like a failed gate: a safety check stopped the run, by design,
 *   rather than an input being malformed; never a wrong sum instead.
 * - SecAggProtocolError (exit 1): a message out of stage order or for the wrong recipient in
 *   the in-process simulation, i.e. a bug in the caller.
 */
import { EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL, FedageError } from '../errors.js';

export class SecAggConfigError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

export type AbortReason = 'below-threshold' | 'tampered-share' | 'bad-ciphertext';

export class SecureAggregationAborted extends FedageError {
  readonly reason: AbortReason;
  constructor(reason: AbortReason, message: string) {
    super(message, EXIT_GATE);
    this.reason = reason;
  }
}

export class SecAggProtocolError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INTERNAL);
  }
}
