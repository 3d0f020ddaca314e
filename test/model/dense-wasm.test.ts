/**
 * The WebAssembly SIMD dense kernels (model/wasm/dense-kernels.wat through model/dense-backend.ts)
 * against the JavaScript kernels, BIT FOR BIT: each kernel on random shapes and values (special
 * values included: -0, NaN, ±Infinity, which ReLU must keep or zero exactly as `if (x < 0) x = 0`
 * does), and whole MLPs (loss, gradient, DP clipped sum, predictions) across batch sizes that
 * make the WebAssembly memory grow. Also: the committed bytes are the assembled .wat source.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createDenseBackend, wasmDenseKernelsAvailable, type DenseBackend } from '../../src/model/dense-backend.js';
import { denseKernelsWasmBase64 } from '../../src/model/wasm/dense-kernels-bytes.js';
import { Mlp } from '../../src/model/mlp.js';
import { packagePath } from '../../src/package-root.js';
import { syntheticData, uniformSource } from './helpers.js';

const bits = (v: Float64Array) => Array.from(v, (x) => (Object.is(x, -0) ? '-0' : Number.isNaN(x) ? 'NaN' : x));

/** Values for the kernels' inputs: mostly ordinary, sometimes the IEEE cases ReLU must get right. */
const valueArb = fc.oneof(
  { weight: 12, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-310, -1e-310) },
);

function fillFrom(target: Float64Array, values: number[]): void {
  for (let j = 0; j < target.length; j++) target[j] = values[j % values.length];
}

/** The same buffers in both backends, filled with the same values. */
function twin(lengths: number[], scratch: number, values: number[]) {
  const wasm = createDenseBackend('wasm');
  const js = createDenseBackend('js');
  const a = wasm.allocate(lengths, scratch);
  const b = js.allocate(lengths, scratch);
  a.forEach((buffer, j) => fillFrom(buffer, values.slice(j)));
  b.forEach((buffer, j) => fillFrom(buffer, values.slice(j)));
  return { wasm, js, a, b };
}

const shapeArb = fc.record({
  inputSize: fc.integer({ min: 1, max: 21 }),
  outputSize: fc.integer({ min: 1, max: 19 }),
  count: fc.integer({ min: 0, max: 9 }),
  values: fc.array(valueArb, { minLength: 7, maxLength: 40 }),
});

describe('WebAssembly SIMD dense kernels', () => {
  test('this runtime (Node 20+) runs them: the fast path is the one shipped', () => {
    assert.equal(wasmDenseKernelsAvailable(), true);
    assert.equal(new Mlp({ featureCount: 3, hiddenUnits: [2], l2: 0 }).kernelBackend, 'wasm-simd');
    assert.equal(new Mlp({ featureCount: 3, hiddenUnits: [2], l2: 0, kernels: 'js' }).kernelBackend, 'js');
  });

  test('the committed bytes are dense-kernels.wat assembled (npm run build:wasm)', async () => {
    const { assembleDenseKernels } = (await import(pathToFileURL(packagePath('scripts', 'wasm-assemble.mjs')).href)) as {
      assembleDenseKernels(source: string): Promise<Buffer>;
    };
    const source = await readFile(packagePath('src', 'model', 'wasm', 'dense-kernels.wat'), 'utf8');
    const assembled = await assembleDenseKernels(source);
    assert.equal(assembled.toString('base64'), denseKernelsWasmBase64);
  });

  test('denseForward (with and without ReLU) equals the JavaScript kernel bit for bit', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ inputSize, outputSize, count, values }, relu) => {
        const paramLength = inputSize * outputSize + outputSize;
        const { wasm, js, a, b } = twin([paramLength, count * inputSize, count * outputSize], outputSize, values);
        wasm.denseForward(a[0], 0, inputSize * outputSize, a[1], inputSize, a[2], outputSize, count, relu);
        js.denseForward(b[0], 0, inputSize * outputSize, b[1], inputSize, b[2], outputSize, count, relu);
        assert.deepEqual(bits(a[2]), bits(b[2]));
      }),
      { numRuns: 400 },
    );
  });

  test('ReLU keeps -0 and NaN and zeroes negatives, in every block width (8, 2 and 1 units)', () => {
    const inputSize = 3;
    const outputSize = 11;
    const count = 3;
    for (const backend of [createDenseBackend('wasm'), createDenseBackend('js')]) {
      const [params, input, output] = backend.allocate([inputSize * outputSize + outputSize, count * inputSize, count * outputSize], outputSize);
      // +0 inputs times negative weights are -0 products; a -0 bias plus -0 products stays -0.
      params.fill(-1.5, 0, inputSize * outputSize);
      params.fill(-0, inputSize * outputSize);
      params[inputSize * outputSize + 4] = Number.NaN;
      params[inputSize * outputSize + 9] = -2;
      backend.denseForward(params, 0, inputSize * outputSize, input, inputSize, output, outputSize, count, true);
      for (let k = 0; k < count; k++) {
        for (let o = 0; o < outputSize; o++) {
          const value = output[k * outputSize + o];
          if (o === 4) assert.ok(Number.isNaN(value), `${backend.name} row ${k} unit ${o}`);
          else if (o === 9) assert.ok(Object.is(value, 0), `${backend.name} row ${k} unit ${o}: ${value}`);
          else assert.ok(Object.is(value, -0), `${backend.name} row ${k} unit ${o}: ${value}`);
        }
      }
    }
  });

  test('denseWeightGradient and columnSums add the same bits into a non-zero gradient', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 5 }), ({ inputSize, outputSize, count, values }, weightOffset) => {
        const gradLength = weightOffset + inputSize * outputSize + outputSize;
        const { wasm, js, a, b } = twin([count * inputSize, count * outputSize, gradLength], outputSize, values);
        const biasOffset = weightOffset + inputSize * outputSize;
        wasm.denseWeightGradient(a[0], inputSize, a[1], outputSize, count, a[2], weightOffset);
        js.denseWeightGradient(b[0], inputSize, b[1], outputSize, count, b[2], weightOffset);
        wasm.columnSums(a[1], outputSize, count, a[2], biasOffset);
        js.columnSums(b[1], outputSize, count, b[2], biasOffset);
        assert.deepEqual(bits(a[2]), bits(b[2]));
      }),
      { numRuns: 400 },
    );
  });

  test('propagateOneUnit (ReLU: multiply and mask in one pass; tanh) equals the JavaScript multiply-then-derivative bit for bit', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 3 }), fc.constantFrom('relu' as const, 'tanh' as const), ({ inputSize, count, values }, weightOffset, kind) => {
        const { wasm, js, a, b } = twin([weightOffset + inputSize + 1, count, count * inputSize, count * inputSize], 1, values);
        wasm.propagateOneUnit(kind, a[0], weightOffset, a[1], a[2], a[3], inputSize, count);
        js.propagateOneUnit(kind, b[0], weightOffset, b[1], b[2], b[3], inputSize, count);
        assert.deepEqual(bits(a[3]), bits(b[3]));
      }),
      { numRuns: 400 },
    );
  });

  test('propagateDense (through the transposed weights) and both activation derivatives equal the JavaScript loops bit for bit', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 3 }), fc.constantFrom('relu' as const, 'tanh' as const), ({ inputSize, outputSize, count, values }, weightOffset, kind) => {
        const lengths = [weightOffset + inputSize * outputSize, count * outputSize, count * inputSize, count * inputSize, inputSize * (outputSize + 1)];
        const { wasm, js, a, b } = twin(lengths, Math.max(inputSize, outputSize), values);
        wasm.propagateDense(a[0], weightOffset, inputSize, outputSize, a[1], a[2], count, a[4]);
        js.propagateDense(b[0], weightOffset, inputSize, outputSize, b[1], b[2], count, b[4]);
        assert.deepEqual(bits(a[2]), bits(b[2]));
        wasm.activationDerivative(kind, a[3], a[2], count * inputSize);
        js.activationDerivative(kind, b[3], b[2], count * inputSize);
        assert.deepEqual(bits(a[2]), bits(b[2]));
      }),
      { numRuns: 400 },
    );
  });

  test('an array from outside the WebAssembly memory, or from before it grew, is refused', () => {
    const wasm: DenseBackend = createDenseBackend('wasm');
    const [params, input, output] = wasm.allocate([6, 4, 4], 2);
    assert.throws(() => wasm.denseForward(new Float64Array(6), 0, 4, input, 2, output, 2, 2, false), /outside its memory/);
    // Enough to grow the memory past its first 64 KiB page: the old views are detached.
    wasm.allocate([20_000], 2);
    assert.throws(() => wasm.denseForward(params, 0, 4, input, 2, output, 2, 2, false), /outside its memory|before the memory grew/);
  });
});

describe('MLP on WebAssembly kernels vs JavaScript kernels', () => {
  const modelCase = fc.record({
    d: fc.integer({ min: 1, max: 40 }),
    hidden: fc.oneof(fc.tuple(fc.integer({ min: 1, max: 35 })), fc.tuple(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 1, max: 9 }))),
    activation: fc.constantFrom('relu' as const, 'tanh' as const),
    seed: fc.integer({ min: 0, max: 10_000 }),
    // Growing batch sizes: the second and third make the WebAssembly memory grow mid-model.
    counts: fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 400 }), fc.integer({ min: 1, max: 900 })),
    consecutive: fc.boolean(),
    clipNorm: fc.constantFrom(0.05, 1, Number.POSITIVE_INFINITY),
  });

  test('loss, gradient, clipped sum and predictions are the same bits, batch after batch', () => {
    fc.assert(
      fc.property(modelCase, (c) => {
        const options = { featureCount: c.d, hiddenUnits: c.hidden, activation: c.activation, l2: 1e-3 };
        const fast = new Mlp({ ...options, kernels: 'wasm' });
        const plain = new Mlp({ ...options, kernels: 'js' });
        const n = 1_000;
        const data = syntheticData(n, c.d, c.seed);
        const params = fast.init(uniformSource(c.seed, 'dense-wasm'));
        const random = uniformSource(c.seed, 'rows');
        for (const count of c.counts) {
          // Runs of consecutive rows take the one-copy gather (block-shuffled batches); others the row loop.
          const start = Math.floor(random() * (n - count));
          const rows = Uint32Array.from({ length: count }, (_, k) => (c.consecutive ? start + k : Math.floor(random() * n)));
          const got = new Float64Array(fast.paramCount);
          const want = new Float64Array(plain.paramCount);
          assert.ok(Object.is(fast.lossAndGrad(params, data, rows, count, got), plain.lossAndGrad(params, data, rows, count, want)));
          assert.deepEqual(bits(got), bits(want));
          const clippedA = fast.clippedGradSum(params, data, rows, count, c.clipNorm, got, 1 / Math.max(1, count));
          const clippedB = plain.clippedGradSum(params, data, rows, count, c.clipNorm, want, 1 / Math.max(1, count));
          assert.equal(clippedA.clippedCount, clippedB.clippedCount);
          assert.ok(Object.is(clippedA.lossSum, clippedB.lossSum));
          assert.deepEqual(bits(got), bits(want));
          for (let j = 0; j < params.length; j++) params[j] -= 0.1 * got[j];
        }
        assert.deepEqual(bits(fast.predict(params, data)), bits(plain.predict(params, data)));
      }),
      { numRuns: 40 },
    );
  });

  test('a batch too large for WebAssembly memory falls back to the JavaScript kernels, same bits', () => {
    const options = { featureCount: 7, hiddenUnits: [5], l2: 1e-3 };
    const model = new Mlp(options);
    const plain = new Mlp({ ...options, kernels: 'js' });
    const data = syntheticData(400, 7, 8);
    const params = model.init(uniformSource(8));
    const small = Uint32Array.from({ length: 10 }, (_, k) => k);
    model.lossAndGrad(params, data, small, 10, new Float64Array(model.paramCount));
    assert.equal(model.kernelBackend, 'wasm-simd');
    // The next growth fails as memory.grow does past its maximum.
    const backend = (model as unknown as { backend: DenseBackend }).backend;
    backend.allocate = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    const rows = Uint32Array.from({ length: 300 }, (_, k) => (k * 7) % 400);
    const got = new Float64Array(model.paramCount);
    const want = new Float64Array(plain.paramCount);
    assert.ok(Object.is(model.lossAndGrad(params, data, rows, 300, got), plain.lossAndGrad(params, data, rows, 300, want)));
    assert.deepEqual(bits(got), bits(want));
    assert.equal(model.kernelBackend, 'js');
    assert.deepEqual(bits(model.predict(params, data)), bits(plain.predict(params, data)));
  });

  test('under a virtual-memory limit (ulimit -v) that leaves no room for WebAssembly memory, the model runs on the JavaScript kernels', { skip: process.platform === 'win32' }, () => {
    const mlpUrl = pathToFileURL(packagePath('dist', 'src', 'model', 'mlp.js')).href;
    const script = `import(${JSON.stringify(mlpUrl)}).then(({ Mlp }) => {
      const m = new Mlp({ featureCount: 3, hiddenUnits: [4], l2: 0 });
      const x = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i));
      const p = m.init(() => 0.25);
      const g = new Float64Array(m.paramCount);
      const loss = m.lossAndGrad(p, { n: 4, d: 3, x, y: Float64Array.from([0, 1, 1, 0]) }, Uint32Array.from([0, 1, 2, 3]), 4, g);
      console.log(JSON.stringify({ backend: m.kernelBackend, loss, g: Array.from(g) }));
    })`;
    const run = (limit: string) => spawnSync('bash', ['-c', `${limit} exec "${process.execPath}" --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], { encoding: 'utf8' });
    const limited = run('ulimit -v 6000000;');
    const free = run('');
    assert.equal(limited.status, 0, limited.stderr);
    assert.equal(free.status, 0, free.stderr);
    const a = JSON.parse(limited.stdout) as { backend: string; loss: number; g: number[] };
    const b = JSON.parse(free.stdout) as { backend: string; loss: number; g: number[] };
    assert.equal(a.backend, 'js');
    assert.equal(b.backend, 'wasm-simd');
    assert.deepEqual([a.loss, a.g], [b.loss, b.g]);
  });

  test('two models on one thread keep separate memories', () => {
    const options = { featureCount: 9, hiddenUnits: [8], l2: 0 };
    const first = new Mlp(options);
    const second = new Mlp(options);
    const data = syntheticData(300, 9, 4);
    const p1 = first.init(uniformSource(1));
    const p2 = second.init(uniformSource(2));
    const alone = new Mlp(options).predict(p1, data);
    first.predict(p1, syntheticData(5, 9, 1)); // leaves first's buffers holding other rows
    second.predict(p2, data);
    assert.deepEqual(bits(first.predict(p1, data)), bits(alone));
  });
});
