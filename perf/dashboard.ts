/**
 * npm run perf:dashboard — the consortium dashboard (issue 18: subgroup fairness, exact Shapley
 * over sites from recorded round updates, drift) of a consortium-10site bench run.
 * Target: the full dashboard in under 30 s on 2 cores. The bench training itself is timed and
 * printed apart (it is the bench's cost, not the dashboard's).
 * Usage: node dist/perf/dashboard.js [--seeds N] [--rounds R] [--json]
 */
import { fileURLToPath } from 'node:url';
import { analyzeRun, enrollmentDriftOf } from '../src/analysis/dashboard.js';
import { runBench } from '../src/bench/runner.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seeds = arg('seeds', 3);
const rounds = arg('rounds', 30);
const asJson = process.argv.includes('--json');
const scenario = fileURLToPath(new URL('../../scenarios/consortium-10site.yaml', import.meta.url));
const TARGET_SECONDS = 30;

const t0 = performance.now();
const run = await runBench(scenario, {
  overrides: { seeds: Array.from({ length: seeds }, (_, i) => i), arms: ['central', 'local', 'fedavg', 'fedprox', 'scaffold'], rounds },
});
const t1 = performance.now();
const dashboard = analyzeRun(run);
const t2 = performance.now();
enrollmentDriftOf(run.dataset);
const t3 = performance.now();

const out = {
  scenario: 'consortium-10site',
  sites: run.dataset.sites.length,
  seeds,
  rounds,
  federatedArms: dashboard.contribution.arms.map((a) => a.arm),
  coalitionsPerRound: 2 ** run.dataset.sites.length,
  benchSeconds: (t1 - t0) / 1000,
  dashboardSeconds: (t2 - t1) / 1000,
  enrollmentDriftSeconds: (t3 - t2) / 1000,
  targetSeconds: TARGET_SECONDS,
  withinTarget: (t2 - t1) / 1000 < TARGET_SECONDS,
};
if (asJson) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  process.stdout.write(
    `consortium-10site, ${seeds} seeds, ${rounds} rounds, arms central, local, fedavg, fedprox, scaffold\n` +
      `  bench (training, not part of the target): ${out.benchSeconds.toFixed(1)} s\n` +
      `  dashboard (fairness + exact Shapley over ${out.coalitionsPerRound} coalitions per round for ${out.federatedArms.length} arms + drift): ${out.dashboardSeconds.toFixed(1)} s (target < ${TARGET_SECONDS} s: ${out.withinTarget ? 'met' : 'NOT met'})\n` +
      `  of which enrollment drift (10 sites): ${out.enrollmentDriftSeconds.toFixed(1)} s\n`,
  );
}
