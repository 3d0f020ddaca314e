/**
 * The PSI with every party on its own threads (src/vertical/psi-parallel.ts): the same
 * intersection, rows, bytes and party views as a brute-force intersection and as the in-thread
 * runPsi.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runPsi } from '../../src/vertical/psi.js';
import { runPsiParallel } from '../../src/vertical/psi-parallel.js';

describe('parallel PSI (a thread per party)', () => {
  test('matches brute force and the in-thread protocol on 400 keys with three parties and uneven label threads', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `person-${i}`);
    const label = { id: 'L', keys: ids.filter((_, i) => i % 7 !== 3) };
    const others = [
      { id: 'P0', keys: ids.filter((_, i) => i % 2 === 0).reverse() },
      { id: 'P1', keys: [...ids.filter((_, i) => i % 3 !== 1), 'only-P1'] },
      { id: 'P2', keys: ids.slice(90) },
    ];
    const parallel = await runPsiParallel(label, others, { labelThreads: 3 });
    const expectedRows = label.keys.flatMap((k, i) => (others.every((o) => o.keys.includes(k)) ? [i] : []));
    assert.ok(expectedRows.length > 50);
    assert.deepEqual(Array.from(parallel.labelRows), expectedRows);
    for (const o of others) assert.deepEqual(Array.from(parallel.partyRows[o.id]), expectedRows.map((r) => o.keys.indexOf(label.keys[r])));
    const inThread = runPsi(label, others);
    assert.deepEqual(parallel.pairs, inThread.pairs);
    assert.equal(parallel.bytesTotal, inThread.bytesTotal);
    for (const [k, o] of others.entries()) {
      assert.deepEqual(parallel.pairs[k].partyView, { labelSetSize: label.keys.length, intersectionSize: label.keys.filter((x) => o.keys.includes(x)).length });
    }
  });

  test('empty sets: an empty intersection, not a hang', async () => {
    const psi = await runPsiParallel({ id: 'L', keys: [] }, [{ id: 'P', keys: ['a', 'b'] }], { labelThreads: 1 });
    assert.equal(psi.labelRows.length, 0);
    assert.deepEqual(psi.pairs[0].partyView, { labelSetSize: 0, intersectionSize: 0 });
  });
});
