/**
 * Canary patients for the audit (Steinke, Nasr & Jagielski 2023, §2: m canaries, each included
 * independently with probability ½). A canary is a record of the audited site's population —
 * natural (as drawn) or mislabelled (its label flipped: the record a model must memorize to fit,
 * the strongest membership signal that stays in the data distribution's support). Kinds and
 * coins come from the audit seed's own stream, so a run is reproducible and the coins are
 * independent of everything the model sees but the canaries themselves.
 */
import type { LabeledData } from '../model/types.js';
import type { PreparedSeed, PreparedSplit } from '../data/prepare/types.js';

export type CanaryKind = 'natural' | 'mislabelled' | 'crafted';

export interface CanarySet {
  site: string;
  /** The canaries as trained on (mislabelled ones carry the flipped label). */
  data: LabeledData;
  kinds: CanaryKind[];
  /** The ½ coin of each canary: true when it is in the site's training set. */
  included: boolean[];
  /** Where the records came from (results say it). */
  source: string;
}

/**
 * m distinct rows of `pool` (partial Fisher–Yates), the first round(m·mislabelledFraction) of a
 * random order mislabelled, each included with probability ½.
 */
export function drawCanaries(site: string, pool: LabeledData, m: number, mislabelledFraction: number, random: () => number, source: string, crafted?: LabeledData): CanarySet {
  if (m > pool.n) throw new RangeError(`${m} canaries requested at site ${site}, the pool has ${pool.n} records`);
  const idx = Array.from({ length: pool.n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (pool.n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const d = pool.d;
  const x = new Float64Array(m * d);
  const y = new Float64Array(m);
  const mislabelled = Math.round(m * mislabelledFraction);
  const kinds: CanaryKind[] = [];
  for (let i = 0; i < m; i++) {
    const r = idx[i];
    x.set(pool.x.subarray(r * d, r * d + d), i * d);
    const flip = i < mislabelled;
    y[i] = flip ? 1 - pool.y[r] : pool.y[r];
    kinds.push(flip ? 'mislabelled' : 'natural');
  }
  // The kinds were assigned in draw order, which is already random; the coins are separate draws.
  const drawn: LabeledData = { n: m, d, x, y };
  const data = crafted && crafted.n > 0 ? concatRows([drawn, crafted], d) : drawn;
  for (let i = 0; i < (crafted?.n ?? 0); i++) kinds.push('crafted');
  const included = kinds.map(() => random() < 0.5);
  return { site, data, kinds, included, source };
}

/** The rows of `data` whose index is in `rows`, in that order. */
export function selectRows(data: LabeledData, rows: readonly number[]): LabeledData {
  const d = data.d;
  const x = new Float64Array(rows.length * d);
  const y = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * d, r * d + d), i * d);
    y[i] = data.y[r];
  });
  return { n: rows.length, d, x, y };
}

/** Row-wise concatenation. */
export function concatRows(parts: readonly LabeledData[], d: number): LabeledData {
  const n = parts.reduce((a, p) => a + p.n, 0);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  let off = 0;
  for (const p of parts) {
    x.set(p.x, off * d);
    y.set(p.y, off);
    off += p.n;
  }
  return { n, d, x, y };
}

/** The prepared seed with the included canaries appended to the site's training rows (nothing else changes). */
export function insertCanaries(prepared: PreparedSeed, canaries: CanarySet): PreparedSeed {
  const rows = canaries.included.flatMap((inc, i) => (inc ? [i] : []));
  const added = selectRows(canaries.data, rows);
  return {
    ...prepared,
    // The central arm's separate matrix (per-site normalization, pooled statistics) would not hold the canaries.
    centralTrain: undefined,
    sites: prepared.sites.map((s) => {
      if (s.id !== canaries.site) return s;
      const train: PreparedSplit = {
        data: concatRows([s.train.data, added], s.train.data.d),
        patientIds: [...s.train.patientIds, ...rows.map((i) => `canary-${i}`)],
        trueRisk: s.train.trueRisk ? Float64Array.from([...s.train.trueRisk, ...rows.map(() => Number.NaN)]) : null,
      };
      return { ...s, train };
    }),
  };
}
