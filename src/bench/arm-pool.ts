/**
 * The bench's worker pool (issue 19): the unit of work is one arm of one seed, not a whole seed,
 * so that 5 seeds on 2 workers no longer split 3 + 2 and a long arm does not hold back a seed.
 * Prepared seeds are posted with their matrices in SharedArrayBuffers (shared-data.ts): every
 * worker reads the same memory, none gets a copy. Each worker keeps the context of the seed it
 * last ran (pooled rows, permuted copies) and builds another only when it switches seed.
 *
 * Results equal `--workers 1` exactly: an arm's result depends only on its plan and its seed's
 * context (seedContext is a pure function of config and prepared data), and the one value an
 * arm reads from another — the non-private central arm's pooled AUC, the reference of
 * rounds-to-target for the arms AFTER it in plan order — is computed first: a first phase runs
 * the central arms of every seed, a second phase every other arm. Runs are reassembled in plan
 * order by the same assembleSeedOutcome as the in-process path.
 */
import { Worker } from 'node:worker_threads';
import { FedageError } from '../errors.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import type { ArmPlan } from './arm-plan.js';
import type { BenchConfig } from './config.js';
import type { ArmRun, Progress } from './run-arm.js';
import { assembleSeedOutcome, isReferenceArm, type SeedOutcome } from './run-seed.js';
import { shareTypedArrays } from './shared-data.js';

/** One arm of one seed. */
export interface ArmTask {
  seedIndex: number;
  planIndex: number;
}

type FromWorker =
  | { type: 'progress'; event: Parameters<Progress>[0] }
  | { type: 'done'; run: ArmRun }
  | { type: 'error'; error: string; message?: string; exitCode?: number };

/** The two phases of tasks, seed-major within each: reference (central) arms, then the rest. */
export function armTaskPhases(seedCount: number, plans: readonly ArmPlan[]): ArmTask[][] {
  const reference: ArmTask[] = [];
  const rest: ArmTask[] = [];
  for (let seedIndex = 0; seedIndex < seedCount; seedIndex++) {
    plans.forEach((plan, planIndex) => (isReferenceArm(plan) ? reference : rest).push({ seedIndex, planIndex }));
  }
  return [reference, rest].filter((phase) => phase.length > 0);
}

class PoolWorker {
  private readonly worker: Worker;
  private readonly seedsSent = new Set<number>();

  constructor(url: URL, config: BenchConfig, plans: readonly ArmPlan[], progress: boolean) {
    this.worker = new Worker(url);
    this.worker.postMessage({ type: 'init', config, plans, progress });
  }

  run(prepared: PreparedSeed, seedIndex: number, planIndex: number, centralAuc: number | null, onProgress?: Progress): Promise<ArmRun> {
    if (!this.seedsSent.has(seedIndex)) {
      this.worker.postMessage({ type: 'seed', seedIndex, prepared });
      this.seedsSent.add(seedIndex);
    }
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === 'progress') {
          onProgress?.(message.event);
          return;
        }
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        if (message.type === 'done') resolve(message.run);
        else reject(message.exitCode !== undefined ? new FedageError(message.message ?? message.error, message.exitCode) : new Error(message.error));
      };
      const onError = (err: Error) => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.postMessage({ type: 'arm', seedIndex, planIndex, centralAuc });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Every arm of every seed over `workers` threads; outcomes in seed order. */
export async function runArmsInWorkers(config: BenchConfig, plans: readonly ArmPlan[], prepared: PreparedSeed[], workers: number, onProgress?: Progress): Promise<SeedOutcome[]> {
  for (const p of prepared) shareTypedArrays(p);
  const url = new URL('./seed-worker.js', import.meta.url);
  const pool = Array.from({ length: workers }, () => new PoolWorker(url, config, plans, onProgress !== undefined));
  const runs: (ArmRun | undefined)[][] = prepared.map(() => new Array<ArmRun | undefined>(plans.length));
  const referenceIndex = plans.findIndex(isReferenceArm);
  // The reference AUC an arm sees is the one runSeed would have set before it: only arms after
  // the central arm in plan order see it.
  const centralAucFor = (task: ArmTask): number | null => {
    if (referenceIndex < 0 || task.planIndex <= referenceIndex) return null;
    return (runs[task.seedIndex][referenceIndex] as ArmRun).result.pooled.auc;
  };
  try {
    for (const phase of armTaskPhases(prepared.length, plans)) {
      const queue = [...phase];
      await Promise.all(
        pool.map(async (worker) => {
          for (let task = queue.shift(); task; task = queue.shift()) {
            runs[task.seedIndex][task.planIndex] = await worker.run(prepared[task.seedIndex], task.seedIndex, task.planIndex, centralAucFor(task), onProgress);
          }
        }),
      );
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return prepared.map((p, s) => assembleSeedOutcome(p, runs[s] as ArmRun[]));
}
