/**
 * Sites generated in parallel on worker threads (issue 19): a site's bytes depend only on
 * (seed, scale, batch size, the site) — never on another site or on the thread that makes them —
 * so each worker writes whole sites' Arrow files and the manifest is assembled here in scenario
 * order: the output is byte-identical to serial generation (a test compares them). Sites go to
 * the threads largest first (longest-processing-time order), which balances uneven sites.
 *
 * `workers` threads in all, this one included: it starts on the largest site at once, while the
 * worker threads load their modules (~0.3 s), and hands out the next sites between its batches.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../scenario/schema.js';
import { FedageError } from '../errors.js';
import type { GenerateOptions } from '../synth/generate-site.js';
import type { ManifestSite } from './manifest.js';
import type { GenerateProgress } from './write-dataset.js';
import { workerModuleUrl } from '../package-root.js';

export interface SiteTask {
  type: 'site';
  dir: string;
  siteIndex: number;
  withVisits: boolean;
  opts: Pick<GenerateOptions, 'seed' | 'scale' | 'batchSize'>;
}

export type FromGenerateWorker =
  | { type: 'progress'; progress: GenerateProgress }
  | { type: 'done'; siteIndex: number; manifestSite: ManifestSite }
  | { type: 'error'; error: string; message: string; exitCode?: number };

/**
 * The worker threads worth starting: `requested` (default: the machine's cores), never more than
 * sites, and 1 for small runs, where starting a thread (~0.2 s of module loading) costs more
 * than it saves (measured: ~0.5-1 s of CPU per worker for module loading and JIT warm-up).
 */
export function generateWorkerCount(scenario: Scenario, scale: number, requested?: number): number {
  const patients = scenario.sites.reduce((a, s) => a + Math.max(1, Math.round(s.patients * scale)), 0);
  const wanted = requested ?? (patients < MIN_PATIENTS_FOR_WORKERS ? 1 : availableParallelism());
  return Math.max(1, Math.min(wanted, scenario.sites.length));
}

/** Below this many patients in all, generation stays on one thread unless asked otherwise. */
export const MIN_PATIENTS_FOR_WORKERS = 200_000;

/**
 * Every site of `scenario` written into `dir` by `workers` threads — this one (`runHere`: a site
 * generated on this thread, yielding between batches) and workers − 1 worker threads; manifest
 * entries in scenario order.
 */
export async function generateSitesInWorkers(
  scenario: Scenario,
  dir: string,
  opts: GenerateOptions & { onProgress?: (p: GenerateProgress) => void },
  workers: number,
  runHere: (siteIndex: number, stopped: () => boolean) => Promise<ManifestSite>,
): Promise<ManifestSite[]> {
  const withVisits = opts.visits ?? true;
  const order = [...scenario.sites.keys()].sort((a, b) => scenario.sites[b].patients - scenario.sites[a].patients || a - b);
  const entries = new Array<ManifestSite | undefined>(scenario.sites.length);
  const url = workerModuleUrl('data/generate-worker.js');
  const pool = Array.from({ length: Math.min(workers, order.length) - 1 }, () => {
    const w = new Worker(url);
    w.postMessage({ type: 'init', scenario });
    return w;
  });
  const taskOpts = { seed: opts.seed, scale: opts.scale, batchSize: opts.batchSize };
  const runSite = (worker: Worker, siteIndex: number) =>
    new Promise<ManifestSite>((resolve, reject) => {
      const onMessage = (m: FromGenerateWorker) => {
        if (m.type === 'progress') {
          opts.onProgress?.(m.progress);
          return;
        }
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (m.type === 'done') resolve(m.manifestSite);
        else reject(m.exitCode !== undefined ? new FedageError(m.message, m.exitCode) : new Error(m.error));
      };
      const onError = (err: Error) => {
        worker.off('message', onMessage);
        reject(err);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      const task: SiteTask = { type: 'site', dir, siteIndex, withVisits, opts: taskOpts };
      worker.postMessage(task);
    });
  let stopped = false;
  const here = (async () => {
    for (let siteIndex = order.shift(); siteIndex !== undefined; siteIndex = order.shift()) entries[siteIndex] = await runHere(siteIndex, () => stopped);
  })();
  try {
    await Promise.all([
      here,
      ...pool.map(async (worker) => {
        for (let siteIndex = order.shift(); siteIndex !== undefined; siteIndex = order.shift()) {
          entries[siteIndex] = await runSite(worker, siteIndex);
        }
      }),
    ]);
  } catch (err) {
    // Nothing may still write once this returns: this thread's site stops at its next batch.
    stopped = true;
    order.length = 0;
    await Promise.allSettled([here]);
    throw err;
  } finally {
    order.length = 0;
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return entries as ManifestSite[];
}
