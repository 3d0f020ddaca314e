/**
 * Optional result fields the report reads when a bench run carries them: differential privacy
 * (issue 5) and secure aggregation. results.json files without them are complete bench results
 * (formatVersion 1): the report then says "no differential privacy in this run" / "no secure
 * aggregation in this run" instead of drawing those parts.
 *
 * Where the report looks:
 *  - `summary[].privacy` or `perSeed[].privacy`: an arm trained with DP. When several records
 *    exist for an arm (one per seed), the report shows the largest ε spent per site over them:
 *    the guarantee every seed's model meets.
 *  - `summary[].secureAggregation` or `perSeed[].secureAggregation`: an arm aggregated securely.
 *  - `perSeed[].convergence[].secureAggregation`: that round's secure-aggregation traffic, already
 *    included in the round's bytesUp / bytesDown (the report shows it as a share of them).
 *
 * DP arms are named `<strategy>+dp(eps=<ε>)`, e.g. `fedavg+dp(eps=1)`; the privacy–utility plot
 * draws one line per strategy (and DP level) against ε, with the strategy's non-private arm as
 * its reference.
 */
import type { Dashboard } from '../analysis/dashboard.js';
import type { ArmPrivacy as BenchArmPrivacy, ArmSeedResult, ArmSummary, BenchResult, RoundRecord } from '../bench/results.js';

/** The report's view of an arm's privacy (bench records are converted to it by `armPrivacy`). */
export interface ReportArmPrivacy {
  /** sample: DP-SGD at each site (Abadi et al. 2016); client: DP-FedAvg (McMahan et al. 2018). */
  level: 'sample' | 'client';
  /** The arm's ε budget (per site at sample level), e.g. 1 for `fedavg+dp(eps=1)`. */
  epsilon: number;
  delta: number;
  /** σ: noise standard deviation over the clip norm. */
  noiseMultiplier: number;
  /** Poisson sampling rate q: examples per batch over site size (sample level), or sites per round (client level). */
  sampleRate: number;
  /** Noisy steps composed by the accountant (per site at sample level; rounds at client level). */
  steps: number;
  /** The accountant that converted (σ, q, steps) into (ε, δ), e.g. "rdp" (Mironov et al. 2019, Balle et al. 2020 conversion). */
  accountant: string;
  /** true: Gaussian noise from a cryptographically secure source; false: a seeded generator (not a privacy guarantee). */
  secureNoise: boolean;
  /** ε actually spent, per site id (client level: one entry per site, or `*` for the federation). */
  epsilonSpentPerSite: Record<string, number>;
  /** Clip norm C (sample level) or S (client level), when recorded. */
  clipNorm?: number;
}

export interface ArmSecureAggregation {
  /** The protocol, e.g. "masking (Bonawitz et al. 2017)". */
  protocol: string;
  /** Shares needed to unmask (Shamir threshold), when recorded. */
  threshold?: number;
}

export interface RoundSecureAggregation {
  /** Secure-aggregation bytes of the round (keys, shares, masked-vector overhead), part of bytesUp / bytesDown. */
  bytesUp: number;
  bytesDown: number;
}

export interface ArmExtensions {
  secureAggregation?: ArmSecureAggregation;
}

export type ReportRound = RoundRecord & { secureAggregation?: RoundSecureAggregation };
/** A per-seed record carries the bench's ArmPrivacy (or, in hand-written files, the view itself). */
export type ReportArmSeedResult = Omit<ArmSeedResult, 'convergence' | 'privacy'> &
  ArmExtensions & { convergence?: ReportRound[]; privacy?: BenchArmPrivacy | ReportArmPrivacy };
export type ReportArmSummary = Omit<ArmSummary, 'privacy'> & ArmExtensions & { privacy?: ArmSummary['privacy'] | ReportArmPrivacy };

/** The bench's per-seed privacy record as the report's view (null for summary-only shapes). */
function toView(record: BenchArmPrivacy | ReportArmPrivacy | ArmSummary['privacy']): ReportArmPrivacy | null {
  if (!record) return null;
  if ('epsilonSpentPerSite' in record) return record;
  if (!('sites' in record)) return null;
  // σ, q and steps of ONE site, the one that spent the most: the maxima of each column taken
  // separately could mix one site's q with another's steps, a mechanism no site went through.
  const sites = Object.values(record.sites);
  const top = sites.reduce((a, b) => (b.epsilon > a.epsilon ? b : a), sites[0]);
  return {
    level: record.level,
    epsilon: record.targetEpsilon ?? record.maxEpsilon,
    delta: record.delta,
    noiseMultiplier: top.noiseMultiplier,
    sampleRate: top.sampleRate,
    steps: top.steps,
    accountant: record.accountant,
    secureNoise: record.secureNoise,
    epsilonSpentPerSite: Object.fromEntries(Object.entries(record.sites).map(([id, x]) => [id, x.epsilon])),
    clipNorm: record.clipNorm,
  };
}

/** A bench result as the report reads it: formatVersion 1 plus the optional fields above. */
export type ReportResult = Omit<BenchResult, 'perSeed' | 'summary'> & {
  perSeed: ReportArmSeedResult[];
  summary: ReportArmSummary[];
} & Partial<Dashboard>;

const DP_ARM = /^(.+?)\+dp\((.*)\)$/;

/** `fedavg+dp(eps=1)` → { strategy: 'fedavg', epsilon: 1 }; null for a name without `+dp(…)`. */
export function parseDpArmName(arm: string): { strategy: string; epsilon: number | null } | null {
  const m = DP_ARM.exec(arm);
  if (!m) return null;
  const eps = /(?:^|,)\s*eps(?:ilon)?\s*=\s*([0-9.eE+-]+)\s*(?:,|$)/.exec(m[2]);
  const epsilon = eps ? Number(eps[1]) : Number.NaN;
  return { strategy: m[1], epsilon: Number.isFinite(epsilon) ? epsilon : null };
}

/**
 * An arm's privacy record: the summary's, else the per-seed records merged conservatively (the
 * largest ε spent per site over seeds; secureNoise only if every seed's noise was secure).
 */
export function armPrivacy(result: ReportResult, arm: string): ReportArmPrivacy | null {
  const records = [
    ...result.summary.filter((s) => s.arm === arm && s.privacy).map((s) => toView(s.privacy)),
    ...result.perSeed.filter((r) => r.arm === arm && r.privacy).map((r) => toView(r.privacy)),
  ].filter((r): r is ReportArmPrivacy => r !== null);
  if (records.length === 0) return null;
  const spent: Record<string, number> = {};
  for (const r of records) {
    for (const [site, eps] of Object.entries(r.epsilonSpentPerSite ?? {})) spent[site] = Math.max(spent[site] ?? -Infinity, eps);
  }
  return {
    ...records[0],
    secureNoise: records.every((r) => r.secureNoise === true),
    epsilonSpentPerSite: spent,
  };
}

export function armSecureAggregation(result: ReportResult, arm: string): ArmSecureAggregation | null {
  const fromWrapper = result.perSeed.find((r) => r.arm === arm && r.wrappers?.secureAggregation)?.wrappers?.secureAggregation;
  if (fromWrapper) return { protocol: fromWrapper.protocol, ...(fromWrapper.threshold !== null ? { threshold: fromWrapper.threshold } : {}) };
  return result.summary.find((s) => s.arm === arm)?.secureAggregation ?? result.perSeed.find((r) => r.arm === arm && r.secureAggregation)?.secureAggregation ?? null;
}

/** Arms (in summary order) that carry privacy data. */
export function privateArms(result: ReportResult): string[] {
  const arms = [...new Set([...result.summary.map((s) => s.arm), ...result.perSeed.map((r) => r.arm)])];
  return arms.filter((a) => armPrivacy(result, a) !== null);
}
