/** Update compression: the public surface. */
export type { Compressor, CompressorKind, CompressorState, CompressionContext } from './types.js';
export { QsgdCompressor, type QuantizationBits } from './qsgd.js';
export { TopKCompressor } from './topk.js';
export { RandKCompressor, sharedCoordinates } from './randk.js';
export { createCompressor, compressRound, COMPRESSOR_NAMES, type CompressedRound } from './registry.js';
export { checkCombination, IncompatibleOptionsError, type Combination } from './compatibility.js';
