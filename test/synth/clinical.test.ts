/**
 * Clinical plausibility of the generator against CLINICAL_PARAMETERS.md and against closed forms
 * of its own stated model. Large sites are generated once per file and reused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseScenario } from '../../src/scenario/parse.js';
import type { ResolvedSite, Scenario } from '../../src/scenario/schema.js';
import { ICD_CODE_DICTIONARY } from '../../src/synth/coding.js';
import { ICD_SYSTEM_DICTIONARY } from '../../src/synth/columns.js';
import type { ColumnBatch, NumericColumn } from '../../src/synth/columnar.js';
import { hypoexponentialCdf } from '../../src/synth/stages/disease.js';
import { generateSiteBatches, siteModelFor } from '../../src/synth/generate-site.js';
import { normalCdf } from '../../src/random/normal.js';
import type { SiteModel } from '../../src/synth/site-model.js';

const REPO_ROOT = new URL('../../../', import.meta.url);
const CN = 0;
const MCI = 1;
const AD = 2;

interface Col {
  values: Float64Array;
  valid: Uint8Array;
}
type Table = Map<string, Col>;

function concat(batches: ColumnBatch[]): Table {
  const out: Table = new Map();
  const total = batches.reduce((s, b) => s + b.length, 0);
  for (const name of batches[0].columns.keys()) {
    if (batches[0].columns.get(name)!.kind === 'utf8') continue;
    const values = new Float64Array(total);
    const valid = new Uint8Array(total);
    let o = 0;
    for (const b of batches) {
      const c = b.columns.get(name) as NumericColumn;
      values.set(c.values, o);
      if (c.valid) valid.set(c.valid, o);
      else valid.fill(1, o, o + b.length);
      o += b.length;
    }
    out.set(name, { values, valid });
  }
  return out;
}

interface Generated {
  model: SiteModel;
  patients: Table;
  visits: Table | null;
  n: number;
}

function generate(scenario: Scenario, site: ResolvedSite, opts: { scale?: number; visits?: boolean } = {}): Generated {
  const model = siteModelFor(scenario, site, { scale: opts.scale });
  const p: ColumnBatch[] = [];
  const v: ColumnBatch[] = [];
  for (const b of generateSiteBatches(model, { visits: opts.visits ?? false })) {
    p.push(b.patients);
    if (b.visits) v.push(b.visits);
  }
  return { model, patients: concat(p), visits: v.length ? concat(v) : null, n: model.patients };
}

function col(t: Table, name: string): Col {
  const c = t.get(name);
  assert.ok(c, `column ${name} missing`);
  return c;
}

/** Mean of a column over valid rows where `where(i)` holds; with its count and SD. */
function meanWhere(c: Col, where: (i: number) => boolean): { mean: number; n: number; sd: number } {
  let s = 0;
  let s2 = 0;
  let k = 0;
  for (let i = 0; i < c.values.length; i++) {
    if (!c.valid[i] || !where(i)) continue;
    s += c.values[i];
    s2 += c.values[i] * c.values[i];
    k++;
  }
  const mean = s / k;
  return { mean, n: k, sd: Math.sqrt(Math.max(s2 / k - mean * mean, 0)) };
}

/** AUC by the rank formula (midranks for ties) = P(score_pos > score_neg) + P(tie)/2. */
function auc(scores: number[], labels: number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let sumPos = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]) {
      nPos++;
      sumPos += ranks[i];
    }
  }
  const nNeg = labels.length - nPos;
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

// ---------------------------------------------------------------------------------------------
// The data sets, generated once.

const N = 60_000;
/** Built-in defaults everywhere, except instrument both (MMSE and MoCA on the same patients). */
const mainYaml = (extra = '', id = 'main') => `consortium:
  name: clinical
  seed: 20240917
sites:
  - id: ${id}
    patients: ${N}
    cognition: { instrument: both }
${extra}`;

const mainScenario = parseScenario(mainYaml(), 'clinical.yaml');
const main = generate(mainScenario, mainScenario.sites[0], { visits: true });
const P = main.patients;
const group = col(P, 'true_dx_baseline').values;
const inGroup = (g: number) => (i: number) => group[i] === g;

const shipped = parseScenario(readFileSync(new URL('scenarios/alzheimers-3site.yaml', REPO_ROOT), 'utf8'), 'alzheimers-3site.yaml');
/** About 100,000 patients over the three sites, whatever the scenario's own sizes. */
const SHIPPED_SCALE = 100_000 / shipped.sites.reduce((a, s) => a + s.patients, 0);
const shippedSites = shipped.sites.map((s) => ({ site: s, data: generate(shipped, s, { scale: SHIPPED_SCALE, visits: s.id === 'us-academic' }) }));

const E4_RANGES: Record<number, [number, number]> = { [CN]: [0.2, 0.32], [MCI]: [0.3, 0.55], [AD]: [0.55, 0.71] };

describe('diagnosis mix and APOE (built-in defaults, 60,000 patients)', () => {
  test('true diagnosis mix equals the configured mix within 0.01', () => {
    // Thresholds come from a 40,000-draw calibration sample: SE of a quantile's coverage
    // sqrt(0.28*0.72/40000) = 0.0022, plus this sample's 0.0018: 0.01 is > 3.5 combined SE.
    const mix = mainScenario.sites[0].diagnosisMix;
    for (const [g, want] of [[CN, mix.CN], [MCI, mix.MCI], [AD, mix.AD]] as const) {
      const got = group.filter((x) => x === g).length / main.n;
      assert.ok(Math.abs(got - want) < 0.01, `group ${g}: ${got} vs ${want}`);
    }
  });

  test('APOE e4 carrier rate by true group within CLINICAL_PARAMETERS ranges (CN 20-32, MCI 30-55, AD 55-71 %)', () => {
    const e4 = col(P, 'apoe_e4_carrier');
    for (const g of [CN, MCI, AD]) {
      const { mean } = meanWhere(e4, inGroup(g));
      const [lo, hi] = E4_RANGES[g];
      assert.ok(mean >= lo && mean <= hi, `group ${g}: e4 rate ${mean.toFixed(3)} outside [${lo}, ${hi}]`);
    }
  });

  test('shipped alzheimers-3site sites: mix within 0.01, e4 rates within the ranges', () => {
    for (const { site, data } of shippedSites) {
      const g = col(data.patients, 'true_dx_baseline').values;
      const e4 = col(data.patients, 'apoe_e4_carrier');
      const mix = [site.diagnosisMix.CN, site.diagnosisMix.MCI, site.diagnosisMix.AD];
      for (const k of [CN, MCI, AD]) {
        const got = g.filter((x) => x === k).length / data.n;
        assert.ok(Math.abs(got - mix[k]) < 0.01, `${site.id} group ${k}: ${got} vs ${mix[k]}`);
        const { mean: rate, n } = meanWhere(e4, (i) => g[i] === k);
        const [lo, hi] = E4_RANGES[k];
        // The ranges bound the site's expected rate; a site configured near an edge (se-memory's
        // AD rate is calibrated to [SWE]'s 67-72 %) may sample past it by sampling error alone.
        const slack = 3 * Math.sqrt((rate * (1 - rate)) / n);
        assert.ok(rate >= lo - slack && rate <= hi + slack, `${site.id} group ${k}: e4 rate ${rate.toFixed(3)} outside [${lo}, ${hi}] ± ${slack.toFixed(3)} (3 SE, n ${n})`);
      }
    }
  });
});

describe('cognition', () => {
  const mmse = col(P, 'mmse');
  const moca = col(P, 'moca');

  test('mean observed MMSE by true group close to the defaults (CN 29.1, MCI 28.2, AD 23.5)', () => {
    // Tolerances: the default population has ~15.8 y schooling (+0.12/y over 14 y: ~+0.2) and
    // group mean ages 73-79 (-0.04/y around 76: -0.1 to +0.1); the ceiling at 30 removes
    // E[(X-30)+] ~ 0.17 (CN, SD 1.1), less for MCI. CN: +-0.4 covers both; MCI: +-0.8 and AD:
    // +-1.5 are ~1/2 SD of the configured spread (1.7 and 3.5).
    const want = [
      [CN, 29.1, 0.4],
      [MCI, 28.2, 0.8],
      [AD, 23.5, 1.5],
    ] as const;
    for (const [g, mean, tol] of want) {
      const got = meanWhere(mmse, inGroup(g)).mean;
      assert.ok(Math.abs(got - mean) <= tol, `group ${g}: MMSE mean ${got.toFixed(3)} vs ${mean} +- ${tol}`);
    }
  });

  test('mean MMSE by group equals the model closed form E[clamp(round(X), 0, 30)] within 5 SE (shipped sites)', () => {
    // Per patient: X ~ N(mean_g + edu_eff (edu - site mean) + age_eff (age - site mean), sd_g):
    // the latent SD sqrt(sd^2 - e^2) and the measurement error e add up to the configured SD.
    const expectedObserved = (mu: number, sd: number): number => {
      let e = 0;
      for (let k = 0; k <= 30; k++) {
        const lo = k === 0 ? 0 : normalCdf((k - 0.5 - mu) / sd);
        const hi = k === 30 ? 1 : normalCdf((k + 0.5 - mu) / sd);
        e += k * (hi - lo);
      }
      return e;
    };
    for (const { site, data } of shippedSites) {
      const c = site.cognition;
      const { cognitionRefAge, cognitionRefEducation } = data.model;
      const g = col(data.patients, 'true_dx_baseline').values;
      const m = col(data.patients, 'mmse');
      const age = col(data.patients, 'age_years');
      const edu = col(data.patients, 'education_years');
      const keys = ['CN', 'MCI', 'AD'] as const;
      for (const k of [CN, MCI, AD]) {
        const d = c.mmse[keys[k]];
        let sumObs = 0;
        let sumExp = 0;
        let count = 0;
        for (let i = 0; i < data.n; i++) {
          if (g[i] !== k || !m.valid[i] || !edu.valid[i]) continue;
          const mu = d.mean + c.educationEffectPerYear * (edu.values[i] - cognitionRefEducation) + c.ageEffectPerYear * (age.values[i] - cognitionRefAge);
          sumExp += expectedObserved(mu, d.sd);
          sumObs += m.values[i];
          count++;
        }
        const se = d.sd / Math.sqrt(count);
        const got = sumObs / count;
        const exp = sumExp / count;
        assert.ok(Math.abs(got - exp) < 5 * se + 0.02, `${site.id} group ${k}: MMSE ${got.toFixed(3)} vs closed form ${exp.toFixed(3)} (SE ${se.toFixed(3)})`);
      }
    }
  });

  test('MoCA is more sensitive: MoCA MCI mean < MMSE MCI mean', () => {
    const mo = meanWhere(moca, inGroup(MCI)).mean;
    const mm = meanWhere(mmse, inGroup(MCI)).mean;
    assert.ok(mo < mm - 3, `MoCA ${mo} vs MMSE ${mm}`);
    // NAS: MoCA MCI mean 22.1; + ~0.17 for the education point in a 16-y population.
    assert.ok(Math.abs(mo - 22.1) < 1, `MoCA MCI mean ${mo}`);
  });

  test('ceiling (28-30) in CN+MCI: MMSE far more often than MoCA (TRZ: 71.4 % vs 18.1 %)', () => {
    let both = 0;
    let mmseCeil = 0;
    let mocaCeil = 0;
    for (let i = 0; i < main.n; i++) {
      if (group[i] === AD || !mmse.valid[i] || !moca.valid[i]) continue;
      both++;
      if (mmse.values[i] >= 28) mmseCeil++;
      if (moca.values[i] >= 28) mocaCeil++;
    }
    const a = mmseCeil / both;
    const b = mocaCeil / both;
    assert.ok(a > b + 0.3, `MMSE ceiling ${a} vs MoCA ${b}`);
    // TRZ is ADNI-GO/2 (a different CN:MCI mix and MCI definition); +-0.1 absolute allows for
    // the mix (36 % CN here) without letting either rate drift into the other's territory.
    assert.ok(Math.abs(a - 0.714) < 0.1, `MMSE ceiling ${a} vs TRZ 0.714`);
    assert.ok(Math.abs(b - 0.181) < 0.1, `MoCA ceiling ${b} vs TRZ 0.181`);
  });

  test('CDR-SB CN < MCI < AD, near ADNIsub means (0.05 / 1.48 / 6.27)', () => {
    const [c, m, a] = [CN, MCI, AD].map((g) => meanWhere(col(P, 'cdr_sb'), inGroup(g)).mean);
    assert.ok(c < m && m < a, `${c} ${m} ${a}`);
    // Rounding to 0.5 and the clamp at 0 lift CN (true mean 0.05, SD 0.15): allow 0.15 there.
    assert.ok(Math.abs(c - 0.05) < 0.15 && Math.abs(m - 1.48) < 0.2 && Math.abs(a - 6.27) < 0.4, `${c} ${m} ${a}`);
  });

  test('visit 0 scores the MoCA like the baseline column (education point for <= 12 y included in both)', () => {
    // The baseline visit and the patient table's baseline MoCA are the same encounter: their
    // difference is two independent unit noises, rounded, so its mean is 0 in every education
    // stratum (SE ~ 1.5 / sqrt(n)). NAS: +1 point if <= 12 y of schooling, part of the score.
    const v = main.visits!;
    const vi = col(v, 'visit_index').values;
    const vMoca = col(v, 'moca');
    const moca = col(P, 'moca');
    const edu = col(P, 'education_years');
    const diff = { low: [0, 0], high: [0, 0] };
    let patient = -1;
    for (let r = 0; r < vi.length; r++) {
      if (vi[r] !== 0) continue;
      patient++;
      if (!moca.valid[patient] || !vMoca.valid[r] || !edu.valid[patient]) continue;
      const d = edu.values[patient] <= 12 ? diff.low : diff.high;
      d[0] += moca.values[patient] - vMoca.values[r];
      d[1]++;
    }
    const high = diff.high[0] / diff.high[1];
    const low = diff.low[0] / diff.low[1];
    assert.ok(Math.abs(high) < 5 * (1.5 / Math.sqrt(diff.high[1])), `> 12 y: baseline - visit 0 MoCA = ${high}`);
    assert.ok(
      Math.abs(low) < 5 * (1.5 / Math.sqrt(diff.low[1])),
      `GENERATOR BUG (stages/visits.ts generateVisits): visit MoCA omits the +1 education point that the baseline ` +
        `moca column adds for <= 12 y of schooling; baseline - visit 0 MoCA = ${low.toFixed(3)} over ${diff.low[1]} patients`,
    );
  });

  test('instrument MoCA has null MMSE everywhere, instrument MMSE null MoCA (patients and visits)', () => {
    const sc = parseScenario(
      `consortium: { name: instr, seed: 3 }
sites:
  - id: moca-only
    patients: 2000
    cognition: { instrument: MoCA }
  - id: mmse-only
    patients: 2000
    cognition: { instrument: MMSE }
`,
      'instr.yaml',
    );
    for (const [site, nullCol, presentCol] of [
      [sc.sites[0], 'mmse', 'moca'],
      [sc.sites[1], 'moca', 'mmse'],
    ] as const) {
      const d = generate(sc, site, { visits: true });
      for (const t of [d.patients, d.visits!]) {
        assert.equal(col(t, nullCol).valid.reduce((s, v) => s + v, 0), 0, `${site.id}: ${nullCol} not all null`);
        const present = col(t, presentCol).valid.reduce((s, v) => s + v, 0) / t.get(presentCol)!.values.length;
        // missingness.cognition 0.03 by default.
        assert.ok(present > 0.95, `${site.id}: ${presentCol} present in only ${present}`);
      }
    }
  });
});

describe('MRI', () => {
  test('hippocampal volume CN > MCI > AD (measured and ICV-adjusted)', () => {
    for (const name of ['hippocampus_cm3', 'hippocampus_icv_adj_cm3']) {
      const [c, m, a] = [CN, MCI, AD].map((g) => meanWhere(col(P, name), inGroup(g)).mean);
      assert.ok(c > m && m > a, `${name}: ${c} ${m} ${a}`);
    }
  });

  test('3T measures hippocampal volume ~8 % higher than 1.5T (BUCH 6-11 %): ratio within 1.06-1.10', () => {
    const sc = parseScenario(
      `consortium: { name: field, seed: 5 }
sites:
  - id: scan-3t
    patients: 40000
    mri: { fieldStrength: 3T }
  - id: scan-15t
    patients: 40000
    mri: { fieldStrength: 1.5T }
`,
      'field.yaml',
    );
    const [a, b] = sc.sites.map((s) => meanWhere(col(generate(sc, s).patients, 'hippocampus_cm3'), () => true));
    // Same population (only the site id and field strength differ): SE of the ratio ~0.0015.
    const ratio = a.mean / b.mean;
    assert.ok(ratio > 1.06 && ratio < 1.1, `3T/1.5T ratio ${ratio}`);
  });
});

describe('progression (ground truth)', () => {
  const tey = col(P, 'true_event_years');
  const risk = col(P, 'true_risk').values;
  const Y = mainScenario.followUpYears;

  test('MCI -> AD within 1 year: ~ mciToAdAnnual 0.096 +- 0.02, and = E[1 - exp(-lambda_i)] within 4 SE', () => {
    let n = 0;
    let conv = 0;
    let expected = 0;
    let varSum = 0;
    for (let i = 0; i < main.n; i++) {
      if (group[i] !== MCI) continue;
      n++;
      if (tey.valid[i] && tey.values[i] <= 1) conv++;
      // true_risk of an MCI patient is 1 - exp(-lambda_i Y): recover the individual hazard.
      const p1 = 1 - Math.exp(Math.log(1 - risk[i]) / Y);
      expected += p1;
      varSum += p1 * (1 - p1);
    }
    const frac = conv / n;
    assert.ok(Math.abs(frac - 0.096) <= 0.02, `1-year MCI->AD ${frac} vs 0.096`);
    const se = Math.sqrt(varSum) / n;
    assert.ok(Math.abs(frac - expected / n) < 4 * se, `1-year MCI->AD ${frac} vs closed form ${expected / n} (SE ${se})`);
  });

  test('CN -> MCI at visit 1 (from visits): ~ cnToMciAnnual 0.062 +- 0.02, and = E[1 - exp(-lambda1_i)] within 4 SE', () => {
    const v = main.visits!;
    const vi = col(v, 'visit_index').values;
    const td = col(v, 'true_dx').values;
    // Patient index of each visit row: rows are grouped by patient in patient order.
    const m = main.model;
    let patient = -1;
    let n = 0;
    let moved = 0;
    let expected = 0;
    let varSum = 0;
    for (let r = 0; r < vi.length; r++) {
      if (vi[r] === 0) patient++;
      if (vi[r] !== 1 || group[patient] !== CN) continue;
      n++;
      if (td[r] >= MCI) moved++;
      // true_risk = hypoexponentialCdf(h1 f, h2 f, Y): solve for the individual factor f.
      let lo = -30;
      let hi = 30;
      for (let it = 0; it < 100; it++) {
        const mid = (lo + hi) / 2;
        const f = Math.exp(mid);
        if (hypoexponentialCdf(m.hazardCnToMci * f, m.hazardMciToAd * f, Y) < risk[patient]) lo = mid;
        else hi = mid;
      }
      const l1 = m.hazardCnToMci * Math.exp((lo + hi) / 2);
      const p1 = 1 - Math.exp(-l1);
      expected += p1;
      varSum += p1 * (1 - p1);
    }
    assert.equal(patient, main.n - 1, 'every patient has a baseline visit row');
    const frac = moved / n;
    assert.ok(Math.abs(frac - 0.062) <= 0.02, `1-year CN->MCI ${frac} vs 0.062`);
    const se = Math.sqrt(varSum) / n;
    assert.ok(Math.abs(frac - expected / n) < 4 * se, `1-year CN->MCI ${frac} vs closed form ${expected / n} (SE ${se})`);
  });

  test('hypoexponential: mean true_risk among CN = fraction of CN with AD by the horizon (3 SE)', () => {
    let n = 0;
    let events = 0;
    let sumRisk = 0;
    let varSum = 0;
    for (let i = 0; i < main.n; i++) {
      if (group[i] !== CN) continue;
      n++;
      events += tey.valid[i];
      sumRisk += risk[i];
      varSum += risk[i] * (1 - risk[i]);
    }
    const se = Math.sqrt(varSum) / n;
    assert.ok(events > 100, `too few CN events (${events}) for the check to mean anything`);
    assert.ok(Math.abs(events / n - sumRisk / n) < 3 * se, `CN AD by ${Y} y: ${events / n} vs mean risk ${sumRisk / n} (SE ${se})`);
  });

  test('hypoexponentialCdf matches brute-force numerical convolution', () => {
    for (const [l1, l2, y] of [
      [0.06, 0.1, 3],
      [0.2, 0.2, 2],
      [1.5, 0.3, 4],
    ]) {
      // P(T1 + T2 <= y) = integral_0^y l1 e^{-l1 s} (1 - e^{-l2 (y - s)}) ds, midpoint rule.
      const m = 200_000;
      const h = y / m;
      let s = 0;
      for (let k = 0; k < m; k++) {
        const t = (k + 0.5) * h;
        s += l1 * Math.exp(-l1 * t) * (1 - Math.exp(-l2 * (y - t))) * h;
      }
      assert.ok(Math.abs(hypoexponentialCdf(l1, l2, y) - s) < 1e-8, `${l1} ${l2} ${y}`);
    }
  });

  test('shipped sites: 1-year MCI -> AD within 0.02 of each site mciToAdAnnual', () => {
    for (const { site, data } of shippedSites) {
      const g = col(data.patients, 'true_dx_baseline').values;
      const t = col(data.patients, 'true_event_years');
      const { mean } = meanWhere({ values: Float64Array.from(t.values, (x, i) => (t.valid[i] && x <= 1 ? 1 : 0)), valid: new Uint8Array(data.n).fill(1) }, (i) => g[i] === MCI);
      assert.ok(Math.abs(mean - site.progression.mciToAdAnnual) <= 0.02, `${site.id}: ${mean} vs ${site.progression.mciToAdAnnual}`);
    }
  });
});

describe('frailty', () => {
  const pheno = col(P, 'frailty_phenotype');
  const frail = (i: number) => pheno.values[i] === 2;

  test('prevalence of the frail phenotype = frailty.prevalenceTarget within 0.02 (defaults and shipped sites)', () => {
    const sets = [{ id: 'main', target: mainScenario.sites[0].frailty.prevalenceTarget, t: P }, ...shippedSites.map((s) => ({ id: s.site.id, target: s.site.frailty.prevalenceTarget, t: s.data.patients }))];
    for (const { id, target, t } of sets) {
      const ph = col(t, 'frailty_phenotype');
      let k = 0;
      let f = 0;
      for (let i = 0; i < ph.values.length; i++) {
        if (!ph.valid[i]) continue;
        k++;
        if (ph.values[i] === 2) f++;
      }
      assert.ok(Math.abs(f / k - target) <= 0.02, `${id}: frail ${f / k} vs target ${target}`);
    }
  });

  test('frail phenotype is the Fried rule: >= 3 of 5 criteria, prefrail 1-2', () => {
    const crit = ['fried_weight_loss', 'fried_exhaustion', 'fried_low_activity', 'fried_slow_gait', 'fried_weak_grip'].map((c) => col(P, c));
    const count = col(P, 'fried_count');
    for (let i = 0; i < main.n; i++) {
      if (!pheno.valid[i]) continue;
      const c = crit.reduce((s, x) => s + x.values[i], 0);
      assert.equal(count.values[i], c);
      assert.equal(pheno.values[i], c === 0 ? 0 : c < 3 ? 1 : 2);
    }
  });

  test('frailty more common in women (COLLARD 9.6 vs 5.2 %) and in AD than in CN', () => {
    const sex = col(P, 'sex').values; // 0 = F, 1 = M
    const rate = (where: (i: number) => boolean) => meanWhere({ values: Float64Array.from(pheno.values, (x) => (x === 2 ? 1 : 0)), valid: pheno.valid }, where);
    const f = rate((i) => sex[i] === 0);
    const m = rate((i) => sex[i] === 1);
    const seDiff = Math.sqrt((f.mean * (1 - f.mean)) / f.n + (m.mean * (1 - m.mean)) / m.n);
    assert.ok(f.mean - m.mean > 3 * seDiff, `women ${f.mean} vs men ${m.mean} (SE ${seDiff})`);
    const ad = rate(inGroup(AD));
    const cn = rate(inGroup(CN));
    assert.ok(ad.mean > 2 * cn.mean, `AD ${ad.mean} vs CN ${cn.mean}`);
    void frail;
  });
});

describe('coding', () => {
  test('true AD at baseline: dementia code fraction = s_d + (1 - s_d) s_mci p_mci-as-dementia within 0.02', () => {
    const c = mainScenario.sites[0].coding;
    // recordedDx: a recognized dementia is coded AD; otherwise a recognized MCI (the patient's
    // MCI recognition) is coded as dementia with probability mciCodedAsDementia.
    const expected = c.dementiaSensitivity + (1 - c.dementiaSensitivity) * c.mciSensitivity * c.mciCodedAsDementia;
    const rec = col(P, 'dx_recorded_baseline'); // dictionary MCI = 0, AD = 1
    const { mean } = meanWhere({ values: Float64Array.from(rec.values, (x, i) => (rec.valid[i] && x === 1 ? 1 : 0)), valid: new Uint8Array(main.n).fill(1) }, inGroup(AD));
    assert.ok(Math.abs(mean - expected) <= 0.02, `AD coded as dementia: ${mean} vs ${expected}`);
    // And true MCI: coded MCI with s_mci (1 - p), coded AD with s_mci p.
    const m = meanWhere({ values: Float64Array.from(rec.values, (x, i) => (rec.valid[i] && x === 0 ? 1 : 0)), valid: new Uint8Array(main.n).fill(1) }, inGroup(MCI));
    assert.ok(Math.abs(m.mean - c.mciSensitivity * (1 - c.mciCodedAsDementia)) <= 0.02, `MCI coded MCI: ${m.mean}`);
    const cn = meanWhere({ values: Float64Array.from(rec.valid), valid: new Uint8Array(main.n).fill(1) }, inGroup(CN));
    assert.equal(cn.mean, 0, 'a CN patient never has a baseline code');
  });

  test('US site enrolling 2013-2019 (switch 2015-10-01) has ICD-9-CM and ICD-10-CM visits, ICD-9-CM exactly before the switch', () => {
    const us = shippedSites.find((s) => s.site.id === 'us-academic')!;
    assert.equal(us.site.coding.switchDate, '2015-10-01');
    const v = us.data.visits!;
    const date = col(v, 'visit_date').values;
    const sys = col(v, 'icd_system').values;
    const code = col(v, 'dx_code');
    const sw = Date.UTC(2015, 9, 1) / 86_400_000;
    const seen = new Set<string>();
    for (let r = 0; r < date.length; r++) {
      const s = ICD_SYSTEM_DICTIONARY[sys[r]];
      seen.add(s);
      assert.equal(s, date[r] < sw ? 'ICD-9-CM' : 'ICD-10-CM', `row ${r}: ${s} on day ${date[r]}`);
      if (code.valid[r]) {
        const c = ICD_CODE_DICTIONARY[code.values[r]];
        assert.equal(/^\d/.test(c), s === 'ICD-9-CM', `row ${r}: code ${c} under ${s}`);
      }
    }
    assert.deepEqual([...seen].sort(), ['ICD-10-CM', 'ICD-9-CM']);
  });

  test('the WHO ICD-10 site (switchDate null) never records ICD-9-CM or ICD-10-CM codes', () => {
    const se = shippedSites.find((s) => s.site.id === 'se-memory')!;
    const sys = col(se.data.patients, 'icd_system_baseline').values;
    const code = col(se.data.patients, 'dx_code_baseline');
    for (let i = 0; i < se.data.n; i++) {
      assert.equal(ICD_SYSTEM_DICTIONARY[sys[i]], 'WHO-ICD-10');
      if (code.valid[i]) assert.match(ICD_CODE_DICTIONARY[code.values[i]], /^F0/);
    }
  });

  test('label noise 0.2 flips ~20 % of target labels vs labelNoise 0, nothing else changes', () => {
    const noisy = parseScenario(mainYaml('    coding: { labelNoise: 0.2 }\n'), 'clinical.yaml');
    const d = generate(noisy, noisy.sites[0]);
    const t0 = col(P, 'target');
    const t1 = col(d.patients, 'target');
    let eligible = 0;
    let flipped = 0;
    for (let i = 0; i < main.n; i++) {
      assert.equal(t0.valid[i], t1.valid[i], 'eligibility does not depend on label noise');
      if (!t0.valid[i]) continue;
      eligible++;
      if (t0.values[i] !== t1.values[i]) flipped++;
    }
    const frac = flipped / eligible;
    const se = Math.sqrt((0.2 * 0.8) / eligible);
    assert.ok(Math.abs(frac - 0.2) < 4 * se, `flipped ${frac} of ${eligible} (SE ${se})`);
    // label_risk is P(recorded label = 1): it moves exactly as label noise mixes it.
    const r0 = col(P, 'label_risk');
    const r1 = col(d.patients, 'label_risk');
    for (let i = 0; i < main.n; i++) {
      if (!t0.valid[i]) continue;
      assert.ok(Math.abs(r1.values[i] - (0.8 * r0.values[i] + 0.2 * (1 - r0.values[i]))) < 1e-12, `label_risk of row ${i}`);
    }
    for (const [name, c] of P) {
      if (name === 'target' || name === 'label_risk') continue;
      assert.deepEqual(col(d.patients, name).values, c.values, `column ${name} changed with label noise`);
      assert.deepEqual(col(d.patients, name).valid, c.valid, `validity of ${name} changed with label noise`);
    }
  });
});

describe('oracle', () => {
  test('AUC of true_risk vs the recorded mci_to_ad target is in (0.6, 1)', () => {
    const t = col(P, 'target');
    const risk = col(P, 'true_risk').values;
    const s: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < main.n; i++) {
      if (!t.valid[i]) continue;
      s.push(risk[i]);
      l.push(t.values[i]);
    }
    const a = auc(s, l);
    assert.ok(a > 0.6 && a < 1, `AUC ${a}`);
    // Cross-check the rank formula by brute-force pair counting on a subsample.
    const sub = s.slice(0, 3000);
    const lab = l.slice(0, 3000);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < sub.length; i++) {
      if (!lab[i]) continue;
      for (let j = 0; j < sub.length; j++) {
        if (lab[j]) continue;
        pairs++;
        wins += sub[i] > sub[j] ? 1 : sub[i] === sub[j] ? 0.5 : 0;
      }
    }
    assert.ok(Math.abs(wins / pairs - auc(sub, lab)) < 1e-12);
  });
});
