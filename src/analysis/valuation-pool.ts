/**
 * Site valuation of many (arm, seed) pairs on worker threads (issue 19: both cores busy). The
 * exact coalition values cost 2^sites log-loss passes over the validation rows per round, which
 * on ten sites is most of a bench's time and used to run on the main thread after every arm had
 * finished. Each task is a pure function of its recorded rounds, validation rows and model
 * (valuation-worker.ts runs the same reconstructedValues), so the values are bit for bit those
 * of the in-thread computation, whatever the worker count (a test checks it).
 */
import { Worker } from 'node:worker_threads';
import type { BenchConfig } from '../bench/config.js';
import type { RecordedRound } from '../bench/round-recorder.js';
import type { LabeledData } from '../model/types.js';
import type { SiteValues } from './contribution.js';
import { workerModuleUrl } from '../package-root.js';

export interface ValuationTask {
  siteIds: string[];
  rounds: RecordedRound[];
  validation: LabeledData;
  model: BenchConfig['model'];
}

/**
 * Below this many coalition evaluations × validation rows the tasks run in the calling thread:
 * a worker's start (loading the modules, about 0.4 s) would cost more than it saves.
 */
export const MIN_PARALLEL_VALUATION_WORK = 2e8;

/** Coalition evaluations × validation rows of a task (its cost, up to a constant). */
export function valuationWork(t: Pick<ValuationTask, 'rounds' | 'validation'>): number {
  let coalitions = 0;
  for (const r of t.rounds) coalitions += 2 ** r.updates.length;
  return coalitions * t.validation.n;
}

/** Runs the tasks on up to `workers` threads; the values come back in task order. */
export async function valueInWorkers(tasks: readonly ValuationTask[], workers: number): Promise<SiteValues[]> {
  const url = workerModuleUrl('analysis/valuation-worker.js');
  const out: SiteValues[] = new Array(tasks.length);
  let next = 0;
  const pool = Array.from({ length: Math.max(1, Math.min(workers, tasks.length)) }, () => new Worker(url));
  try {
    await Promise.all(
      pool.map(async (worker) => {
        for (let i = next++; i < tasks.length; i = next++) {
          out[i] = await new Promise<SiteValues>((resolve, reject) => {
            const onError = (err: Error) => {
              worker.off('message', onMessage);
              reject(err);
            };
            const onMessage = (m: { values?: SiteValues; error?: string }) => {
              worker.off('error', onError);
              if (m.error !== undefined) reject(new Error(`internal: site valuation failed in a worker: ${m.error}`));
              else resolve(m.values as SiteValues);
            };
            worker.once('message', onMessage);
            worker.once('error', onError);
            worker.postMessage(tasks[i]);
          });
        }
      }),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return out;
}
