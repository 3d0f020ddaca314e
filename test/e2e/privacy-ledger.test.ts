/**
 * The privacy ledger of real bench runs, row by row through `fedage privacy epsilon` (the built
 * CLI and the library entry it calls): every holder's (σ, q, steps[, σ_pre], δ) gives exactly
 * the ε the bench recorded, q and steps come from the same holder's plan, client level has one
 * federation row, and report.html / results.md show the rows and what ε does not cover.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { privacyEpsilonCommand } from '../../src/cli/privacy.js';
import { privacyLedger, type LedgerRow } from '../../src/report/privacy-ledger.js';
import { privacyScope } from '../../src/report/privacy-scope.js';
import { armPrivacy } from '../../src/report/extensions.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENARIO = 'scenarios/alzheimers-3site.yaml';

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `--sample-rate 0.1 --steps 30 …` → the flags object the CLI action receives. */
function flagsOf(command: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 2; i < command.length; i += 2) flags[command[i].slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = command[i + 1];
  return flags;
}

function checkRows(rows: LedgerRow[], result: any, viaCli: boolean): void {
  for (const row of rows) {
    assert.ok(row.command, `${row.arm} ${row.holder}: no command`);
    const lib = privacyEpsilonCommand(flagsOf(row.command!));
    assert.equal(lib.epsilon, row.epsilon, `${row.arm} ${row.holder}: library ε ${lib.epsilon} vs recorded ${row.epsilon}`);
    if (viaCli) {
      const run = fedage(...row.command!, '--json');
      assert.equal(run.status, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).epsilon, row.epsilon, `${row.arm} ${row.holder}: CLI`);
    }
    // q and steps are the same holder's: its planned sampling rate, and no more steps than planned.
    const plan = result.plan.find((p: any) => p.name === row.arm).privacy;
    const site = plan.sites[row.sites[0]];
    assert.equal(row.sampleRate, site.sampleRate, `${row.arm} ${row.holder}: q`);
    assert.ok(row.steps <= site.plannedSteps, `${row.arm} ${row.holder}: steps ${row.steps} > planned ${site.plannedSteps}`);
    const recorded = result.perSeed.find((r: any) => r.arm === row.arm && r.seed === row.seed).privacy.sites[row.sites[0]];
    assert.deepEqual([recorded.noiseMultiplier, recorded.sampleRate, recorded.steps, recorded.epsilon], [row.noiseMultiplier, row.sampleRate, row.steps, row.epsilon]);
    // The row is the holder's worst seed.
    const over = result.perSeed.filter((r: any) => r.arm === row.arm).map((r: any) => r.privacy.sites[row.sites[0]].epsilon);
    assert.equal(row.epsilon, Math.max(...over));
  }
}

describe('privacy ledger (built CLI)', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-ledger-'));
  let sample: any;
  let client: any;
  before(() => {
    const config = join(root, 'config.yaml');
    writeFileSync(config, 'bench:\n  seeds: 2\n  federated:\n    rounds: 3\n    clientFraction: 0.67\nprivacy:\n  level: sample\n  arms: [central, local, fedavg]\n');
    const run = fedage('bench', SCENARIO, '-c', config, '--arms', 'central,local,fedavg', '--epsilons', '1', '--dp-preprocessing-epsilon', '0.3', '--noise-seed', '4', '--out', join(root, 'sample'));
    assert.equal(run.status, 0, run.stderr);
    sample = JSON.parse(readFileSync(join(root, 'sample', 'results.json'), 'utf8'));
    const c = fedage('bench', SCENARIO, '--seeds', '1', '--rounds', '4', '--arms', 'fedavg', '--dp-level', 'client', '--epsilons', '3', '--client-fraction', '0.67', '--noise-seed', '4', '--out', join(root, 'client'));
    assert.equal(c.status, 0, c.stderr);
    client = JSON.parse(readFileSync(join(root, 'client', 'results.json'), 'utf8'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('sample level with DP preprocessing: one row per arm and site, every ε reproduced exactly by fedage privacy epsilon', () => {
    const rows = privacyLedger(sample);
    const sites = sample.data.sites as string[];
    const dpArms = [...new Set(sample.perSeed.filter((r: any) => r.privacy).map((r: any) => r.arm))];
    assert.equal(dpArms.length, 2 + sites.length); // central, each local, fedavg
    // local arms: one row for their own site; central and fedavg: one per site.
    assert.equal(rows.length, 2 * sites.length + sites.length);
    for (const r of rows) {
      assert.equal(r.level, 'sample');
      assert.ok(r.preprocessingNoiseMultiplier !== null && r.preprocessingNoiseMultiplier > 0);
      assert.ok(r.epsilon <= 1 + 1e-12, `${r.arm} ${r.holder}: ${r.epsilon}`);
    }
    // Client fraction < 1: sites join different rounds, so fedavg's rows differ in steps and q.
    const fed = rows.filter((r) => r.arm === 'fedavg+dp(eps=1)');
    assert.equal(new Set(fed.map((r) => `${r.sampleRate}/${r.steps}`)).size, fed.length);
    checkRows(rows, sample, true);
    // With preprocessing on, its own release costs something: without it the same steps give less.
    const r0 = rows[0];
    const without = privacyEpsilonCommand(flagsOf(r0.command!.slice(0, -2)));
    assert.ok((without.epsilon as number) < r0.epsilon);
  });

  test('client level: one federation row (all sites), q = the client sampling rate, steps = rounds, reproduced exactly', () => {
    const rows = privacyLedger(client);
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.equal(row.holder, 'federation');
    assert.deepEqual(row.sites, client.data.sites);
    assert.equal(row.sampleRate, 0.67);
    assert.equal(row.steps, 4);
    assert.equal(row.preprocessingNoiseMultiplier, null);
    checkRows(rows, client, true);
  });

  test('results.md and report.html carry the ledger and what ε covers, derived from the settings', () => {
    const md = readFileSync(join(root, 'sample', 'results.md'), 'utf8');
    const html = readFileSync(join(root, 'sample', 'report.html'), 'utf8');
    for (const r of privacyLedger(sample)) {
      assert.ok(md.includes(`| ${r.arm} | ${r.holder} | ${r.seed} | ${r.noiseMultiplier} | ${r.sampleRate} | ${r.steps} |`), `results.md row ${r.arm} ${r.holder}`);
      assert.ok(html.includes(`<code>fedage ${r.command!.join(' ')}</code>`), `report.html command ${r.arm} ${r.holder}`);
    }
    assert.match(md, /What ε covers and what it does not/);
    assert.match(html, /What ε covers and what it does not/);
    const scope = privacyScope(sample)!;
    // Preprocessing covered (noised), threshold and id files not; seeded noise called out.
    assert.ok(scope.covered.some((c) => /preprocessing statistics/.test(c)));
    assert.ok(!scope.notCovered.some((c) => /^The preprocessing statistics/.test(c)));
    assert.ok(scope.notCovered.some((c) => /decision threshold/.test(c)));
    assert.ok(scope.notCovered.some((c) => /predictions\.arrow and splits\.arrow hold every site's patient ids/.test(c)));
    assert.ok(scope.notCovered.some((c) => /seeded generator/.test(c)));
    const clientScope = privacyScope(client)!;
    assert.ok(clientScope.notCovered.some((c) => /^The preprocessing statistics: each site shared/.test(c)));
    assert.ok(clientScope.notCovered.some((c) => /^The server/.test(c)));
  });

  test('the per-arm view (σ, q, steps) is one site\'s mechanism, never the maxima of different sites', () => {
    for (const arm of [...new Set(sample.perSeed.filter((r: any) => r.privacy).map((r: any) => r.arm as string))] as string[]) {
      const view = armPrivacy(sample, arm)!;
      const triples = sample.perSeed.filter((r: any) => r.arm === arm).flatMap((r: any) => Object.values<any>(r.privacy.sites).map((x) => `${x.noiseMultiplier}/${x.sampleRate}/${x.steps}`));
      assert.ok(triples.includes(`${view.noiseMultiplier}/${view.sampleRate}/${view.steps}`), `${arm}: ${view.noiseMultiplier}/${view.sampleRate}/${view.steps} is no site's`);
    }
  });

  test('DP preprocessing is refused at client level and when it alone exceeds the target (exit 2, no training)', () => {
    const a = fedage('bench', SCENARIO, '--dp-level', 'client', '--epsilons', '1', '--dp-preprocessing-epsilon', '0.1', '--dry-run');
    assert.equal(a.status, 2, a.stderr);
    assert.match(a.stderr, /sample level/);
    const b = fedage('bench', SCENARIO, '--dp-level', 'sample', '--epsilons', '0.5', '--dp-preprocessing-epsilon', '0.6', '--dry-run');
    assert.equal(b.status, 2, b.stderr);
    assert.match(b.stderr, /preprocessing release alone costs ε = 0\.\d+ .* not below the target ε = 0\.5/);
    const c = fedage('bench', SCENARIO, '--dp-level', 'sample', '--dp-preprocessing-bounds', 'age_years=1:0', '--dp-preprocessing-epsilon', '0.1', '--dry-run');
    assert.equal(c.status, 2, c.stderr);
    assert.match(c.stderr, /COLUMN=LO:HI with finite LO < HI/);
  });
});
