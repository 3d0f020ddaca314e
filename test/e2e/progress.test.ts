/**
 * Progress through the built CLI with stderr a pipe (not a terminal): plain progress lines on
 * stderr from every long-running command, and none with --quiet. FEDAGE_PROGRESS_INTERVAL_MS=0
 * lets these small runs print every update they make.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'fedage.js');
const work = mkdtempSync(join(tmpdir(), 'fedage-e2e-progress-'));
after(() => rmSync(work, { recursive: true, force: true }));

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, FEDAGE_PROGRESS_INTERVAL_MS: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BENCH = ['bench', 'data', '--seeds', '2', '--arms', 'central,local,fedavg', '--rounds', '3', '--workers', '1'];
const PRV = ['privacy', 'noise', '--epsilon', '2', '--delta', '1e-5', '--sample-rate', '0.01', '--steps', '100', '--accountant', 'prv'];

/** Each command, what a progress line of it looks like, and the stdout it must still print. */
const COMMANDS: { name: string; args: string[]; line: RegExp; stdout: RegExp }[] = [
  { name: 'generate', args: ['generate', 'alzheimers-3site', '--out', 'gen', '--scale', '0.02'], line: /^generate: site 1\/3 us-academic: \d+\/\d+ patients$/m, stdout: /^generated "/ },
  { name: 'generate --format csv', args: ['generate', 'alzheimers-3site', '--out', 'gen-csv', '--scale', '0.02', '--format', 'csv'], line: /^generate: site 3\/3 us-community visits: \d+ rows -> gen-csv\/us-community\.visits\.csv$/m, stdout: /^generated "/ },
  { name: 'export', args: ['export', 'data', '--format', 'csv', '--out', 'exp'], line: /^export: site 1\/3 us-academic patients: \d+ rows -> exp\/us-academic\.csv$/m, stdout: /^exported 6 csv files/ },
  { name: 'bench', args: BENCH, line: /^bench: arm run 1 of 10: seed 0 central$/m, stdout: /^## fedage bench/ },
  { name: 'bench (rounds)', args: BENCH, line: /^bench: arm run \d+ of 10: seed 1 fedavg round 3\/3$/m, stdout: /^## fedage bench/ },
  { name: 'privacy noise --accountant prv', args: PRV, line: /^privacy noise: evaluation 1: σ = 20\.0000 gives ε = [\d.e-]+ \(target 2\); searching for an upper bound on σ$/m, stdout: /^noise multiplier σ = / },
  { name: 'inspect --fidelity', args: ['inspect', 'data', '--fidelity'], line: /^inspect: loading site 1\/3 us-academic$/m, stdout: /rows within tolerance/ },
];

describe('progress on stderr when it is not a terminal (built CLI)', () => {
  before(() => {
    const g = fedage('generate', 'alzheimers-3site', '--out', 'data', '--scale', '0.05', '--quiet');
    assert.equal(g.status, 0, g.stderr);
  });

  for (const c of COMMANDS) {
    test(`${c.name}: progress lines; with --quiet none`, () => {
      const force = c.args[0] === 'generate' || c.args[0] === 'export' ? ['--force'] : [];
      const loud = fedage(...c.args, ...force);
      assert.ok(loud.status === 0 || loud.status === 3, loud.stderr);
      assert.match(loud.stdout, c.stdout);
      assert.match(loud.stderr, c.line);
      const quiet = fedage(...c.args, ...force, '--quiet');
      assert.ok(quiet.status === 0 || quiet.status === 3, quiet.stderr);
      assert.match(quiet.stdout, c.stdout);
      // Nothing on stderr but a fidelity verdict (exit 3 names the failed rows) or warnings.
      const chatter = quiet.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('fedage: '));
      assert.deepEqual(chatter, []);
    });
  }
});
