/**
 * Captions come from the run's settings and the colors actually drawn; the reader's warnings
 * (small test sets, untrained arms, selection on the test set) reach results.md and report.html;
 * every AUC plot has the chance line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportFigures } from '../../src/report/figures.js';
import { markdownSummary } from '../../src/report/markdown.js';
import { COLOR_WORD_LIST, colorWord } from '../../src/report/palette.js';
import { SMALL_TEST_POSITIVES, readerWarnings } from '../../src/report/reader-warnings.js';
import type { ReportResult } from '../../src/report/extensions.js';
import { smallBench, withDp } from './helpers.js';

/** Every hex color in a spec outside its config. */
function colors(spec: unknown, out: string[] = []): string[] {
  if (typeof spec === 'string' && /^#[0-9a-f]{6}$/i.test(spec)) out.push(spec.toUpperCase());
  else if (Array.isArray(spec)) for (const s of spec) colors(s, out);
  else if (spec && typeof spec === 'object') for (const [k, v] of Object.entries(spec as object)) if (k !== 'config') colors(v, out);
  return out;
}

test('every color a caption names is drawn in its plot', async () => {
  const base = await smallBench();
  for (const result of [base as ReportResult, withDp(base)]) {
    for (const f of Object.values(reportFigures(result)).flat()) {
      const named = (c: string): string[] => {
        try {
          return [colorWord(c)];
        } catch {
          return []; // text and axis colors the captions never name
        }
      };
      const drawn = new Set(colors(f.spec).flatMap(named));
      // Longest names first, so "sky blue" is not also read as "blue".
      let text = f.subtitle;
      for (const word of [...COLOR_WORD_LIST].sort((a, b) => b.length - a.length)) {
        if (!new RegExp(`\\b${word}\\b`).test(text)) continue;
        assert.ok(drawn.has(word), `${f.id}: caption says ${word}, plot draws ${[...drawn].join(', ')}`);
        text = text.replace(new RegExp(`\\b${word}\\b`, 'g'), '');
      }
    }
  }
});

test('the F1 caption names the threshold rule of the run: validation-chosen, or the fixed threshold', async () => {
  const chosen = (await smallBench()) as ReportResult;
  const f1 = (r: ReportResult) => Object.values(reportFigures(r)).flat().find((f) => f.id === 'headline-f1')!.subtitle;
  assert.match(f1(chosen), /F1-optimal threshold chosen on each model's validation predictions/);
  const fixed = structuredClone(chosen);
  fixed.config.evaluation.threshold = 0.5;
  assert.doesNotMatch(f1(fixed), /validation/);
  assert.match(f1(fixed), /fixed threshold 0\.5\b/);
});

test('every AUC plot draws the chance line at 0.5 inside its axis', async () => {
  const figs = Object.values(reportFigures(withDp(await smallBench()))).flat();
  const aucPlots = figs.filter((f) => ['headline-auc', 'convergence', 'privacy-utility', 'site-auc'].includes(f.id));
  assert.equal(aucPlots.length, 4);
  for (const f of aucPlots) {
    const text = JSON.stringify(f.spec);
    // The chance rule's dash pattern, as a mark property or in a strokeDash scale's range.
    assert.ok(text.includes('[1,4]') && /"rule"/.test(text), `${f.id}: a chance rule`);
    const domains = [...text.matchAll(/"domain":\[([\d.]+),([\d.]+)\]/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.ok(domains.some(([lo, hi]) => lo <= 0.5 && hi >= 0.5 && hi <= 1), `${f.id}: an axis holding 0.5`);
    assert.match(f.subtitle, /chance \(AUC 0\.5\)/);
  }
});

test('small test sets, an untrained arm and the best-of-K selection are warnings in results.md and the HTML lede', async () => {
  const result = (await smallBench()) as ReportResult;
  const splits = Object.values(result.splits);
  const fewest = (site: string) => Math.min(...splits.map((s) => s.find((c) => c.site === site)!.testPositives));
  const small = result.data.sites.filter((s) => fewest(s) < SMALL_TEST_POSITIVES && fewest(s) > 0);
  const warnings = readerWarnings(result);
  // Independent count: one warning per site below the threshold, with its fewest positives.
  for (const s of small) assert.ok(warnings.includes(`site ${s}: only ${fewest(s)} test positive${fewest(s) === 1 ? '' : 's'} (fewest over seeds; below ${SMALL_TEST_POSITIVES}): its per-site AUC has a wide CI, read it with care`), s);
  assert.equal(warnings.filter((w) => / test positive/.test(w)).length, small.length);
  const k = result.summary.filter((s) => s.family === 'federated' && s.metrics.auc).length;
  assert.ok(k >= 2);
  assert.ok(warnings.includes(`"best federated arm": best of ${k} federated arms chosen on the test set; its AUC and CI are optimistic (selected on the data they are measured on)`));
  const md = markdownSummary(result);
  for (const w of warnings) assert.ok(md.includes(`- ${w}`), w);

  // A site without training rows: its local arm never trains; n/a and why, not 0.500 [0.500, 0.500].
  const site = result.data.sites[0];
  const untrained = structuredClone(result);
  for (const counts of Object.values(untrained.splits)) for (const c of counts) if (c.site === site) c.train = 0;
  for (const r of untrained.perSeed) if (r.trainedOn === site) r.training = { steps: 0, examplesSeen: 0 };
  const arm = untrained.perSeed.find((r) => r.trainedOn === site)!.arm;
  const row = markdownSummary(untrained).split('\n').find((l) => l.startsWith(`| ${arm} |`))!;
  assert.match(row, new RegExp(`^\\| ${arm.replace(/[+()]/g, '\\$&')} \\| n/a \\(no training rows at ${site}\\) \\| n/a \\|`));
  assert.doesNotMatch(row, /0\.500 \[0\.500, 0\.500\]/);
  assert.ok(readerWarnings(untrained).some((w) => w.startsWith(`${arm}: not trained (no training rows at ${site})`)));
});

test('Warnings: none only when there is nothing to warn about', async () => {
  const result = (await smallBench()) as ReportResult;
  const clean = structuredClone(result);
  clean.warnings = [];
  clean.summary = clean.summary.filter((s) => s.family !== 'federated' || s.arm === 'fedavg');
  for (const counts of Object.values(clean.splits)) for (const c of counts) c.testPositives = Math.max(c.testPositives, SMALL_TEST_POSITIVES), c.test = Math.max(c.test, 2 * SMALL_TEST_POSITIVES);
  assert.deepEqual(readerWarnings(clean), []);
  assert.match(markdownSummary(clean), /\nWarnings: none\.\n$/);
});
