/**
 * Warnings the reader of a summary needs, derived from the result itself (so a results.json
 * written before they existed gets them too): test sets too small for a per-site AUC, sites with
 * no test patients of one class, arms that never trained (their AUC 0.5 is a construction, not a
 * measurement), and the selection of a "best federated arm" on the very test set it is reported
 * on. results.md, stdout and report.html show them next to the run's own warnings.
 */
import type { BenchResult } from '../bench/results.js';

/**
 * Fewer test positives than this at a site and its AUC is noise: the 95 % CI of an AUC near 0.75
 * with 20 positives (and many negatives) is about ±0.1 (Hanley & McNeil 1982, Radiology 143:29,
 * their table for n_A = 20), the size of the gaps the bench is meant to resolve.
 */
export const SMALL_TEST_POSITIVES = 20;

/** What these warnings read (a BenchResult or a report's extended result). */
interface Reportable {
  splits?: BenchResult['splits'];
  perSeed: readonly { arm: string; trainedOn?: string; training: { steps: number } }[];
  summary: readonly ArmLike[];
}

interface ArmLike {
  arm: string;
  family: string;
  metrics: { auc: unknown };
}

/** Per site: the fewest test patients and test positives over the seeds. */
function testCounts(result: Reportable): Map<string, { test: number; positives: number; negatives: number }> {
  const out = new Map<string, { test: number; positives: number; negatives: number }>();
  for (const counts of Object.values(result.splits ?? {})) {
    for (const c of counts) {
      const prev = out.get(c.site);
      const negatives = c.test - c.testPositives;
      out.set(c.site, prev ? { test: Math.min(prev.test, c.test), positives: Math.min(prev.positives, c.testPositives), negatives: Math.min(prev.negatives, negatives) } : { test: c.test, positives: c.testPositives, negatives });
    }
  }
  return out;
}

/** Why an arm has no meaningful AUC (it never took a training step), or null when it trained. */
export function untrainedReason(result: Reportable, arm: string): string | null {
  const runs = result.perSeed.filter((r) => r.arm === arm);
  if (runs.length === 0 || runs.some((r) => r.training.steps > 0)) return null;
  const site = runs[0].trainedOn;
  const trainRows = site ? Object.values(result.splits ?? {}).flat().filter((c) => c.site === site).map((c) => c.train) : [];
  if (site && trainRows.length > 0 && trainRows.every((n) => n === 0)) return `no training rows at ${site}`;
  return 'no training step was taken';
}

/** The federated arms the "best federated arm" is picked from (those with an AUC). */
export function federatedCandidates(result: { summary: readonly ArmLike[] }): string[] {
  return result.summary.filter((s) => s.family === 'federated' && s.metrics.auc).map((s) => s.arm);
}

/** The caveat of picking the best of K arms on the test set, or null for K < 2. */
export function selectionCaveat(result: { summary: readonly ArmLike[] }): string | null {
  const k = federatedCandidates(result).length;
  return k < 2 ? null : `best of ${k} federated arms chosen on the test set; its AUC and CI are optimistic (selected on the data they are measured on)`;
}

export function readerWarnings(result: Reportable): string[] {
  const out: string[] = [];
  for (const [site, c] of testCounts(result)) {
    if (c.test === 0) out.push(`site ${site}: no test patients in some seed: its per-site AUC is n/a there`);
    else if (c.positives === 0 || c.negatives === 0) out.push(`site ${site}: test set without ${c.positives === 0 ? 'positives' : 'negatives'} in some seed: its per-site AUC is n/a there`);
    else if (c.positives < SMALL_TEST_POSITIVES) {
      out.push(`site ${site}: only ${c.positives} test positive${c.positives === 1 ? '' : 's'} (fewest over seeds; below ${SMALL_TEST_POSITIVES}): its per-site AUC has a wide CI, read it with care`);
    }
  }
  for (const s of result.summary) {
    const why = untrainedReason(result, s.arm);
    if (why) out.push(`${s.arm}: not trained (${why}); its AUC is shown as n/a (an untrained model scores every patient alike)`);
  }
  const caveat = selectionCaveat(result);
  if (caveat) out.push(`"best federated arm": ${caveat}`);
  return out;
}
