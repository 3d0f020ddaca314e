/** Which combinations run and which are refused (exit 2, naming both settings and an alternative). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IncompatibleOptionsError, checkCombination } from '../../src/compression/compatibility.js';

const refused = (re: RegExp) => (e: unknown) => e instanceof IncompatibleOptionsError && e.exitCode === 2 && re.test(e.message);

describe('compatibility of compression, secure aggregation and DP', () => {
  test('top-k with masking or CKKS is refused, pointing at random-k', () => {
    for (const sa of ['masking', 'ckks'] as const) {
      assert.throws(() => checkCombination({ compression: 'topk', compressionSpec: 'topk:0.1', secureAggregation: sa }), refused(/topk:0\.1 with .*use randk/));
    }
  });

  test('quantization with masking or CKKS is refused; random-k with either runs', () => {
    assert.throws(() => checkCombination({ compression: 'quantize', compressionSpec: 'q8', secureAggregation: 'masking' }), refused(/q8 with masking.*modulusRange/));
    assert.throws(() => checkCombination({ compression: 'quantize', compressionSpec: 'q4', secureAggregation: 'ckks' }), refused(/saves no bytes/));
    checkCombination({ compression: 'randk', secureAggregation: 'masking' });
    checkCombination({ compression: 'randk', secureAggregation: 'ckks' });
    checkCombination({ compression: 'topk', secureAggregation: null });
    checkCombination({ compression: 'quantize', secureAggregation: null, clientLevelDp: true });
  });

  test('server optimizers need the plaintext mean: refused with CKKS released to sites only, allowed otherwise', () => {
    assert.throws(() => checkCombination({ compression: null, secureAggregation: 'ckks', ckksRelease: 'sites', serverOptimizer: 'fedadam' }), refused(/fedadam.*release 'server'/));
    checkCombination({ compression: null, secureAggregation: 'ckks', ckksRelease: 'server', serverOptimizer: 'fedadam' });
    checkCombination({ compression: null, secureAggregation: 'masking', serverOptimizer: 'fedyogi' });
  });

  test('client-level DP with secure aggregation is refused (no distributed noise); every problem is listed at once', () => {
    assert.throws(() => checkCombination({ compression: 'topk', secureAggregation: 'masking', clientLevelDp: true }), (e: unknown) => e instanceof IncompatibleOptionsError && /top-k/.test(e.message) && /client-level DP with masking/.test(e.message));
  });
});
