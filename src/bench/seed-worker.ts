/**
 * Worker-thread entry of the bench's pool (arm-pool.ts): 'init' gives the run's config and plans,
 * 'seed' a prepared seed (matrices in SharedArrayBuffers: shared, not copied), 'arm' one arm of
 * one seed to run. The context of the last seed is kept for the next arm of the same seed.
 */
import { parentPort } from 'node:worker_threads';
import type { BenchConfig } from './config.js';
import type { ArmPlan } from './arm-plan.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { assertPlansRunnable, seedContext } from './run-seed.js';
import { runArm, type SeedContext } from './run-arm.js';
import { FedageError } from '../errors.js';
import { loadTfjs } from '../model/tfjs-backend.js';

type ToWorker =
  | { type: 'init'; config: BenchConfig; plans: ArmPlan[]; progress: boolean }
  | { type: 'seed'; seedIndex: number; prepared: PreparedSeed }
  | { type: 'arm'; seedIndex: number; planIndex: number; centralAuc: number | null };

let config: BenchConfig | null = null;
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
    const ctx = seedContext(config, prepared, progress ? (event) => parentPort?.postMessage({ type: 'progress', event }) : undefined);
    assertPlansRunnable(ctx, plans);
    current = { seedIndex, ctx };
  }
  current.ctx.centralAuc = centralAuc;
  return runArm(plans[planIndex], current.ctx);
}

parentPort?.on('message', async (message: ToWorker) => {
  if (message.type === 'init') {
    ({ config, plans, progress } = message);
    return;
  }
  if (message.type === 'seed') {
    preparedSeeds.set(message.seedIndex, message.prepared);
    return;
  }
  try {
    const run = await runTask(message.seedIndex, message.planIndex, message.centralAuc);
    parentPort?.postMessage({ type: 'done', run });
  } catch (err) {
    // Typed errors keep their exit code across the thread boundary (e.g. an unreachable ε is exit 2).
    const exitCode = err instanceof FedageError ? err.exitCode : undefined;
    parentPort?.postMessage({ type: 'error', error: (err as Error)?.stack ?? String(err), message: (err as Error)?.message, exitCode });
  }
});
