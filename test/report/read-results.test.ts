/** Reading a saved results.json: every way it can be wrong is an InputError (exit 2) naming the file and where. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseResults, readResultsFile } from '../../src/report/read-results.js';
import { InputError } from '../../src/errors.js';
import { smallBench } from './helpers.js';

function inputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a complete bench result reads back as it was written', async () => {
  const r = await smallBench();
  assert.deepEqual(parseResults(JSON.stringify(r), 'results.json'), r);
});

test('missing file, directory, invalid JSON (with its line), another JSON file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-read-results-'));
  try {
    inputError(() => readResultsFile(join(dir, 'nope.json')), /nope\.json: expected a results\.json written by `fedage bench`, found no such file/);
    inputError(() => readResultsFile(dir), /found a directory/);
    inputError(() => parseResults('{\n  "format": "fedage-bench-results",\n  oops\n}', 'r.json'), /^  r\.json:3:\d+: expected .*found invalid JSON/m);
    inputError(() => parseResults('{"name": "fedage", "version": "0.1.0"}', 'package.json'), /package\.json at format: expected "fedage-bench-results".*found nothing/);
    inputError(() => parseResults('[1, 2]', 'a.json'), /found \[1,2\]/);
    writeFileSync(join(dir, 'ok.json'), '{"format": "fedage-bench-results", "formatVersion": 99}');
    inputError(() => readResultsFile(join(dir, 'ok.json')), /at formatVersion: expected a format version from 1 to 1 .*found 99/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated result names every missing or wrong field by its JSON path', async () => {
  const r = structuredClone(await smallBench()) as unknown as Record<string, any>;
  delete r.summary[2].metrics;
  r.data.sites = 'us-academic';
  r.perSeed[5].convergence = [{ round: 'one' }];
  inputError(
    () => parseResults(JSON.stringify(r), 'results.json'),
    /not a complete fedage bench result[\s\S]*results\.json at data\.sites: expected array, found "us-academic"[\s\S]*at perSeed\[5\]\.convergence\[0\]\.round: expected number, found "one"[\s\S]*at summary\[2\]\.metrics: expected object, found nothing/,
  );
});
