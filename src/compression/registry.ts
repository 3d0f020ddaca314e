/**
 * Compressors by spec: one file each, one line here. Specs as in flags and scenarios:
 * q8 | q4 | q2 | topk:<fraction> | randk:<fraction>.
 */
import { IncompatibleOptionsError } from './compatibility.js';
import { QsgdCompressor } from './qsgd.js';
import { RandKCompressor } from './randk.js';
import { TopKCompressor } from './topk.js';
import type { CompressionContext, Compressor, CompressorState } from './types.js';

const REGISTRY: Record<string, (arg: string | undefined) => Compressor> = {
  q8: () => new QsgdCompressor(8),
  q4: () => new QsgdCompressor(4),
  q2: () => new QsgdCompressor(2),
  topk: (arg) => new TopKCompressor(fractionOf(arg, 'topk')),
  randk: (arg) => new RandKCompressor(fractionOf(arg, 'randk')),
};

export const COMPRESSOR_NAMES = Object.keys(REGISTRY);

function fractionOf(arg: string | undefined, name: string): number {
  const f = arg === undefined ? NaN : Number(arg);
  if (!(f > 0 && f <= 1)) throw new IncompatibleOptionsError(`compression ${name}: expected ${name}:<fraction in (0, 1]>, e.g. ${name}:0.1, found ${arg === undefined ? `'${name}'` : `'${name}:${arg}'`}`);
  return f;
}

/** Parses a spec; unknown names and bad fractions are input errors (exit 2). */
export function createCompressor(spec: string): Compressor {
  const [name, arg, extra] = spec.split(':');
  const make = REGISTRY[name];
  if (!make || (extra !== undefined) || (arg !== undefined && !['topk', 'randk'].includes(name))) {
    throw new IncompatibleOptionsError(`compression: expected one of q8, q4, q2, topk:<fraction>, randk:<fraction>, found '${spec}'`);
  }
  return make(arg);
}

export interface CompressedRound {
  /** What the server decodes from each site's message. */
  decoded: Float64Array[];
  /** Message bytes per site (the upload). */
  bytesUpPerSite: number[];
}

/** Encodes every site's update and decodes it as the server would; states carry across rounds. */
export function compressRound(compressor: Compressor, updates: readonly ArrayLike<number>[], states: CompressorState[], round: number, sharedSeed: number, rngs: readonly CompressionContext['rng'][]): CompressedRound {
  const decoded: Float64Array[] = [];
  const bytesUpPerSite: number[] = [];
  updates.forEach((u, site) => {
    const ctx = { round, site, sharedSeed, rng: rngs[site] };
    const msg = compressor.encode(u, states[site], ctx);
    bytesUpPerSite.push(msg.length);
    decoded.push(compressor.decode(msg, u.length, ctx));
  });
  return { decoded, bytesUpPerSite };
}
