/** bench --ids plain|hashed|none: what predictions.arrow and splits.arrow hold (built CLI). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { tableFromIPC, type Table } from 'apache-arrow';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QUICK = ['scenarios/alzheimers-3site.yaml', '--seeds', '1', '--rounds', '2', '--arms', 'central,fedavg'];

function fedage(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const read = (dir: string, file: string): Table => tableFromIPC(readFileSync(join(dir, file)));
const column = (t: Table, name: string): string[] => Array.from(t.getChild(name)!.toArray() as Iterable<string>, String);

describe('bench --ids', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedage-ids-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const run = (mode: string) => {
    const out = join(root, mode);
    const r = fedage('bench', ...QUICK, '--ids', mode, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    return out;
  };

  test('plain (default), hashed and none: same rows, ids as given, as unlinkable HMACs, or absent', () => {
    const plain = run('plain');
    const hashed = run('hashed');
    const none = run('none');
    const plainIds = column(read(plain, 'splits.arrow'), 'patient_id');
    assert.ok(plainIds.length > 1000);
    for (const file of ['predictions.arrow', 'splits.arrow']) {
      const [p, h, n] = [read(plain, file), read(hashed, file), read(none, file)];
      assert.equal(h.numRows, p.numRows);
      assert.equal(n.numRows, p.numRows);
      assert.equal(n.getChild('patient_id'), null, `${file}: --ids none keeps no id column`);
      assert.deepEqual(n.schema.fields.map((f) => f.name), p.schema.fields.map((f) => f.name).filter((x) => x !== 'patient_id'));
      const hashes = column(h, 'patient_id');
      assert.ok(hashes.every((x) => /^[0-9a-f]{64}$/.test(x)), `${file}: 64-hex HMACs`);
      const plainSet = new Set(column(p, 'patient_id'));
      assert.ok(!hashes.some((x) => plainSet.has(x)));
      // One id, one hash: the mapping is a bijection over the rows.
      const pairs = new Map<string, string>();
      column(p, 'patient_id').forEach((id, i) => {
        const seen = pairs.get(id);
        assert.ok(seen === undefined || seen === hashes[i]);
        pairs.set(id, hashes[i]);
      });
      assert.equal(new Set(pairs.values()).size, pairs.size);
      // Labels and scores are unchanged.
      if (file === 'predictions.arrow') assert.deepEqual(Array.from(h.getChild('y_score')!.toArray()), Array.from(p.getChild('y_score')!.toArray()));
    }
    // The two hashed files join: every test prediction's hash is a splits row with split "test".
    const splits = read(hashed, 'splits.arrow');
    const testHashes = new Set(column(splits, 'patient_id').filter((_, i) => String(splits.getChild('split')!.get(i)) === 'test'));
    assert.ok(column(read(hashed, 'predictions.arrow'), 'patient_id').every((x) => testHashes.has(x)));
    // The key is drawn per run and not stored: a second hashed run gives other hashes.
    const r2 = fedage('bench', ...QUICK, '--ids', 'hashed', '--out', join(root, 'hashed-again'));
    assert.equal(r2.status, 0, r2.stderr);
    assert.notDeepEqual(column(read(join(root, 'hashed-again'), 'splits.arrow'), 'patient_id').slice(0, 5), column(read(hashed, 'splits.arrow'), 'patient_id').slice(0, 5));
    for (const [mode, dir] of [['plain', plain], ['hashed', hashed], ['none', none]] as const) {
      assert.equal(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).outputIds, mode);
    }
  });

  test('an unknown mode is a usage error before any work (exit 2)', () => {
    const r = fedage('bench', ...QUICK, '--ids', 'clear', '--out', join(root, 'bad'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--ids: expected plain, hashed, none, found "clear"/);
  });
});
