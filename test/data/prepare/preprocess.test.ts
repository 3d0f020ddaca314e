import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { datasetFromScenario } from '../../../src/data/load.js';
import { featureSources, prepareSeed, siteFeatures, targetColumn } from '../../../src/data/prepare/prepare.js';
import {
  aggregateStats,
  fitPreprocessing,
  siteStats,
  statsMean,
  statsSd,
  transform,
  type FeatureSource,
  type NumericSiteColumn,
  type SiteFeatures,
} from '../../../src/data/prepare/preprocess.js';
import { planUnits } from '../../../src/data/prepare/units.js';
import { SPLIT_TRAIN, type PreparedSeed } from '../../../src/data/prepare/types.js';
import { parseScenario } from '../../../src/scenario/parse.js';
import { meanSd, prepOpts, scenarioYaml } from './helpers.js';

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** A hand-made site: one numeric (with missing), one binary, one categorical column. */
function makeSite(id: string, rows: { v: number | null; b: number | null; c: string | null; split: number }[], levels: string[]): SiteFeatures {
  const n = rows.length;
  const values = Float64Array.from(rows, (r) => r.v ?? 0);
  const valid = Uint8Array.from(rows, (r) => (r.v === null ? 0 : 1));
  const bin = Float64Array.from(rows, (r) => r.b ?? 0);
  const binValid = Uint8Array.from(rows, (r) => (r.b === null ? 0 : 1));
  const codes = Int32Array.from(rows, (r) => (r.c === null ? -1 : levels.indexOf(r.c)));
  return {
    id,
    n,
    columns: [
      { name: 'num', featureType: 'numeric', values, valid },
      { name: 'bin', featureType: 'binary', values: bin, valid: binValid },
      { name: 'cat', featureType: 'categorical', codes, levels },
    ],
    splitOfRow: Int8Array.from(rows, (r) => r.split),
    y: Float64Array.from(rows, (_, i) => i % 2),
    trueRisk: null,
    patientIds: rows.map((_, i) => `${id}-${i}`),
  };
}

const SOURCES: FeatureSource[] = [
  { name: 'num', featureType: 'numeric', unit: 'mg/dL' },
  { name: 'bin', featureType: 'binary' },
  { name: 'cat', featureType: 'categorical' },
];

const rowArb = fc.record({
  v: fc.option(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { nil: null, freq: 5 }),
  b: fc.option(fc.constantFrom(0, 1), { nil: null, freq: 5 }),
  c: fc.option(fc.constantFrom('x', 'y', 'z'), { nil: null, freq: 5 }),
  split: fc.constantFrom(0, 0, 0, 1, 2, -1),
});
const sitesArb = fc.array(fc.array(rowArb, { minLength: 0, maxLength: 60 }), { minLength: 1, maxLength: 4 });

describe('sufficient statistics', () => {
  test('aggregated per-site sums give the brute-force pooled mean and SD of the training rows', () => {
    fc.assert(
      fc.property(sitesArb, (siteRows) => {
        const sites = siteRows.map((rows, k) => makeSite(`s${k}`, rows, ['x', 'y', 'z']));
        const pooled = aggregateStats(sites.map(siteStats));
        const train = siteRows.flat().filter((r) => r.split === SPLIT_TRAIN);
        const observed = train.filter((r) => r.v !== null).map((r) => r.v!);
        assert.equal(pooled.rows, train.length);
        assert.equal(pooled.numeric.num.count, observed.length);
        assert.equal(pooled.numeric.num.missing, train.length - observed.length);
        if (observed.length >= 2) {
          const bf = meanSd(observed);
          assert.ok(close(statsMean(pooled.numeric.num), bf.mean, 1e-9), `mean ${statsMean(pooled.numeric.num)} vs ${bf.mean}`);
          assert.ok(Math.abs(statsSd(pooled.numeric.num) - bf.sd) <= 1e-6 * Math.max(1, bf.sd), `sd ${statsSd(pooled.numeric.num)} vs ${bf.sd}`);
        }
        const bins = train.filter((r) => r.b !== null).map((r) => r.b!);
        assert.equal(pooled.numeric.bin.sum, bins.reduce((a: number, b) => a + b, 0));
        for (const level of ['x', 'y', 'z']) {
          assert.equal(pooled.categorical.cat.counts[pooled.categorical.cat.levels.indexOf(level)], train.filter((r) => r.c === level).length);
        }
        assert.equal(pooled.categorical.cat.missing, train.filter((r) => r.c === null).length);
      }),
      { numRuns: 150 },
    );
  });

  test('levels merge across sites in first-seen dictionary order', () => {
    const a = makeSite('a', [{ v: 1, b: 0, c: 'y', split: 0 }], ['y', 'w']);
    const b = makeSite('b', [{ v: 1, b: 0, c: 'x', split: 0 }], ['x', 'y']);
    const pooled = aggregateStats([siteStats(a), siteStats(b)]);
    assert.deepEqual(pooled.categorical.cat.levels, ['y', 'w', 'x']);
    assert.deepEqual(pooled.categorical.cat.counts, [1, 0, 1]);
  });
});

describe('fitPreprocessing and transform on hand-made sites', () => {
  const a = makeSite(
    'a',
    [
      { v: 1, b: 1, c: 'x', split: 0 },
      { v: 3, b: null, c: null, split: 0 },
      { v: null, b: 0, c: 'y', split: 0 },
      { v: 100, b: 1, c: 'z', split: 2 }, // test-only level z: unseen in training
      { v: null, b: null, c: 'x', split: 1 },
    ],
    ['x', 'y', 'z'],
  );
  const b = makeSite(
    'b',
    [
      { v: 5, b: 0, c: 'y', split: 0 },
      { v: 7, b: 1, c: 'y', split: 0 },
    ],
    ['x', 'y', 'z'],
  );
  const stats = [siteStats(a), siteStats(b)];

  test('design columns: features in order, levels seen in training, indicators right after their feature', () => {
    const fit = fitPreprocessing(stats, SOURCES, { normalization: 'federated', missingIndicators: true });
    assert.deepEqual(
      fit.features.map((f) => f.name),
      ['num', 'num__missing', 'bin', 'bin__missing', 'cat=x', 'cat=y', 'cat__missing'],
    );
    assert.deepEqual(
      fit.features.map((f) => f.kind),
      ['numeric', 'missing-indicator', 'binary', 'missing-indicator', 'one-hot', 'one-hot', 'missing-indicator'],
    );
    const without = fitPreprocessing(stats, SOURCES, { normalization: 'federated', missingIndicators: false });
    // Numeric/binary indicators follow the option; a categorical null is always its own column.
    assert.deepEqual(without.features.map((f) => f.name), ['num', 'bin', 'cat=x', 'cat=y', 'cat__missing']);
  });

  test('federated: pooled mean/SD; imputed numeric → 0; binary imputed with the pooled rate; unseen level → zeros', () => {
    const fit = fitPreprocessing(stats, SOURCES, { normalization: 'federated', missingIndicators: true });
    const { mean, sd } = meanSd([1, 3, 5, 7]);
    assert.equal((fit.center as Float64Array)[0], mean);
    assert.ok(close((fit.scale as Float64Array)[0], sd));
    assert.equal(fit.imputation.num, mean);
    assert.equal(fit.imputation.bin, 0.5); // pooled training rate of bin: 1, 0 at a (a null skipped), 0, 1 at b
    const ta = transform(a, fit);
    const d = fit.features.length;
    const row = (x: Float64Array, r: number) => Array.from(x.subarray(r * d, r * d + d));
    assert.deepEqual(row(ta.train.data.x, 0), [(1 - mean) / (fit.scale as Float64Array)[0], 0, 1, 0, 1, 0, 0]);
    assert.deepEqual(row(ta.train.data.x, 1).slice(2), [0.5, 1, 0, 0, 1]); // binary null, category null
    assert.equal(row(ta.train.data.x, 2)[0], 0); // imputed numeric is exactly 0 after standardization
    assert.equal(row(ta.train.data.x, 2)[1], 1);
    assert.deepEqual(row(ta.test.data.x, 0).slice(4), [0, 0, 0]); // level z unseen in training: all zeros, not missing
    assert.deepEqual(ta.test.patientIds, ['a-3']);
    assert.deepEqual(ta.validation.patientIds, ['a-4']);
    assert.equal(ta.train.data.n, 3);
    assert.equal(ta.train.data.d, d);
  });

  test('per-site: each site its own mean/SD and imputation; none: raw values, pooled imputation', () => {
    const per = fitPreprocessing(stats, SOURCES, { normalization: 'per-site', missingIndicators: false });
    const center = per.center as Record<string, Float64Array>;
    const scale = per.scale as Record<string, Float64Array>;
    assert.equal(center.a[0], 2);
    assert.ok(close(scale.a[0], Math.SQRT2));
    assert.equal(center.b[0], 6);
    assert.equal(per.imputationBySite!.a.num, 2);
    assert.equal(transform(a, per).train.data.x[2 * per.features.length], 0);
    const none = fitPreprocessing(stats, SOURCES, { normalization: 'none', missingIndicators: false });
    const t = transform(a, none);
    assert.equal(t.train.data.x[0], 1);
    assert.equal(t.train.data.x[2 * none.features.length], 4); // pooled mean of 1, 3, 5, 7
    assert.equal(t.test.data.x[0], 100);
  });

  test('a feature never observed in the pooled training rows gets no design column', () => {
    const e = makeSite('e', [{ v: null, b: 1, c: null, split: 0 }, { v: 5, b: 0, c: 'x', split: 1 }], ['x']);
    const fit = fitPreprocessing([siteStats(e)], SOURCES, { normalization: 'federated', missingIndicators: true });
    assert.deepEqual(fit.features.map((f) => f.name), ['bin']);
    assert.deepEqual(fit.droppedFeatures, ['num', 'cat']);
    assert.deepEqual(Array.from(transform(e, fit).validation.data.x), [0]);
  });

  test('a constant column gets scale 1 (no division by 0)', () => {
    const c = makeSite('c', [1, 2, 3].map(() => ({ v: 4, b: 1, c: 'x', split: 0 })), ['x']);
    const fit = fitPreprocessing([siteStats(c)], SOURCES, { normalization: 'federated', missingIndicators: true });
    assert.equal((fit.scale as Float64Array)[0], 1);
    assert.ok(transform(c, fit).train.data.x.every(Number.isFinite));
  });
});

describe('on generated data (three sites, mixed units)', () => {
  const ds = datasetFromScenario(
    parseScenario(
      scenarioYaml([
        { id: 'north', patients: 500 },
        { id: 'south', patients: 400, coding: '{ labUnits: SI, weightUnit: lb }' },
        { id: 'east', patients: 300 },
      ]),
      'three.yaml',
    ),
    'three.yaml',
  );
  const opts = prepOpts();
  const sources = featureSources(ds.manifest);
  const plan = planUnits(ds.sites, sources.filter((s) => s.featureType === 'numeric').map((s) => s.name), true);
  const sites = ds.sites.map((s) => siteFeatures(s, sources, targetColumn(ds.manifest), plan, opts));

  /** Observed training values of a numeric source column, over all sites. */
  const pooledTrain = (name: string, only?: string): number[] => {
    const out: number[] = [];
    for (const s of sites) {
      if (only && s.id !== only) continue;
      const col = s.columns.find((c) => c.name === name) as NumericSiteColumn;
      for (let i = 0; i < s.n; i++) if (s.splitOfRow[i] === SPLIT_TRAIN && (!col.valid || col.valid[i])) out.push(col.values[i]);
    }
    return out;
  };

  test('aggregated sufficient statistics equal the brute-force pooled mean and SD of every numeric feature', () => {
    const fit = fitPreprocessing(sites.map(siteStats), sources, { normalization: 'federated', missingIndicators: true });
    const numeric = fit.features.map((f, j) => [f, j] as const).filter(([f]) => f.kind === 'numeric');
    assert.ok(numeric.length >= 15);
    for (const [f, j] of numeric) {
      const bf = meanSd(pooledTrain(f.source));
      assert.ok(close((fit.center as Float64Array)[j], bf.mean, 1e-10), `${f.name} mean`);
      assert.ok(close((fit.scale as Float64Array)[j], bf.sd, 1e-8), `${f.name} sd ${(fit.scale as Float64Array)[j]} vs ${bf.sd}`);
      assert.ok(close(fit.imputation[f.source], bf.mean, 1e-10));
    }
  });

  /** Standardized values of observed training entries of column j, pooled or one site. */
  function standardizedObserved(p: PreparedSeed, j: number, only?: string): number[] {
    const f = p.preprocessing.features[j];
    const out: number[] = [];
    for (const [k, site] of p.sites.entries()) {
      if (only && site.id !== only) continue;
      const col = sites[k].columns.find((c) => c.name === f.source) as NumericSiteColumn;
      const trainRows = [...site.splitOfRow.keys()].filter((i) => site.splitOfRow[i] === SPLIT_TRAIN);
      const { x, d } = site.train.data;
      trainRows.forEach((i, r) => {
        if (!col.valid || col.valid[i]) out.push(x[r * d + j]);
      });
    }
    return out;
  }

  test('federated: standardized training columns have pooled mean 0 and SD 1', () => {
    const p = prepareSeed(ds, opts);
    for (const [j, f] of p.preprocessing.features.entries()) {
      if (f.kind !== 'numeric') continue;
      const { mean, sd } = meanSd(standardizedObserved(p, j));
      assert.ok(Math.abs(mean) < 1e-9, `${f.name}: pooled mean ${mean}`);
      assert.ok(Math.abs(sd - 1) < 1e-9, `${f.name}: pooled SD ${sd}`);
    }
  });

  test('per-site: at every site, standardized training columns have mean 0 and SD 1', () => {
    const p = prepareSeed(ds, prepOpts({ normalization: 'per-site' }));
    for (const site of ds.sites) {
      for (const [j, f] of p.preprocessing.features.entries()) {
        if (f.kind !== 'numeric') continue;
        const vals = standardizedObserved(p, j, site.id);
        if (vals.length < 2 || new Set(vals).size < 2) continue;
        const { mean, sd } = meanSd(vals);
        assert.ok(Math.abs(mean) < 1e-9 && Math.abs(sd - 1) < 1e-9, `${site.id} ${f.name}: ${mean}, ${sd}`);
      }
    }
  });

  test('binary and one-hot design columns stay 0/1 (binary: or the pooled rate where imputed)', () => {
    const p = prepareSeed(ds, opts);
    for (const [j, f] of p.preprocessing.features.entries()) {
      if (f.kind === 'numeric') continue;
      const allowed = new Set([0, 1, ...(f.kind === 'binary' ? [p.preprocessing.imputation[f.source]] : [])]);
      for (const site of p.sites) {
        const { x, d, n } = site.train.data;
        for (let r = 0; r < n; r++) assert.ok(allowed.has(x[r * d + j]), `${site.id} ${f.name}: ${x[r * d + j]}`);
      }
    }
  });
});
