/**
 * The bench's worker pool (issue 19): the units of work are "prepare seed s" and "run arm a of
 * seed s", not whole seeds, so that 5 seeds on 2 workers no longer split 3 + 2, a long arm does
 * not hold back a seed, and preparation runs on the workers too instead of on the main thread
 * for every seed first.
 *
 * Data: the dataset is read once on the main thread (prepare.ts readDataset: every seed starts
 * from the same columns) and handed to every worker in SharedArrayBuffers (shared-data.ts):
 * mapped, not copied. A worker prepares a seed from it (the split, the federated statistics, the
 * design matrices) and sends the prepared seed back, again in shared memory; the main thread
 * passes it on to any other worker that runs arms of that seed. A seed is "live" from its
 * preparation until its last arm; at most `workers` seeds are live at once, and a finished seed
 * is released by every worker (and, unless kept for the dashboard, its design matrices dropped
 * here), so memory holds a bounded number of seeds whatever the seed count.
 *
 * Threads: `workers` in all, the main thread being one of them (it runs tasks between handling
 * the other threads' messages), so `--workers 2` starts one worker thread. A worker thread needs
 * ~0.3-0.5 s to load its modules and warm up its JIT, during which the main thread is already
 * preparing and running: the pool no longer starts idle, and a scenario too small to repay a
 * worker costs about its start-up on the other core, not twice the run. It also holds one copy
 * fewer of the worker-side state.
 *
 * Results equal `--workers 1` exactly: a prepared seed is a pure function of the read dataset
 * and the seed's options (prepareSeedFrom); an arm's result depends only on its plan and its
 * seed's context (seedContext is a pure function of config and prepared data); and the one value
 * an arm reads from another — the non-private central arm's pooled AUC, the reference of
 * rounds-to-target — is computed before any other arm of that seed starts. Runs are reassembled
 * in plan order by the same assembleSeedOutcome as the in-process path.
 */
import { Worker } from 'node:worker_threads';
import { FedageError } from '../errors.js';
import type { ReadDataset } from '../data/prepare/prepare.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import type { ArmPlan } from './arm-plan.js';
import type { BenchConfig } from './config.js';
import type { ArmRun, Progress } from './run-arm.js';
import { assembleSeedOutcome, isReferenceArm, type SeedOutcome } from './run-seed.js';
import { shareTypedArrays } from './shared-data.js';
import { SeedTasks } from './seed-tasks.js';
import { workerModuleUrl } from '../package-root.js';

export type PoolTask = { kind: 'prepare'; seedIndex: number } | { kind: 'arm'; seedIndex: number; planIndex: number };

/** What the scheduler knows of one seed. */
export interface SeedProgress {
  preparing: boolean;
  prepared: boolean;
  /** Plan indices started (running or done). */
  started: Set<number>;
  /** Plan indices done. */
  done: Set<number>;
}

/**
 * The next task for a free thread, or 'wait' (every possible task waits on a running one), or
 * 'finished'. A seed is prepared only while fewer than `maxLive` seeds are live (preparing, or
 * prepared with arms left); its arms need the plan (known once the first seed is prepared) and,
 * except the reference arm, the reference arm done.
 *
 * Seed affinity: a thread builds its own context of every seed it runs an arm of (the pooled
 * and block-permuted copies of the training rows: seconds of work and 3× the training data at
 * consortium scale), so a thread keeps to `held` — the seed of its last task — while it has
 * arms left, then prepares a new seed, and only then helps with another thread's seed (seeds in
 * order). With 2 threads, each seed's context is built about once instead of twice.
 */
export function nextPoolTask(
  seeds: readonly SeedProgress[],
  planCount: number | null,
  referenceIndex: number,
  maxLive: number,
  held: number | null = null,
): PoolTask | 'wait' | 'finished' {
  const finished = (s: SeedProgress) => planCount !== null && s.done.size === planCount;
  if (seeds.every(finished)) return 'finished';
  const live = seeds.filter((s) => (s.preparing || s.prepared) && !finished(s)).length;
  const armOf = (seedIndex: number): PoolTask | null => {
    const s = seeds[seedIndex];
    if (planCount === null || !s.prepared || finished(s)) return null;
    if (referenceIndex >= 0 && !s.done.has(referenceIndex)) {
      return s.started.has(referenceIndex) ? null : { kind: 'arm', seedIndex, planIndex: referenceIndex };
    }
    for (let planIndex = 0; planIndex < planCount; planIndex++) if (!s.started.has(planIndex)) return { kind: 'arm', seedIndex, planIndex };
    return null;
  };
  if (held !== null && held >= 0 && held < seeds.length) {
    const own = armOf(held);
    if (own) return own;
  }
  if (live < maxLive) {
    const fresh = seeds.findIndex((s) => !finished(s) && !s.prepared && !s.preparing);
    if (fresh >= 0) return { kind: 'prepare', seedIndex: fresh };
  }
  for (let seedIndex = 0; seedIndex < seeds.length; seedIndex++) {
    const task = armOf(seedIndex);
    if (task) return task;
  }
  return 'wait';
}

type FromWorker =
  | { type: 'progress'; event: Parameters<Progress>[0] }
  | { type: 'prepared'; prepared: PreparedSeed }
  | { type: 'done'; run: ArmRun }
  | { type: 'error'; error: string; message?: string; exitCode?: number };

/** Messages to a pool member that need no answer. */
type Notice = { type: 'plans'; plans: ArmPlan[] } | { type: 'seed'; seedIndex: number; prepared: PreparedSeed } | { type: 'release'; seedIndex: number };
/** Messages to a pool member that it answers. */
type TaskMessage = { type: 'prepare'; seedIndex: number; seed: number } | { type: 'arm'; seedIndex: number; planIndex: number; centralAuc: number | null };

/** A thread of the pool: a worker thread (PoolWorker) or the main thread (InThreadMember). */
interface PoolMember {
  readonly seedsHeld: Set<number>;
  /** The seed of this thread's last task (its context is built there): see nextPoolTask. */
  lastSeed: number | null;
  send(message: Notice): void;
  request<T extends FromWorker>(message: TaskMessage, onProgress?: Progress): Promise<T>;
  terminate(): Promise<number>;
}

/** The main thread as a pool member: the same tasks (seed-tasks.ts), no messages, no copies. */
class InThreadMember implements PoolMember {
  readonly seedsHeld = new Set<number>();
  lastSeed: number | null = null;
  private readonly tasks: SeedTasks;

  constructor(config: BenchConfig, read: ReadDataset, onProgress?: Progress) {
    this.tasks = new SeedTasks(config, read, onProgress);
  }

  send(message: Notice): void {
    if (message.type === 'plans') this.tasks.setPlans(message.plans);
    else if (message.type === 'seed') this.tasks.addSeed(message.seedIndex, message.prepared);
    else this.tasks.release(message.seedIndex);
  }

  async request<T extends FromWorker>(message: TaskMessage): Promise<T> {
    // The worker threads' answers queue while this thread computes: let them in before each task.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (message.type === 'prepare') return { type: 'prepared', prepared: this.tasks.prepare(message.seedIndex, message.seed) } as T;
    return { type: 'done', run: await this.tasks.runArm(message.seedIndex, message.planIndex, message.centralAuc) } as T;
  }

  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

class PoolWorker implements PoolMember {
  private readonly worker: Worker;
  readonly seedsHeld = new Set<number>();
  lastSeed: number | null = null;

  constructor(url: URL, config: BenchConfig, read: ReadDataset, progress: boolean) {
    this.worker = new Worker(url);
    this.worker.postMessage({ type: 'init', config, read, progress });
  }

  send(message: Notice): void {
    this.worker.postMessage(message);
  }

  /** Posts `message` and resolves with the worker's answer (progress events go to onProgress meanwhile). */
  request<T extends FromWorker>(message: TaskMessage, onProgress?: Progress): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'progress') {
          onProgress?.(m.event);
          return;
        }
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        if (m.type === 'error') reject(m.exitCode !== undefined ? new FedageError(m.message ?? m.error, m.exitCode) : new Error(m.error));
        else resolve(m as T);
      };
      const onError = (err: Error) => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      this.worker.on('message', onMessage);
      this.worker.on('error', onError);
      this.worker.postMessage(message);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export interface PoolOptions {
  workers: number;
  onProgress?: Progress;
  /** Called with every prepared seed as it arrives: the plan every seed runs (the first answer is used; the training-set sizes, all the plan depends on, are the same for every seed, which later calls check). */
  planFor: (prepared: PreparedSeed, seedIndex: number) => ArmPlan[];
  /** A seed whose arms all ran: returns what the run keeps of it (e.g. without design matrices). */
  onSeedDone: (prepared: PreparedSeed) => PreparedSeed;
}

/** Every seed prepared and every arm run over `workers` threads (this one and workers − 1 worker threads); prepared seeds and outcomes in seed order. */
export async function runSeedsInWorkers(
  config: BenchConfig,
  read: ReadDataset,
  opts: PoolOptions,
): Promise<{ plans: ArmPlan[]; prepared: PreparedSeed[]; outcomes: SeedOutcome[] }> {
  shareTypedArrays(read);
  const url = workerModuleUrl('bench/seed-worker.js');
  const pool: PoolMember[] = [
    new InThreadMember(config, read, opts.onProgress),
    ...Array.from({ length: opts.workers - 1 }, () => new PoolWorker(url, config, read, opts.onProgress !== undefined)),
  ];
  const seeds: SeedProgress[] = config.seeds.map(() => ({ preparing: false, prepared: false, started: new Set(), done: new Set() }));
  const prepared: (PreparedSeed | undefined)[] = config.seeds.map(() => undefined);
  const runs: (ArmRun | undefined)[][] = config.seeds.map(() => []);
  const outcomes: (SeedOutcome | undefined)[] = config.seeds.map(() => undefined);
  let plans: ArmPlan[] | null = null;
  let referenceIndex = -1;
  let failed: unknown = null;
  // Workers waiting for a running task to finish are woken by every state change.
  let wake: (() => void)[] = [];
  const changed = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };

  const prepare = async (worker: PoolMember, seedIndex: number) => {
    const seed = config.seeds[seedIndex];
    const { prepared: p } = await worker.request<{ type: 'prepared'; prepared: PreparedSeed }>({ type: 'prepare', seedIndex, seed });
    worker.seedsHeld.add(seedIndex);
    const planned = opts.planFor(p, seedIndex);
    if (plans === null) {
      plans = planned;
      referenceIndex = plans.findIndex(isReferenceArm);
      for (const w of pool) w.send({ type: 'plans', plans });
    }
    prepared[seedIndex] = p;
  };

  const runArmTask = async (worker: PoolMember, seedIndex: number, planIndex: number) => {
    const p = prepared[seedIndex] as PreparedSeed;
    const planList = plans as ArmPlan[];
    if (!worker.seedsHeld.has(seedIndex)) {
      worker.send({ type: 'seed', seedIndex, prepared: p });
      worker.seedsHeld.add(seedIndex);
    }
    // The reference AUC an arm sees is the one runSeed would have set before it: only arms
    // after the central arm in plan order see it.
    const centralAuc = referenceIndex >= 0 && planIndex > referenceIndex ? (runs[seedIndex][referenceIndex] as ArmRun).result.pooled.auc : null;
    const { run } = await worker.request<{ type: 'done'; run: ArmRun }>({ type: 'arm', seedIndex, planIndex, centralAuc }, opts.onProgress);
    runs[seedIndex][planIndex] = run;
    // Marked done here, in the same turn as the check below: two last arms finishing together
    // must not both see the other one still running.
    seeds[seedIndex].done.add(planIndex);
    if (seeds[seedIndex].done.size === planList.length) {
      outcomes[seedIndex] = assembleSeedOutcome(p, runs[seedIndex] as ArmRun[]);
      runs[seedIndex] = [];
      prepared[seedIndex] = opts.onSeedDone(p);
      for (const w of pool) {
        if (w.seedsHeld.delete(seedIndex)) w.send({ type: 'release', seedIndex });
      }
    }
  };

  const loop = async (worker: PoolMember) => {
    for (;;) {
      if (failed !== null) return;
      const task = nextPoolTask(seeds, plans === null ? null : (plans as ArmPlan[]).length, referenceIndex, opts.workers, worker.lastSeed);
      if (task === 'finished') return;
      if (task === 'wait') {
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      const s = seeds[task.seedIndex];
      worker.lastSeed = task.seedIndex;
      try {
        if (task.kind === 'prepare') {
          s.preparing = true;
          await prepare(worker, task.seedIndex);
          s.preparing = false;
          s.prepared = true;
        } else {
          s.started.add(task.planIndex);
          await runArmTask(worker, task.seedIndex, task.planIndex);
        }
      } catch (err) {
        failed ??= err;
      } finally {
        changed();
      }
    }
  };

  try {
    await Promise.all(pool.map(loop));
  } finally {
    changed();
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failed !== null) throw failed;
  return { plans: plans as unknown as ArmPlan[], prepared: prepared as PreparedSeed[], outcomes: outcomes as SeedOutcome[] };
}
