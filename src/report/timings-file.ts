/**
 * Measured times of the wrapped arms (secure aggregation, compression: local training, codec and
 * crypto milliseconds per round) are kept out of results.json, in timings.json beside it:
 * results.json holds only what the input, configuration and seeds determine, so a rerun writes
 * it byte for byte again; timings differ on every run. The report shows them when timings.json
 * is there (the bench's own report, `fedage report` on a directory that has it) and "–" when not.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArmWrappers, WrappedRoundRecord } from '../bench/results.js';
import { InputError } from '../errors.js';

export const TIMINGS_FILE = 'timings.json';
export const TIMINGS_FORMAT = 'fedage-bench-timings';
const TIMINGS_FORMAT_VERSION = 1;

type RoundTimes = Pick<WrappedRoundRecord, 'round' | 'computeMs' | 'codecMs' | 'cryptoMs'>;
interface ArmTimings {
  arm: string;
  seed: number;
  meanComputeMsPerRound: number;
  meanCryptoMsPerRound: number;
  meanCodecMsPerRound: number;
  rounds: RoundTimes[];
}
export interface TimingsFile {
  format: typeof TIMINGS_FORMAT;
  formatVersion: number;
  arms: ArmTimings[];
}

/** What these functions need of a result: bench results and the report's reading of them. */
interface WithArms<A extends { arm: string; seed: number; wrappers?: ArmWrappers }> {
  perSeed: A[];
}

const withoutTimes = (w: ArmWrappers): ArmWrappers => {
  const { meanComputeMsPerRound: _c, meanCryptoMsPerRound: _k, meanCodecMsPerRound: _d, ...rest } = w;
  return { ...rest, rounds: w.rounds.map(({ computeMs: _a, codecMs: _b, cryptoMs: _e, ...r }) => r) };
};

/** The result without measured times (what results.json holds), and the times (null: no wrapped arm). */
export function splitTimings<A extends { arm: string; seed: number; wrappers?: ArmWrappers }, R extends WithArms<A>>(result: R): { result: R; timings: TimingsFile | null } {
  const arms: ArmTimings[] = [];
  const perSeed = result.perSeed.map((r): A => {
    const w = r.wrappers;
    if (!w || w.meanComputeMsPerRound === undefined) return r;
    arms.push({
      arm: r.arm,
      seed: r.seed,
      meanComputeMsPerRound: w.meanComputeMsPerRound,
      meanCryptoMsPerRound: w.meanCryptoMsPerRound as number,
      meanCodecMsPerRound: w.meanCodecMsPerRound as number,
      rounds: w.rounds.map((x) => ({ round: x.round, computeMs: x.computeMs as number, codecMs: x.codecMs as number, cryptoMs: x.cryptoMs as number })),
    });
    return { ...r, wrappers: withoutTimes(w) };
  });
  return { result: { ...result, perSeed }, timings: arms.length > 0 ? { format: TIMINGS_FORMAT, formatVersion: TIMINGS_FORMAT_VERSION, arms } : null };
}

/** The result with the measured times put back where the report reads them. */
export function mergeTimings<A extends { arm: string; seed: number; wrappers?: ArmWrappers }, R extends WithArms<A>>(result: R, timings: TimingsFile): R {
  const key = (arm: string, seed: number) => `${seed}\u0000${arm}`;
  const byArm = new Map(timings.arms.map((a) => [key(a.arm, a.seed), a]));
  const perSeed = result.perSeed.map((r): A => {
    const t = byArm.get(key(r.arm, r.seed));
    if (!r.wrappers || !t) return r;
    const byRound = new Map(t.rounds.map((x) => [x.round, x]));
    const rounds = r.wrappers.rounds.map((x) => ({ ...x, ...(byRound.get(x.round) ?? {}) }));
    return { ...r, wrappers: { ...r.wrappers, rounds, meanComputeMsPerRound: t.meanComputeMsPerRound, meanCryptoMsPerRound: t.meanCryptoMsPerRound, meanCodecMsPerRound: t.meanCodecMsPerRound } };
  });
  return { ...result, perSeed };
}

/** timings.json beside `resultsPath`, if there is one (an unreadable or foreign one is an InputError). */
export function readTimingsBeside(resultsPath: string): TimingsFile | null {
  const file = join(dirname(resultsPath), TIMINGS_FILE);
  if (!existsSync(file)) return null;
  let t: Partial<TimingsFile>;
  try {
    t = JSON.parse(readFileSync(file, 'utf8')) as Partial<TimingsFile>;
  } catch (err) {
    throw new InputError([{ file, path: '', expected: 'JSON written by `fedage bench`', found: (err as Error).message }]);
  }
  if (t.format !== TIMINGS_FORMAT || t.formatVersion !== TIMINGS_FORMAT_VERSION || !Array.isArray(t.arms)) {
    throw new InputError([{ file, path: 'format', expected: `"${TIMINGS_FORMAT}" version ${TIMINGS_FORMAT_VERSION} with an arms list`, found: `${JSON.stringify(t.format ?? null)} version ${JSON.stringify(t.formatVersion ?? null)}` }]);
  }
  return t as TimingsFile;
}
