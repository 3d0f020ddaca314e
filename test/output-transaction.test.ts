import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OutputError } from '../src/errors.js';
import { OutputTransaction, lockPathFor, type OutputTransactionOptions } from '../src/output-transaction.js';
import { runInterruptCleanups } from '../src/cleanup.js';

const root = mkdtempSync(join(tmpdir(), 'fedage-tx-'));
const DATA: OutputTransactionOptions = { force: false, ownsEntry: (n) => n === 'manifest.json' || n.endsWith('.arrow'), requireEmpty: true, lastFile: 'manifest.json', what: 'data directory' };
const write = (dir: string, files: Record<string, string>) => {
  mkdirSync(dir, { recursive: true });
  for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, f), t);
};
const contents = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
const siblings = (dir: string, name: string) => readdirSync(dir).filter((f) => f.startsWith(`.${name}.fedage-`));

/** A PID that is not running: far above any pid_max in use. */
const DEAD_PID = 4_000_000;

describe('OutputTransaction', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  test('commit swaps the complete new directory in; old entries (another scenario\'s sites) do not survive', () => {
    const out = join(root, 'a');
    write(out, { 'manifest.json': 'old', 'old-site.arrow': 'x' });
    const tx = OutputTransaction.begin(out, { ...DATA, force: true });
    write(tx.dir, { 'manifest.json': 'new', 'new-site.arrow': 'y' });
    assert.deepEqual(contents(out), { 'manifest.json': 'old', 'old-site.arrow': 'x' }, 'old data untouched before commit');
    tx.commit();
    assert.deepEqual(contents(out), { 'manifest.json': 'new', 'new-site.arrow': 'y' });
    assert.deepEqual(siblings(root, 'a'), []);
  });

  test('abort (and an interrupt) leave the old data and no staging directory or lock', () => {
    const out = join(root, 'b');
    write(out, { 'manifest.json': 'old' });
    const tx = OutputTransaction.begin(out, { ...DATA, force: true });
    write(tx.dir, { 'manifest.json': 'new' });
    tx.abort();
    assert.deepEqual(contents(out), { 'manifest.json': 'old' });
    const tx2 = OutputTransaction.begin(out, { ...DATA, force: true });
    assert.ok(existsSync(tx2.dir));
    assert.equal(runInterruptCleanups(), 1);
    assert.equal(existsSync(tx2.dir), false);
    assert.deepEqual(siblings(root, 'b'), []);
  });

  test('a live lock refuses a second writer; a dead PID\'s lock, staging dir and backup are cleaned up', () => {
    const out = join(root, 'c');
    const first = OutputTransaction.begin(out, DATA);
    assert.throws(() => OutputTransaction.begin(out, DATA), (e: unknown) => e instanceof OutputError && /being written by another fedage run \(pid \d+/.test(e.message));
    first.abort();
    writeFileSync(lockPathFor(out), `${DEAD_PID}\n${hostname()}\n`);
    mkdirSync(join(root, `.c.fedage-tmp-${DEAD_PID}-00000000`));
    const tx = OutputTransaction.begin(out, DATA);
    assert.deepEqual(siblings(root, 'c').sort(), ['.c.fedage-lock', tx.dir.slice(root.length + 1)].sort());
    tx.abort();
  });

  test('a lock held on another host is not second-guessed', () => {
    const out = join(root, 'd');
    writeFileSync(lockPathFor(out), `${DEAD_PID}\nsome-other-host\n`);
    assert.throws(() => OutputTransaction.begin(out, DATA), /pid 4000000 on some-other-host/);
    rmSync(lockPathFor(out));
  });

  test('a run killed between the two renames of the swap: the next run restores the old data', () => {
    const out = join(root, 'e');
    write(join(root, `.e.fedage-old-${DEAD_PID}-00000000`), { 'manifest.json': 'old' });
    // Restored first, so a run without --force is refused as for any non-empty directory.
    assert.throws(() => OutputTransaction.begin(out, DATA), /not empty/);
    assert.deepEqual(contents(out), { 'manifest.json': 'old' });
    assert.deepEqual(siblings(root, 'e'), []);
  });

  test('--force refuses to replace a directory holding files fedage did not write', () => {
    const out = join(root, 'f');
    write(out, { 'manifest.json': 'old', 'notes.txt': 'mine' });
    assert.throws(() => OutputTransaction.begin(out, { ...DATA, force: true }), /did not write \(notes\.txt\)/);
    assert.deepEqual(contents(out), { 'manifest.json': 'old', 'notes.txt': 'mine' });
    assert.deepEqual(siblings(root, 'f'), []);
  });

  test('merging into a shared directory: other files kept, the marker file moved last', () => {
    const out = join(root, 'g');
    write(out, { 'notes.txt': 'mine', 'results.json': 'old', 'results.md': 'old' });
    const opts: OutputTransactionOptions = { force: true, ownsEntry: (n) => n.startsWith('results.'), requireEmpty: false, lastFile: 'results.json', what: 'bench output' };
    const tx = OutputTransaction.begin(out, opts);
    write(tx.dir, { 'results.json': 'new', 'results.md': 'new' });
    tx.commit();
    assert.deepEqual(contents(out), { 'notes.txt': 'mine', 'results.json': 'new', 'results.md': 'new' });
    assert.throws(() => OutputTransaction.begin(out, { ...opts, force: false }), /results\.json, results\.md already exist/);
  });
});
