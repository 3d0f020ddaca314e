import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';
const SITE_IDS = ['us-academic', 'se-memory', 'us-community'];
const QUICK = ['--seeds', '2', '--rounds', '5'];

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Brute-force AUC: the fraction of (positive, negative) pairs ranked correctly, ties ½. */
function pairAuc(y: number[], s: number[]): number {
  let good = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      good += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return good / pairs;
}

describe('fedage bench (built CLI)', () => {
  let root: string;
  let out: string;
  let results: any;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fedage-bench-e2e-'));
    out = join(root, 'out');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a scenario: exit 0, the Markdown table on stdout, five output files', () => {
    const run = fedage('bench', SCENARIO, ...QUICK, '--out', out);
    assert.equal(run.status, 0, run.stderr);
    for (const arm of ['central', ...SITE_IDS.map((s) => `local:${s}`), 'fedavg', 'fedavgm', 'fedprox', 'scaffold', 'fedadam', 'fedyogi', 'fedadagrad', '_best_local_']) {
      assert.match(run.stdout, new RegExp(`^\\| ${arm.replace(/[_:]/g, (c) => `\\${c}`)} \\|`, 'm'), `row for ${arm}`);
    }
    assert.match(run.stdout, /Oracle AUC/);
    for (const f of ['results.json', 'results.md', 'report.html', 'predictions.arrow', 'splits.arrow', 'timings.json']) assert.ok(existsSync(join(out, f)), f);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /^<!doctype html>[\s\S]*fedage bench report: alzheimers-3site/);
    results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    assert.equal(results.format, 'fedage-bench-results');
    assert.equal(results.formatVersion, 1);
    assert.equal(results.backend.name, 'js-typed-array');
    assert.deepEqual(results.config.seeds, [0, 1]);
    // 2 seeds × (central + 3 local + 7 federated)
    assert.equal(results.perSeed.length, 2 * 11);
    assert.equal(results.data.synthetic, true);
    assert.ok(results.oracle.pooledAuc.mean > 0.5);
    assert.match(run.stdout, /Oracle AUC \(recorded label, the ceiling\): .*Oracle AUC \(true event\)/);
  });

  test('no arm beats the label oracle: every arm\'s mean AUC is within the label oracle\'s CI or below it', () => {
    // label_risk = P(recorded label = 1 | latent state) is the Bayes score for the recorded label:
    // no model of the features can rank the label better in expectation.
    const ceiling = results.oracle.labelPooledAuc;
    assert.ok(ceiling && Number.isFinite(ceiling.mean), 'the label oracle is reported');
    for (const s of results.summary) {
      const a = s.metrics.auc;
      if (!a || !Number.isFinite(a.mean)) continue;
      assert.ok(a.mean <= ceiling.ci95[1], `${s.arm}: AUC ${a.mean} above the label oracle ${ceiling.mean} [${ceiling.ci95}]`);
    }
    // Per seed too: the label oracle of a seed is the AUC of label_risk on that seed's test rows.
    for (const o of results.oracle.perSeed) assert.ok(o.labelPooledAuc > 0.5, `seed ${o.seed}: ${o.labelPooledAuc}`);
  });

  test('features never include ids, target or ground truth', () => {
    const sources = new Set(results.features.map((f: any) => f.source));
    for (const banned of ['patient_id', 'target', 'true_risk', 'label_risk', 'true_event', 'true_liability', 'true_dx_baseline', 'followup_years', 'enrollment_date']) {
      assert.ok(!sources.has(banned), banned);
    }
    assert.ok(sources.has('age_years') && sources.has('mmse'));
  });

  test('pooled metrics are those of the pooled predictions in predictions.arrow (recomputed by brute force)', () => {
    const table = tableFromIPC(readFileSync(join(out, 'predictions.arrow')));
    const arm = table.getChild('arm')!.toArray() as unknown as string[];
    const rows = table.numRows;
    const seed = table.getChild('seed')!.toArray();
    const yTrue = table.getChild('y_true')!.toArray();
    const yScore = table.getChild('y_score')!.toArray();
    const armNames = Array.from({ length: rows }, (_, i) => table.getChild('arm')!.get(i) as string);
    assert.ok(arm);
    for (const name of ['central', 'fedavg', 'local:se-memory']) {
      const idx = [...Array(rows).keys()].filter((i) => armNames[i] === name && seed[i] === 1);
      const recomputed = pairAuc(idx.map((i) => yTrue[i]), idx.map((i) => yScore[i]));
      const reported = results.perSeed.find((r: any) => r.arm === name && r.seed === 1).pooled.auc;
      assert.ok(Math.abs(recomputed - reported) < 1e-12, `${name}: ${recomputed} vs ${reported}`);
    }
    // One row per test patient per arm and seed.
    const testRows = results.splits['0'].reduce((a: number, s: any) => a + s.test, 0);
    assert.equal(armNames.filter((a, i) => a === 'fedavg' && seed[i] === 0).length, testRows);
  });

  test('splits.arrow holds every patient once per seed', () => {
    const table = tableFromIPC(readFileSync(join(out, 'splits.arrow')));
    const perSeed = results.splits['0'].reduce((a: number, s: any) => a + s.train + s.validation + s.test + s.excluded, 0);
    // Every patient of the scenario, eligible or not (sizes read from the scenario, not restated).
    const scenarioPatients = [...readFileSync(SCENARIO, 'utf8').matchAll(/^    patients: (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    assert.equal(perSeed, scenarioPatients);
    assert.equal(table.numRows, 2 * perSeed);
    const split = new Set(Array.from({ length: 50 }, (_, i) => table.getChild('split')!.get(i)));
    for (const s of split) assert.ok(['train', 'validation', 'test', 'excluded'].includes(s as string));
  });

  test('same input and seeds: identical results.json and predictions, with or without worker threads', () => {
    const again = join(root, 'again');
    const run = fedage('bench', SCENARIO, ...QUICK, '--workers', '1', '--out', again);
    assert.equal(run.status, 0, run.stderr);
    // results.json records the command line (argv): the only field the two commands differ in.
    const first = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const second = JSON.parse(readFileSync(join(again, 'results.json'), 'utf8'));
    assert.deepEqual(first.argv, ['bench', SCENARIO, ...QUICK, '--out', out]);
    assert.deepEqual(second.argv, ['bench', SCENARIO, ...QUICK, '--workers', '1', '--out', again]);
    delete first.argv;
    delete second.argv;
    assert.deepEqual(second, first);
    // The same command twice (but for the output directory): byte-identical results.json.
    const same = join(root, 'same');
    const rerun = fedage('bench', SCENARIO, ...QUICK, '--workers', '1', '--out', same);
    assert.equal(rerun.status, 0, rerun.stderr);
    const sameJson = readFileSync(join(same, 'results.json'), 'utf8').replace(JSON.stringify(same), JSON.stringify(again));
    assert.equal(sameJson, readFileSync(join(again, 'results.json'), 'utf8'));
    assert.deepEqual(readFileSync(join(again, 'predictions.arrow')), readFileSync(join(out, 'predictions.arrow')));
  });

  test('existing outputs are refused without --force (exit 2, files untouched), replaced with it', () => {
    const before = readFileSync(join(out, 'results.json'));
    const refused = fedage('bench', SCENARIO, ...QUICK, '--out', out);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /already exist.*--force/);
    assert.deepEqual(readFileSync(join(out, 'results.json')), before);
    const forced = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '2', '--arms', 'central,fedavg', '--out', out, '--force');
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).perSeed.length, 2);
  });

  test('--json prints results.json', () => {
    const run = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '2', '--arms', 'central,fedprox', '--json');
    assert.equal(run.status, 0, run.stderr);
    const parsed = JSON.parse(run.stdout);
    assert.deepEqual(parsed.summary.map((s: any) => s.arm), ['central', 'fedprox']);
  });

  test('a failing gate exits 3 naming the comparison and the numbers; a passing one exits 0', () => {
    const failing = fedage('bench', SCENARIO, '--seeds', '2', '--rounds', '3', '--arms', 'central,fedavg', '--gate', 'fedavg.auc >= central.auc + 0.5');
    assert.equal(failing.status, 3, failing.stderr);
    assert.match(failing.stderr, /fedavg\.auc >= central\.auc \+ 0\.5/);
    assert.match(failing.stderr, /0\.\d+/);
    const passing = fedage('bench', SCENARIO, '--seeds', '2', '--rounds', '3', '--arms', 'central,fedavg', '--max-gap', '1');
    assert.equal(passing.status, 0, passing.stderr);
    assert.match(passing.stdout, /passed fedavg\.auc >= central\.auc - 1/);
  });

  test('bad gates and flags exit 2 before any training', () => {
    for (const args of [
      ['--gate', 'fedavg.auc >> 1'],
      ['--gate', 'fedavg.aucc >= 0.5'],
      ['--gate', 'nosuch.auc >= 0.5'],
      ['--seeds', '0'],
      ['--model', 'forest'],
      ['--arms', 'central,fedsgd'],
      ['--lr', '-1'],
      ['--client-fraction', '1.5'],
    ]) {
      const run = fedage('bench', SCENARIO, '--rounds', '1', '--seeds', '1', ...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /fedage: /);
    }
  });

  test('a data directory: checked against its manifest, same results as the scenario in memory', () => {
    const data = join(root, 'data');
    assert.equal(fedage('generate', SCENARIO, '--out', data, '--no-visits').status, 0);
    const fromDir = fedage('bench', data, '--seeds', '1', '--rounds', '3', '--arms', 'central,scaffold', '--json');
    assert.equal(fromDir.status, 0, fromDir.stderr);
    const fromScenario = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '3', '--arms', 'central,scaffold', '--json');
    const a = JSON.parse(fromDir.stdout);
    const b = JSON.parse(fromScenario.stdout);
    assert.equal(a.data.kind, 'directory');
    assert.equal(a.data.manifestSha256, createHash('sha256').update(readFileSync(join(data, 'manifest.json'))).digest('hex'));
    assert.deepEqual(a.perSeed, b.perSeed);

    // The directory was generated for mci_to_ad: another target cannot be benched on it.
    const wrongTarget = fedage('bench', data, '--seeds', '1', '--rounds', '1', '--target', 'frailty');
    assert.equal(wrongTarget.status, 2);
    assert.match(wrongTarget.stderr, /target "mci_to_ad", not "frailty"/);

    // A corrupted site file is caught by its checksum.
    const file = join(data, 'se-memory.arrow');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const corrupted = fedage('bench', data, '--seeds', '1', '--rounds', '1');
    assert.equal(corrupted.status, 2);
    assert.match(corrupted.stderr, /se-memory\.arrow/);
  });

  test('--config: a bench settings file for a data directory, located errors', () => {
    const good = join(root, 'bench.yaml');
    writeFileSync(good, 'bench:\n  seeds: [3]\n  arms: [central, fedavg]\n  federated:\n    rounds: 2\n');
    const run = fedage('bench', SCENARIO, '--config', good, '--json');
    assert.equal(run.status, 0, run.stderr);
    const parsed = JSON.parse(run.stdout);
    assert.deepEqual(parsed.config.seeds, [3]);
    assert.equal(parsed.config.federated.rounds, 2);

    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'bench:\n  federated:\n    rounds: 2\n    roundz: 3\n  split: { train: 0.5, validation: 0.2, test: 0.2 }\n');
    const failed = fedage('bench', SCENARIO, '--config', bad);
    assert.equal(failed.status, 2);
    assert.match(failed.stderr, /bad\.yaml:4:\d+ at bench\.federated\.roundz/);
    assert.match(failed.stderr, /did you mean `rounds`/);
    assert.match(failed.stderr, /bad\.yaml:5:\d+ at bench\.split/);
  });

  test('a degenerate site (test set without positives): a warning and null metrics, never NaN or a crash', () => {
    const run = fedage('bench', 'fixtures/valid/bench-tiny-site.yaml', '--seeds', '2', '--rounds', '2', '--arms', 'central,local,fedavg', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!/NaN/.test(run.stdout));
    const parsed = JSON.parse(run.stdout);
    const central = parsed.perSeed.find((r: any) => r.arm === 'central' && r.seed === 0);
    assert.equal(central.sites.tiny.auc, null);
    assert.ok(central.sites.tiny.warnings.length > 0);
    assert.equal(central.worstSite.site, 'big');
    assert.ok(parsed.warnings.some((w: string) => /site tiny test set: auc, auprc undefined/.test(w)));
  });
});
