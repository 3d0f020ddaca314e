/**
 * Worker-thread entry of the bench's pool (arm-pool.ts): 'init' gives the run's config and the
 * dataset read once (shared memory), 'prepare' prepares one seed here and sends it back (its
 * matrices moved into shared memory), 'plans' the plan once known, 'seed' a seed another thread
 * prepared, 'arm' one arm of one seed to run, 'release' a finished seed to forget. The work
 * itself is seed-tasks.ts, which the main thread runs too.
 */
import { parentPort } from 'node:worker_threads';
import type { BenchConfig } from './config.js';
import type { ArmPlan } from './arm-plan.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import type { ReadDataset } from '../data/prepare/prepare.js';
import { SeedTasks } from './seed-tasks.js';
import { FedageError } from '../errors.js';

type ToWorker =
  | { type: 'init'; config: BenchConfig; read: ReadDataset; progress: boolean }
  | { type: 'plans'; plans: ArmPlan[] }
  | { type: 'prepare'; seedIndex: number; seed: number }
  | { type: 'seed'; seedIndex: number; prepared: PreparedSeed }
  | { type: 'release'; seedIndex: number }
  | { type: 'arm'; seedIndex: number; planIndex: number; centralAuc: number | null };

let tasks: SeedTasks | null = null;

function initialized(): SeedTasks {
  if (!tasks) throw new Error('internal: a task before init');
  return tasks;
}

parentPort?.on('message', async (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      tasks = new SeedTasks(message.config, message.read, message.progress ? (event) => parentPort?.postMessage({ type: 'progress', event }) : undefined);
      return;
    case 'plans':
      initialized().setPlans(message.plans);
      return;
    case 'seed':
      initialized().addSeed(message.seedIndex, message.prepared);
      return;
    case 'release':
      initialized().release(message.seedIndex);
      return;
  }
  try {
    if (message.type === 'prepare') parentPort?.postMessage({ type: 'prepared', prepared: initialized().prepare(message.seedIndex, message.seed) });
    else parentPort?.postMessage({ type: 'done', run: await initialized().runArm(message.seedIndex, message.planIndex, message.centralAuc) });
  } catch (err) {
    // Typed errors keep their exit code across the thread boundary (e.g. an unreachable ε is exit 2).
    const exitCode = err instanceof FedageError ? err.exitCode : undefined;
    parentPort?.postMessage({ type: 'error', error: (err as Error)?.stack ?? String(err), message: (err as Error)?.message, exitCode });
  }
});
