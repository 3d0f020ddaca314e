/** Worker-thread entry: runs one seed of the bench per message (see runner.ts). */
import { parentPort } from 'node:worker_threads';
import type { BenchConfig } from './config.js';
import type { PreparedSeed } from './data/types.js';
import { runSeed } from './run-seed.js';

parentPort?.on('message', (message: { config: BenchConfig; prepared: PreparedSeed; progress: boolean }) => {
  try {
    const outcome = runSeed(
      message.config,
      message.prepared,
      message.progress ? (event) => parentPort?.postMessage({ type: 'progress', event }) : undefined,
    );
    parentPort?.postMessage({ type: 'done', outcome });
  } catch (err) {
    parentPort?.postMessage({ type: 'error', error: (err as Error)?.stack ?? String(err) });
  }
});
