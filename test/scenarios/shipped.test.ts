/**
 * The scenarios shipped in scenarios/: each one parses, cites its sources Synthea-style, and
 * has the shape its name promises (non-IID sites, a 10-site mixed consortium, DP-sized sites).
 *
 * Source-key convention checked here (see the header comment of each scenario):
 *   - a trailing comment may start with a list of source keys: `mean: 29.1  # ADNIsub` or
 *     `# WHICAP, MCC22: 0.38 and 31-57 %`;
 *   - any comment may cite a key in brackets: `# assumed: above [NHATS] 15 %`;
 *   - every key cited either way must be in the top-level `refs` map, and every `refs` key
 *     must be cited somewhere;
 *   - every number in `consortium` and `sites` carries a trailing comment (a source key,
 *     "assumed" or "design").
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseScenario } from '../../src/scenario/parse.js';
import type { ResolvedSite, Scenario } from '../../src/scenario/schema.js';
import { generateSiteBatches, siteModelFor } from '../../src/synth/generate-site.js';
import type { NumericColumn } from '../../src/synth/columnar.js';
import { BENCH_DEFAULTS } from '../../src/bench/config.js';

const SCENARIOS_DIR = new URL('../../../scenarios/', import.meta.url);
const SHIPPED = ['alzheimers-3site.yaml', 'frailty-dp.yaml', 'consortium-10site.yaml'];
const HEADER = '# yaml-language-server: $schema=../schema/scenario.schema.json';

const scenarioFiles = readdirSync(SCENARIOS_DIR)
  .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
  .sort();

function readScenarioText(file: string): string {
  return readFileSync(new URL(file, SCENARIOS_DIR), 'utf8');
}

function load(file: string): Scenario {
  return parseScenario(readScenarioText(file), fileURLToPath(new URL(file, SCENARIOS_DIR)));
}

/** A source key as written in CLINICAL_PARAMETERS.md: ADNIsub, MAYO-PET, ICD10-G30, P10MCI. */
const KEY = '[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*';
const BRACKETED_KEY = new RegExp(`\\[(${KEY})\\]`, 'g');
const LEADING_KEYS = new RegExp(`^\\s*(${KEY}(?:\\s*,\\s*${KEY})*)(?=$|[\\s:;])`);
/** `key: 1.5` or `key: { mean: 29.1, ... }` (optionally as a list item). */
const NUMERIC_VALUE = /^\s*(?:-\s+)?[A-Za-z$][\w$]*:\s*(?:-?\d+(?:\.\d+)?\s*$|\{.*\d)/;

interface CommentScan {
  /** Source keys cited, with the 1-based line of their first citation. */
  cited: Map<string, number>;
  /** Lines in consortium/sites with a number but no trailing comment. */
  uncommentedNumbers: { line: number; text: string }[];
}

/** Line-based scan of the comments. Assumes no `#` preceded by a space inside quoted values. */
function scanComments(text: string): CommentScan {
  const cited = new Map<string, number>();
  const uncommentedNumbers: CommentScan['uncommentedNumbers'] = [];
  let section = '';
  text.split(/\r?\n/).forEach((line, index) => {
    const lineNo = index + 1;
    const top = /^([A-Za-z$][\w$]*):/.exec(line);
    if (top) section = top[1];
    const hash = /(^|\s)#(.*)$/.exec(line);
    const code = hash ? line.slice(0, hash.index) : line;
    const comment = hash ? hash[2] : undefined;
    const cite = (key: string) => {
      if (!cited.has(key)) cited.set(key, lineNo);
    };
    if (comment !== undefined) {
      for (const m of comment.matchAll(BRACKETED_KEY)) cite(m[1]);
      if (code.trim() !== '') {
        const lead = LEADING_KEYS.exec(comment);
        if (lead) for (const key of lead[1].split(',')) cite(key.trim());
      }
    }
    if ((section === 'consortium' || section === 'sites') && comment === undefined && NUMERIC_VALUE.test(code)) {
      uncommentedNumbers.push({ line: lineNo, text: line.trim() });
    }
  });
  return { cited, uncommentedNumbers };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const total = (s: Scenario) => s.sites.reduce((a, site) => a + site.patients, 0);

/** Last possible visit date of a site: enrollment end plus the follow-up, as YYYY-MM-DD. */
function lastVisit(site: ResolvedSite, followUpYears: number): string {
  const d = new Date(`${site.enrollment.end}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + Math.round(followUpYears * 12));
  return d.toISOString().slice(0, 10);
}

test('the three shipped scenarios are present', () => {
  for (const file of SHIPPED) assert.ok(scenarioFiles.includes(file), `scenarios/${file} is missing`);
});

for (const file of scenarioFiles) {
  describe(`scenarios/${file}`, () => {
    test('parses and validates', () => {
      let scenario: Scenario | undefined;
      assert.doesNotThrow(() => {
        scenario = load(file);
      });
      assert.ok(scenario && scenario.sites.length > 0);
    });

    test('starts with the yaml-language-server schema comment', () => {
      assert.equal(readScenarioText(file).split(/\r?\n/)[0], HEADER);
    });

    test('every cited source key is in refs and every refs key is cited', () => {
      const text = readScenarioText(file);
      const refs = Object.keys((parseYaml(text) as { refs?: Record<string, string> }).refs ?? {});
      assert.ok(refs.length > 0, 'a shipped scenario has a refs map');
      const { cited } = scanComments(text);
      const missing = [...cited].filter(([key]) => !refs.includes(key)).map(([key, line]) => `${key} (line ${line})`);
      assert.deepEqual(missing, [], 'source keys cited in comments but absent from refs');
      const unused = refs.filter((key) => !cited.has(key));
      assert.deepEqual(unused, [], 'refs keys never cited in a comment');
    });

    test('every number carries a trailing source, "assumed" or "design" comment', () => {
      const { uncommentedNumbers } = scanComments(readScenarioText(file));
      assert.deepEqual(uncommentedNumbers, []);
    });

    test('a diagnosisMix, where written, names all three groups', () => {
      const raw = parseYaml(readScenarioText(file)) as {
        consortium: { defaults?: { diagnosisMix?: object } };
        sites: { id: string; diagnosisMix?: object }[];
      };
      const layers = [{ id: 'consortium.defaults', diagnosisMix: raw.consortium.defaults?.diagnosisMix }, ...raw.sites];
      for (const layer of layers) {
        if (layer.diagnosisMix) assert.deepEqual(Object.keys(layer.diagnosisMix).sort(), ['AD', 'CN', 'MCI'], layer.id);
      }
    });
  });
}

describe('alzheimers-3site', () => {
  test('is the small non-IID default', () => {
    const s = load('alzheimers-3site.yaml');
    assert.equal(s.name, 'alzheimers-3site');
    assert.equal(s.seed, 20240601);
    assert.equal(s.followUpYears, 3);
    assert.equal(s.visitIntervalMonths, 12);
    assert.equal(s.target, 'mci_to_ad');
    assert.equal(s.sites.length, 3);
    // Small enough for a bench of a few seconds (the perf scripts time it).
    const n = total(s);
    assert.ok(n <= 15_000, `total patients ${n} above 15,000`);
  });

  test('every site holds >= 40 recorded positives in its test set on average (issue 11)', () => {
    const s = load('alzheimers-3site.yaml');
    const testFraction = BENCH_DEFAULTS.split.test;
    for (const site of s.sites) {
      let positives = 0;
      for (const b of generateSiteBatches(siteModelFor(s, site), { visits: false })) {
        const target = b.patients.columns.get('target') as NumericColumn;
        for (let i = 0; i < b.patients.length; i++) if (!target.valid || target.valid[i]) positives += target.values[i];
      }
      assert.ok(positives * testFraction >= 40, `${site.id}: ${positives} positives, ${(positives * testFraction).toFixed(1)} expected in a ${testFraction} test split`);
    }
  });

  test('mean ages differ by at least 5 years between some pair of sites', () => {
    const ages = load('alzheimers-3site.yaml').sites.map((site) => site.demographics.age.mean);
    assert.ok(Math.max(...ages) - Math.min(...ages) >= 5, `mean ages ${ages.join(', ')}`);
  });

  test('sites differ in coding, instrument and field strength', () => {
    const sites = load('alzheimers-3site.yaml').sites;
    assert.ok(new Set(sites.map((site) => site.coding.icdSystem)).size >= 2);
    assert.ok(new Set(sites.map((site) => site.cognition.instrument)).size >= 2);
    assert.ok(new Set(sites.map((site) => site.mri.fieldStrength)).size === 2);
    assert.ok(new Set(sites.map((site) => site.coding.labUnits)).size === 2);
  });
});

describe('consortium-10site', () => {
  const s = () => load('consortium-10site.yaml');

  test('has ten sites from 300 to 20,000 patients', () => {
    const patients = s().sites.map((site) => site.patients);
    assert.equal(patients.length, 10);
    assert.equal(Math.min(...patients), 300);
    assert.equal(Math.max(...patients), 20000);
  });

  test('mixes ICD systems, field strengths and cognitive instruments', () => {
    const sites = s().sites;
    assert.ok(new Set(sites.map((site) => site.coding.icdSystem)).size >= 2, 'at least two ICD systems');
    const strengths = new Set(sites.map((site) => site.mri.fieldStrength));
    assert.ok(strengths.has('1.5T') && strengths.has('3T'), 'both 1.5T and 3T');
    const instruments = sites.map((site) => site.cognition.instrument);
    assert.ok(instruments.includes('MMSE'), 'an MMSE-only site');
    assert.ok(instruments.includes('MoCA'), 'a MoCA-only site');
    assert.ok(new Set(sites.map((site) => site.mri.vendor)).size >= 3, 'several scanner vendors');
  });

  test('US sites switch to ICD-10-CM on 2015-10-01; one is ICD-9-CM only; others use WHO ICD-10', () => {
    const scenario = s();
    const us = scenario.sites.filter((site) => site.country === 'US');
    assert.ok(us.length >= 2);
    for (const site of us) {
      assert.equal(site.coding.icdSystem, 'ICD-10-CM', site.id);
      assert.equal(site.coding.switchDate, '2015-10-01', site.id);
      assert.equal(site.coding.labUnits, 'conventional', site.id);
    }
    const icd9Only = us.filter((site) => lastVisit(site, scenario.followUpYears) < '2015-10-01');
    assert.equal(icd9Only.length, 1, 'exactly one US site observed entirely before the switch');
    const spanning = us.filter((site) => site.enrollment.start < '2015-10-01' && site.enrollment.end >= '2015-10-01');
    assert.ok(spanning.length >= 1, 'a US site enrolling across the switch');
    assert.ok(us.some((site) => site.coding.weightUnit === 'lb'), 'a US site recording pounds');
    for (const site of scenario.sites.filter((x) => x.country !== 'US')) {
      assert.equal(site.coding.icdSystem, 'WHO-ICD-10', site.id);
      assert.equal(site.coding.switchDate, null, site.id);
    }
  });

  test('site ids and countries are distinct enough to be international', () => {
    const sites = s().sites;
    assert.equal(new Set(sites.map((site) => site.id)).size, 10);
    assert.ok(new Set(sites.map((site) => site.country)).size >= 8);
    assert.ok(sites.some((site) => site.coding.labelNoise > 0), 'label noise on some site');
  });
});

describe('frailty-dp', () => {
  test('targets frailty with four large community sites', () => {
    const s = load('frailty-dp.yaml');
    assert.equal(s.target, 'frailty');
    assert.equal(s.sites.length, 4);
    for (const site of s.sites) {
      assert.ok(site.patients >= 5000, `${site.id}: ${site.patients} patients`);
      assert.ok(site.frailty.availableFraction >= 0.9, `${site.id}: frailty measured on most patients`);
      assert.ok(site.frailty.prevalenceTarget >= 0.05 && site.frailty.prevalenceTarget <= 0.2, site.id);
    }
    const n = total(s);
    assert.ok(n >= 30000 && n <= 50000, `total ${n}`);
    assert.ok(s.sites.some((site) => site.coding.labUnits === 'SI'), 'a site with SI units');
    const female = s.sites.map((site) => site.demographics.femaleFraction);
    assert.ok(Math.max(...female) - Math.min(...female) >= 0.2, 'sites differ in sex balance');
    assert.ok(new Set(s.sites.map((site) => site.frailty.prevalenceTarget)).size === 4, 'per-site prevalence');
    assert.ok(mean(s.sites.map((site) => site.wearables.availableFraction)) >= 0.5, 'wearables widely available');
  });
});
