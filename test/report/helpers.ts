/**
 * Shared inputs for the report tests: one real (small) bench run, and a copy of it with
 * differential-privacy arms and secure-aggregation traffic added as the DP / secure-aggregation
 * work will record them (src/report/extensions.ts). The added numbers are fixtures for drawing,
 * not results: they only have to be well-formed and distinguishable.
 */
import { runBench } from '../../src/bench/runner.js';
import type { BenchResult } from '../../src/bench/results.js';
import type { ReportArmPrivacy as ArmPrivacy, ReportResult } from '../../src/report/extensions.js';

const root = new URL('../../../', import.meta.url);
export const SCENARIO = new URL('scenarios/alzheimers-3site.yaml', root).pathname;

let cached: Promise<BenchResult> | null = null;

/** alzheimers-3site, seeds 0 and 1, 4 rounds, central + local + fedavg + scaffold (run once per process). */
export function smallBench(): Promise<BenchResult> {
  cached ??= runBench(SCENARIO, { overrides: { seeds: [0, 1], rounds: 4, arms: ['central', 'local', 'fedavg', 'scaffold'] }, workers: 1 }).then((r) => {
    r.result.argv = ['bench', 'scenarios/alzheimers-3site.yaml', '--seeds', '2', '--rounds', '4', '--arms', 'central,local,fedavg,scaffold', '--out', 'bench out'];
    return r.result;
  });
  return cached.then((r) => structuredClone(r));
}

export const DP_EPSILONS = [0.5, 1, 5];

/**
 * The bench result plus arms `fedavg+dp(eps=E)` and `scaffold+dp(eps=E)` for E in DP_EPSILONS
 * (copies of the non-private arm with AUC lowered by 0.1 / E, privacy records, ε spent per
 * site), and secure-aggregation bytes on fedavg's rounds.
 */
export function withDp(base: BenchResult, opts: { secureNoise?: boolean } = {}): ReportResult {
  const result = structuredClone(base) as ReportResult;
  const sites = result.data.sites;
  for (const strategy of ['fedavg', 'scaffold']) {
    const plain = result.summary.find((s) => s.arm === strategy)!;
    for (const eps of DP_EPSILONS) {
      const arm = `${strategy}+dp(eps=${eps})`;
      const drop = 0.1 / eps;
      const privacy: ArmPrivacy = {
        level: 'sample',
        epsilon: eps,
        delta: 1e-5,
        noiseMultiplier: 1.1 / eps,
        sampleRate: 0.05,
        steps: 80,
        accountant: 'rdp',
        secureNoise: opts.secureNoise ?? true,
        epsilonSpentPerSite: Object.fromEntries(sites.map((s, k) => [s, eps * (0.9 + 0.03 * k)])),
        clipNorm: 1,
      };
      const auc = plain.metrics.auc!;
      result.summary.push({
        ...structuredClone(plain),
        arm,
        metrics: { ...structuredClone(plain.metrics), auc: { ...auc, mean: auc.mean - drop, ci95: auc.ci95 ? [auc.ci95[0] - drop, auc.ci95[1] - drop] : null } },
        privacy,
      });
      for (const r of base.perSeed.filter((x) => x.arm === strategy)) {
        // One seed spends a little more at the first site: the report must show the larger.
        const seedPrivacy = { ...privacy, epsilonSpentPerSite: { ...privacy.epsilonSpentPerSite, [sites[0]]: privacy.epsilonSpentPerSite[sites[0]] + (r.seed === 1 ? 0.01 : 0) } };
        result.perSeed.push({ ...structuredClone(r), arm, privacy: seedPrivacy });
      }
    }
  }
  for (const r of result.perSeed) {
    if (r.arm !== 'fedavg' || !r.convergence) continue;
    r.secureAggregation = { protocol: 'masking (Bonawitz et al. 2017)', threshold: 2 };
    for (const round of r.convergence) {
      round.secureAggregation = { bytesUp: 96, bytesDown: 32 };
      round.bytesUp += 96;
      round.bytesDown += 32;
    }
  }
  return result;
}
