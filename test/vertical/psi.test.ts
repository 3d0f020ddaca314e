/**
 * ECDH-PSI (src/vertical/psi.ts): the label holder gets exactly the intersection (against a
 * brute-force set intersection, and as a fast-check property), the other parties get two sizes
 * and nothing else, and the group arithmetic the protocol rests on holds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ELEMENT_BYTES, COUNT_BYTES, PsiLabelHolder, PsiParty, decodeElements, hashToGroup, randomSecretKey, runPsi } from '../../src/vertical/psi.js';
import { GroupProtocolError, SecretKey, encodeU } from '../../src/vertical/x25519-group.js';

/** A seeded byte stream (SHA-256 in counter mode): the tests' stand-in for the CSPRNG. */
function seededBytes(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = createHash('sha256').update(`psi-test/${seed}/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Brute force: L's rows whose key every other party holds, with each party's row for it. */
function bruteForce(label: string[], others: string[][]): { labelRows: number[]; partyRows: number[][] } {
  const labelRows = label.flatMap((k, i) => (others.every((o) => o.includes(k)) ? [i] : []));
  return { labelRows, partyRows: others.map((o) => labelRows.map((i) => o.indexOf(label[i]))) };
}

describe('ECDH-PSI over X25519', () => {
  test('hashing to the group and blinding commute: (H(x)^a)^b = (H(x)^b)^a, and H separates ids', () => {
    const random = seededBytes(1);
    const a = new SecretKey(randomSecretKey(random));
    const b = new SecretKey(randomSecretKey(random));
    const h = hashToGroup('patient-1');
    assert.equal(hex(b.blindAll(a.blindAll(h))), hex(a.blindAll(b.blindAll(h))));
    assert.notEqual(hex(hashToGroup('patient-1')), hex(hashToGroup('patient-2')));
    assert.equal(hex(hashToGroup('patient-1')), hex(h), 'H is a function');
  });

  test('secret keys come from the random source: the same seed gives the same key, another seed another', () => {
    assert.equal(hex(randomSecretKey(seededBytes(7))), hex(randomSecretKey(seededBytes(7))));
    assert.notEqual(hex(randomSecretKey(seededBytes(7))), hex(randomSecretKey(seededBytes(8))));
    assert.equal(randomSecretKey(seededBytes(7)).length, 32);
    assert.throws(() => randomSecretKey((n) => new Uint8Array(n - 1)), /gave 31 bytes/);
  });

  test('matches a brute-force intersection on 150 keys with three parties, rows and bytes included', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `key-${i}`);
    const label = ids.filter((_, i) => i % 5 !== 0); // 120
    const others = [ids.filter((_, i) => i % 2 === 0).reverse(), ids.filter((_, i) => i % 3 !== 1), ids.slice(40)];
    const psi = runPsi({ id: 'L', keys: label }, others.map((keys, k) => ({ id: `P${k}`, keys })), seededBytes(2));
    const expected = bruteForce(label, others);
    assert.deepEqual(Array.from(psi.labelRows), expected.labelRows);
    others.forEach((_, k) => assert.deepEqual(Array.from(psi.partyRows[`P${k}`]), expected.partyRows[k]));
    psi.pairs.forEach((p, k) => {
      const pairwise = label.filter((x) => others[k].includes(x)).length;
      assert.equal(p.intersectionSize, pairwise);
      assert.deepEqual(p.partyView, { labelSetSize: label.length, intersectionSize: pairwise });
      assert.deepEqual(p.bytes, { labelToParty: label.length * ELEMENT_BYTES + COUNT_BYTES, partyToLabel: (others[k].length + label.length) * ELEMENT_BYTES });
    });
  });

  test('property: the label holder gets exactly the intersection; each other party only |X| and |X ∩ Y|', () => {
    const key = fc.stringMatching(/^[a-f0-9]{1,6}$/);
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 10 }), fc.array(fc.uniqueArray(key, { maxLength: 10 }), { minLength: 1, maxLength: 2 }), fc.integer(), (label, others, seed) => {
        const psi = runPsi({ id: 'L', keys: label }, others.map((keys, k) => ({ id: `P${k}`, keys })), seededBytes(seed));
        const expected = bruteForce(label, others);
        assert.deepEqual(Array.from(psi.labelRows), expected.labelRows);
        others.forEach((o, k) => {
          assert.deepEqual(Array.from(psi.partyRows[`P${k}`]), expected.partyRows[k]);
          // Everything party k learned: two counts, no ids, no rows.
          assert.deepEqual(psi.pairs[k].partyView, { labelSetSize: label.length, intersectionSize: label.filter((x) => o.includes(x)).length });
        });
      }),
      { numRuns: 20 },
    );
  });

  test("a party's incoming message carries no unblinded hash of any key; the matched rows are L's and P's own", () => {
    const label = Array.from({ length: 40 }, (_, i) => `id-${i}`);
    const ours = label.slice(10, 30);
    const holder = new PsiLabelHolder(label, seededBytes(4));
    const a = holder.blindedSet();
    assert.equal(a.length, label.length * ELEMENT_BYTES);
    const received = new Set(decodeElements(a).map((p) => hex(p)));
    assert.equal(received.size, label.length, 'distinct elements');
    for (const k of [...label, ...ours]) assert.ok(!received.has(hex(hashToGroup(k))), `H(${k}) in the clear`);
    const party = new PsiParty(ours, seededBytes(5));
    const m = holder.intersect(party.blindedSet(), party.reblind(a));
    assert.deepEqual(Array.from(m.labelRows), Array.from({ length: 20 }, (_, i) => 10 + i));
    assert.deepEqual(Array.from(m.partyRows), Array.from({ length: 20 }, (_, i) => i));
    party.receiveCount(m.count);
    assert.deepEqual(party.view(), { labelSetSize: 40, intersectionSize: 20 });
  });

  test('a malformed message is refused', () => {
    assert.throws(() => decodeElements(new Uint8Array(31)), /not a list of 32-byte elements/);
    assert.throws(() => decodeElements(new Uint8Array(32).fill(255)), /not a canonical u-coordinate/);
    const party = new PsiParty(['a'], seededBytes(6));
    assert.throws(() => party.view(), /not finished/);
    // A small-order element from a malicious peer: a protocol error, at either side.
    const holder = new PsiLabelHolder(['a', 'b'], seededBytes(9));
    const aPrime = party.reblind(holder.blindedSet());
    assert.throws(() => holder.intersect(encodeU(1n), aPrime), GroupProtocolError);
    assert.throws(() => holder.intersect(party.blindedSet(), aPrime.subarray(32)), /A' has 1 elements, A had 2/);
    assert.throws(() => holder.intersect(party.blindedSet(), new Uint8Array(64).fill(255)), /not a canonical/);
    assert.throws(() => party.reblind(encodeU(0n)), GroupProtocolError);
  });
});
