import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeMatrix, encodeMatrix, HEADER_BYTES } from '../../src/vertical/wire.js';

describe('split-learning wire format', () => {
  test('float64 round-trips exactly; float32 rounds each value as Math.fround', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e30, max: 1e30 }), { minLength: 1, maxLength: 24 }), fc.nat(1000), (vals, step) => {
        const values = Float64Array.from(vals);
        const m64 = encodeMatrix('gradients', step, values.length, 1, values, 'float64');
        assert.equal(m64.length, HEADER_BYTES + 8 * values.length);
        const d64 = decodeMatrix(m64);
        assert.deepEqual([...d64.values], [...values]);
        assert.equal(d64.kind, 'gradients');
        assert.equal(d64.step, step);
        const d32 = decodeMatrix(encodeMatrix('activations', step, 1, values.length, values, 'float32'));
        assert.deepEqual([...d32.values], vals.map(Math.fround));
        assert.equal(d32.kind, 'activations');
      }),
    );
  });

  test('a message with a bad magic or a wrong length is refused', () => {
    const m = encodeMatrix('gradients', 0, 2, 2, new Float64Array(4), 'float32');
    assert.throws(() => decodeMatrix(m.subarray(0, m.length - 1)), /header says/);
    const bad = m.slice();
    bad[0] ^= 1;
    assert.throws(() => decodeMatrix(bad), /bad magic/);
  });
});
