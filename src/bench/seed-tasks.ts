/**
 * What one thread of the bench's pool (arm-pool.ts) does with its tasks, whichever thread it is:
 * a worker thread (seed-worker.ts, behind messages) or the main thread itself (the pool's first
 * member). It holds the run's config, the dataset read once, the plan once known, the prepared
 * seeds it was given, and the context of the last seed it ran an arm of (kept for the next arm
 * of the same seed).
 */
import type { BenchConfig } from './config.js';
import type { ArmPlan } from './arm-plan.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { prepareSeedFrom, type ReadDataset } from '../data/prepare/prepare.js';
import { assertPlansRunnable, seedContext } from './run-seed.js';
import { runArm, type ArmRun, type Progress, type SeedContext } from './run-arm.js';
import { prepareOptions } from './prepare-options.js';
import { shareTypedArrays } from './shared-data.js';
import { loadTfjs } from '../model/tfjs-backend.js';

export class SeedTasks {
  private plans: ArmPlan[] = [];
  private readonly preparedSeeds = new Map<number, PreparedSeed>();
  private current: { seedIndex: number; ctx: SeedContext } | null = null;

  constructor(
    private readonly config: BenchConfig,
    private readonly read: ReadDataset,
    private readonly onProgress?: Progress,
  ) {}

  setPlans(plans: ArmPlan[]): void {
    this.plans = plans;
  }

  /** A seed another thread prepared. */
  addSeed(seedIndex: number, prepared: PreparedSeed): void {
    this.preparedSeeds.set(seedIndex, prepared);
  }

  /** A seed whose arms all ran: forgotten, context included. */
  release(seedIndex: number): void {
    this.preparedSeeds.delete(seedIndex);
    if (this.current?.seedIndex === seedIndex) this.current = null;
  }

  /** Prepares a seed here, its matrices in shared memory so that other threads map rather than copy them. */
  prepare(seedIndex: number, seed: number): PreparedSeed {
    const prepared = shareTypedArrays(prepareSeedFrom(this.read, prepareOptions(this.config, seed)));
    this.preparedSeeds.set(seedIndex, prepared);
    return prepared;
  }

  /** Runs arm `planIndex` of a seed this thread holds; `centralAuc`: the reference arm's pooled AUC, for arms after it. */
  async runArm(seedIndex: number, planIndex: number, centralAuc: number | null): Promise<ArmRun> {
    if (this.config.model.backend === 'tfjs') await loadTfjs();
    if (this.current?.seedIndex !== seedIndex) {
      const prepared = this.preparedSeeds.get(seedIndex);
      if (!prepared) throw new Error(`internal: arm task for seed #${seedIndex} before its data`);
      // The previous seed's context (pooled and permuted copies) goes before the next is built.
      this.current = null;
      const ctx = seedContext(this.config, prepared, this.onProgress);
      assertPlansRunnable(ctx, this.plans);
      this.current = { seedIndex, ctx };
    }
    this.current.ctx.centralAuc = centralAuc;
    return runArm(this.plans[planIndex], this.current.ctx);
  }
}
