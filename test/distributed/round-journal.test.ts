import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoundJournal } from '../../src/distributed/round-journal.js';
import { UsageError } from '../../src/errors.js';

test("--auto-resume ('if-present'): an empty --state starts fresh, a run's state is replayed, another run's is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedage-journal-'));
  try {
    const state = join(dir, 'state');
    const fresh = RoundJournal.open(state, 'run-a', 'if-present');
    assert.equal(fresh.get('train', 1, 'fedavg', 1), undefined);
    fresh.put('train', 1, 'fedavg', 1, { params: new Float64Array([0.1, -0, Number.NaN]) });
    // The container restarts: the same flags find the state and replay the recorded round.
    const restarted = RoundJournal.open(state, 'run-a', 'if-present');
    const value = restarted.get('train', 1, 'fedavg', 1) as { params: Float64Array };
    assert.deepEqual([...value.params].map((v) => Object.is(v, -0) ? '-0' : String(v)), ['0.1', '-0', 'NaN']);
    assert.equal(restarted.replayed, 1);
    assert.equal(restarted.get('train', 1, 'fedavg', 2), undefined);
    // Other input or settings: refused, as --resume refuses them.
    assert.throws(() => RoundJournal.open(state, 'run-b', 'if-present'), (e: unknown) => e instanceof UsageError && /different run/.test((e as Error).message));
    // Without any resume flag the state is protected; --resume needs it to exist.
    assert.throws(() => RoundJournal.open(state, 'run-a', false), (e: unknown) => e instanceof UsageError && /already holds/.test((e as Error).message));
    assert.throws(() => RoundJournal.open(join(dir, 'empty'), 'run-a', true), (e: unknown) => e instanceof UsageError && /not found/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
