/** Worker-thread entry: runs one seed of the bench per message (see runner.ts). */
import { parentPort } from 'node:worker_threads';
import type { BenchConfig } from './config.js';
import type { ArmPlan } from './arm-plan.js';
import type { PreparedSeed } from '../data/prepare/types.js';
import { runSeed } from './run-seed.js';
import { FedageError } from '../errors.js';
import { loadTfjs } from '../model/tfjs-backend.js';

parentPort?.on('message', async (message: { config: BenchConfig; plans: ArmPlan[]; prepared: PreparedSeed; progress: boolean }) => {
  try {
    if (message.config.model.backend === 'tfjs') await loadTfjs();
    const outcome = await runSeed(
      message.config,
      message.prepared,
      message.plans,
      message.progress ? (event) => parentPort?.postMessage({ type: 'progress', event }) : undefined,
    );
    parentPort?.postMessage({ type: 'done', outcome });
  } catch (err) {
    // Typed errors keep their exit code across the thread boundary (e.g. an unreachable ε is exit 2).
    const exitCode = err instanceof FedageError ? err.exitCode : undefined;
    parentPort?.postMessage({ type: 'error', error: (err as Error)?.stack ?? String(err), message: (err as Error)?.message, exitCode });
  }
});
