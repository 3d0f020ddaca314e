/**
 * results.json `dataSummary`: per-site count, mean and SD of the training rows, checked against
 * the site tables read row by row with Arrow's own accessors (not the pipeline's readers), in
 * canonical units.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench } from '../../src/bench/runner.js';
import { SPLIT_TRAIN } from '../../src/data/prepare/types.js';

const scenario = new URL('../../../scenarios/alzheimers-3site.yaml', import.meta.url).pathname;

function meanSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}

test('dataSummary: the first seed’s training rows per site, in canonical units, as a direct computation gives', async () => {
  const run = await runBench(scenario, { overrides: { seeds: [7, 8], rounds: 1, arms: ['central'] }, workers: 1 });
  const summary = run.result.dataSummary!;
  assert.equal(summary.seed, 7);
  const prepared = run.prepared[0];
  const conversions = prepared.preprocessing.unitConversions;
  let converted = 0;
  for (const column of ['age_years', 'glucose', 'mmse']) {
    const entry = summary.numeric.find((c) => c.column === column)!;
    assert.equal(entry.featureType, 'numeric');
    const pooled: number[] = [];
    for (const [k, site] of run.dataset.sites.entries()) {
      const split = prepared.sites[k].splitOfRow;
      const vector = site.table.getChild(column)!;
      const conv = conversions[site.id]?.[column];
      if (conv) converted++;
      const values: number[] = [];
      let missing = 0;
      for (let i = 0; i < site.table.numRows; i++) {
        if (split[i] !== SPLIT_TRAIN) continue;
        const v = vector.get(i) as number | null;
        if (v === null || Number.isNaN(v)) missing++;
        else values.push(conv ? v * (conv.factor ?? 1) + (conv.offset ?? 0) : v);
      }
      pooled.push(...values);
      const got = entry.sites[site.id];
      assert.equal(got.count, values.length, `${column} at ${site.id}`);
      assert.equal(got.missing, missing);
      assert.equal(summary.rows[site.id], [...split].filter((s) => s === SPLIT_TRAIN).length);
      if (values.length >= 2) {
        const { mean, sd } = meanSd(values);
        assert.ok(Math.abs(got.mean! - mean) <= 1e-9 * Math.abs(mean), `${column} mean at ${site.id}`);
        assert.ok(Math.abs(got.sd! - sd) <= 1e-7 * sd, `${column} sd at ${site.id}`);
      } else {
        assert.equal(got.mean === null || values.length === 1, true);
      }
    }
    const { mean } = meanSd(pooled);
    assert.ok(Math.abs(entry.pooled.mean! - mean) <= 1e-9 * Math.abs(mean));
  }
  // The scenario has a site recording glucose in mmol/L: its summary is in mg/dL like the others.
  assert.ok(converted > 0, 'a converted column was checked');
  assert.equal(summary.numeric.find((c) => c.column === 'glucose')!.unit, 'mg/dL');

  // Categorical counts per level sum, with the missing count, to the training rows.
  const sex = summary.categorical.find((c) => c.column === 'sex')!;
  for (const site of run.result.data.sites) {
    assert.equal(sex.sites[site].counts.reduce((a, v) => a + v, 0) + sex.sites[site].missing, summary.rows[site]);
  }
  // JSON keeps it as is (no NaN).
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
});
