/**
 * Worker-thread entry of the bench's pool (arm-pool.ts): 'init' gives the run's config and the
 * dataset read once (shared memory), 'prepare' prepares one seed here and sends it back (its
 * matrices moved into shared memory), 'plans' the plan once known, 'seed' a seed another worker
 * prepared, 'arm' one arm of one seed to run, 'release' a finished seed to forget. The context
 * of the last seed is kept for the next arm of the same seed.
 */
import { parentPort } from 'node:worker_threads';
import type { BenchConfig } from './config.js';
import type { ArmPlan } from './arm-plan.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { prepareSeedFrom, type ReadDataset } from '../data/prepare/prepare.js';
import { assertPlansRunnable, seedContext } from './run-seed.js';
import { runArm, type SeedContext } from './run-arm.js';
import { prepareOptions } from './prepare-options.js';
import { shareTypedArrays } from './shared-data.js';
import { FedageError } from '../errors.js';
import { loadTfjs } from '../model/tfjs-backend.js';

type ToWorker =
  | { type: 'init'; config: BenchConfig; read: ReadDataset; progress: boolean }
  | { type: 'plans'; plans: ArmPlan[] }
  | { type: 'prepare'; seedIndex: number; seed: number }
  | { type: 'seed'; seedIndex: number; prepared: PreparedSeed }
  | { type: 'release'; seedIndex: number }
  | { type: 'arm'; seedIndex: number; planIndex: number; centralAuc: number | null };

let config: BenchConfig | null = null;
let read: ReadDataset | null = null;
let plans: ArmPlan[] = [];
let progress = false;
const preparedSeeds = new Map<number, PreparedSeed>();
let current: { seedIndex: number; ctx: SeedContext } | null = null;

async function runTask(seedIndex: number, planIndex: number, centralAuc: number | null) {
  if (!config) throw new Error('internal: arm task before init');
  if (config.model.backend === 'tfjs') await loadTfjs();
  if (current?.seedIndex !== seedIndex) {
    const prepared = preparedSeeds.get(seedIndex);
    if (!prepared) throw new Error(`internal: arm task for seed #${seedIndex} before its data`);
    // The previous seed's context (pooled and permuted copies) goes before the next is built.
    current = null;
    const ctx = seedContext(config, prepared, progress ? (event) => parentPort?.postMessage({ type: 'progress', event }) : undefined);
    assertPlansRunnable(ctx, plans);
    current = { seedIndex, ctx };
  }
  current.ctx.centralAuc = centralAuc;
  return runArm(plans[planIndex], current.ctx);
}

function prepare(seedIndex: number, seed: number): PreparedSeed {
  if (!config || !read) throw new Error('internal: prepare task before init');
  const prepared = shareTypedArrays(prepareSeedFrom(read, prepareOptions(config, seed)));
  preparedSeeds.set(seedIndex, prepared);
  return prepared;
}

parentPort?.on('message', async (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      ({ config, read, progress } = message);
      return;
    case 'plans':
      plans = message.plans;
      return;
    case 'seed':
      preparedSeeds.set(message.seedIndex, message.prepared);
      return;
    case 'release':
      preparedSeeds.delete(message.seedIndex);
      if (current?.seedIndex === message.seedIndex) current = null;
      return;
  }
  try {
    if (message.type === 'prepare') parentPort?.postMessage({ type: 'prepared', prepared: prepare(message.seedIndex, message.seed) });
    else parentPort?.postMessage({ type: 'done', run: await runTask(message.seedIndex, message.planIndex, message.centralAuc) });
  } catch (err) {
    // Typed errors keep their exit code across the thread boundary (e.g. an unreachable ε is exit 2).
    const exitCode = err instanceof FedageError ? err.exitCode : undefined;
    parentPort?.postMessage({ type: 'error', error: (err as Error)?.stack ?? String(err), message: (err as Error)?.message, exitCode });
  }
});
