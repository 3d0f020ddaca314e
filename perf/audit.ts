/**
 * Audit speed: `npm run perf:audit`. The default scenario, 1,000 canaries (plus the crafted
 * ones), arms fedavg and fedavg+dp at ε 1 and 5 (sample level, seeded noise): the target
 * is under 60 s on 2 cores. Prints the wall time of the whole audit and the ε̂ per arm. The
 * machine may be shared: report the figure with that caveat.
 */
import { runAudit } from '../src/audit/run-audit.js';

const started = performance.now();
const r = await runAudit('scenarios/alzheimers-3site.yaml', {
  overrides: { arms: ['fedavg'], seeds: [0], privacy: { level: 'sample', epsilons: [1, 5], noiseSeed: 1 } },
  audit: { arms: ['fedavg'], canaries: 1000 },
});
const seconds = (performance.now() - started) / 1000;
for (const a of r.arms) {
  process.stdout.write(`${a.arm.padEnd(20)} site ${a.site}  accountant ε ${a.accountantEpsilon === null ? '  —  ' : a.accountantEpsilon.toFixed(3)}  audited ε̂ ${a.epsilonLowerBound.toFixed(3)}  canaries ${a.canaries.total} (${a.canaries.included} in)\n`);
}
process.stdout.write(`audit of ${r.arms.length} arms, ${r.arms[0]?.canaries.total ?? 0} canaries: ${seconds.toFixed(1)} s (target < 60 s on 2 cores)\n`);
