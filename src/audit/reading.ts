/**
 * The audit's plain-language reading for a privacy officer: what ε̂ means and what it does not.
 * The honest reading (Steinke et al. 2023 §1; Nasr et al. 2023): ε̂ is a statistical LOWER
 * bound — the guarantee cannot be stronger than ε̂ — and is tight only for worst-case canaries
 * and a worst-case attacker; a small ε̂ says the attack found little, never that the data are
 * safe beyond the accountant's ε. For scale: ML Privacy Meter's CIFAR-10 audit reports ε̂ 0.42
 * for a claimed ε 68.5 under DP-SGD and 5.48 without DP.
 */
import type { AuditResult } from './types.js';

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function auditReading(r: Pick<AuditResult, 'arms' | 'violations' | 'reconstruction' | 'config'>): string[] {
  const out: string[] = [];
  const conf = Math.round((1 - r.config.pValue) * 100);
  out.push(
    `Each arm was trained once with ${r.config.canaries} canary patients at the audited site, each included with probability ½. ` +
      `The audited ε̂ is a ${conf} % lower bound on the ε the training really has (Steinke, Nasr & Jagielski 2023): ` +
      'the guarantee cannot be stronger than ε̂. A correct DP arm is flagged with probability at most ' +
      `${Math.round(r.config.pValue * 100)} %, so confirm a single violation with another noise seed before blaming the code. It is not an estimate of the true ε: ` +
      'it is tight only for worst-case records and attackers, ' +
      "so a small ε̂ beside a larger accountant ε is expected and does not mean the data are safer than the accountant's ε says " +
      '(for scale, ML Privacy Meter\'s CIFAR-10 audit found ε̂ 0.42 for a claimed ε 68.5 under DP-SGD, and 5.48 without DP).',
  );
  for (const a of r.arms) {
    if (a.accountantEpsilon === null) {
      out.push(`${a.arm} (no DP) at ${a.site}: ε̂ = ${f(a.epsilonLowerBound)}${a.epsilonLowerBound > 0 ? ': an attacker tells included canaries from excluded ones better than chance, as expected without DP' : ': the attack found no measurable signal with these canaries'}.`);
    } else {
      out.push(`${a.arm} at ${a.site}: accountant ε = ${f(a.accountantEpsilon)} (δ = ${a.delta}), audited ε̂ = ${f(a.epsilonLowerBound)}${a.violation ? ' — ABOVE the accountant: the claimed guarantee is contradicted' : ' — consistent with the claim'}.`);
    }
  }
  if (r.violations.length > 0) out.push(`${r.violations.length} arm${r.violations.length === 1 ? '' : 's'} failed the audit: do not sign off on their ε; the implementation (clipping, noise, sampling or accounting) must be checked.`);
  for (const rec of r.reconstruction) {
    const single = rec.cells.find((c) => c.batchSize === 1 && c.localSteps === Math.min(...rec.cells.map((x) => x.localSteps)) && c.view === 'plain');
    const sa = rec.cells.find((c) => c.batchSize === 1 && c.view === 'secure-aggregation');
    const dp = rec.cells.find((c) => c.batchSize === 1 && c.view === 'dp');
    if (single) {
      out.push(
        `Reconstruction at ${rec.site}: an aggregator that sees one site's update computed from a single patient recovers ${Math.round(single.fractionWithinTolerance * 100)} % of that patient's feature values` +
          `${sa ? `; under secure aggregation (only the sum of ${rec.secureAggregationSites} sites is seen) ${Math.round(sa.fractionWithinTolerance * 100)} %` : ''}` +
          `${dp ? `; under DP-SGD (σ = ${rec.noiseMultiplier.toFixed(2)}) ${Math.round(dp.fractionWithinTolerance * 100)} %` : ''}.`,
      );
    }
  }
  return out;
}
