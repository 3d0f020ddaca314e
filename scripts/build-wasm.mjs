// Assembles src/model/wasm/dense-kernels.wat (hand-written WebAssembly text, SIMD) into
// src/model/wasm/dense-kernels-bytes.ts, the module's bytes as base64, which the library loads
// without touching the file system (so tsc output, the CLI bundle and worker threads all find
// it). Run `npm run build:wasm` after editing the .wat: the generated file is committed, and
// test/model/dense-wasm.test.ts fails when it no longer matches its source.
// Usage: node scripts/build-wasm.mjs [--check]   (--check: exit 1 if the file is out of date)
import { readFile, writeFile } from 'node:fs/promises';
import { assembleDenseKernels, bytesModuleSource } from './wasm-assemble.mjs';

const target = new URL('../src/model/wasm/dense-kernels-bytes.ts', import.meta.url);
const source = await readFile(new URL('../src/model/wasm/dense-kernels.wat', import.meta.url), 'utf8');
const wanted = bytesModuleSource(await assembleDenseKernels(source));
const current = await readFile(target, 'utf8').catch(() => '');
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    process.stderr.write('src/model/wasm/dense-kernels-bytes.ts is out of date: run npm run build:wasm\n');
    process.exit(1);
  }
} else if (current !== wanted) {
  await writeFile(target, wanted);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
