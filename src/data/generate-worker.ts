/**
 * Worker-thread entry of parallel generation (parallel-generate.ts): generates the sites it is
 * sent, one at a time, into Arrow files in the given directory, through the same siteSteps as
 * serial generation, and answers with each site's manifest entry. Progress goes back as messages.
 */
import { parentPort } from 'node:worker_threads';
import type { Scenario } from '../scenario/schema.js';
import { FedageError } from '../errors.js';
import { siteFileSinks, siteSteps } from './write-dataset.js';
import type { SiteTask, FromGenerateWorker } from './parallel-generate.js';

let scenario: Scenario | null = null;

const post = (m: FromGenerateWorker) => parentPort?.postMessage(m);

parentPort?.on('message', (message: { type: 'init'; scenario: Scenario } | SiteTask) => {
  if (message.type === 'init') {
    scenario = message.scenario;
    return;
  }
  try {
    if (!scenario) throw new Error('internal: site task before init');
    const { dir, siteIndex, withVisits, opts } = message;
    const steps = siteSteps(scenario, siteIndex, { ...opts, onProgress: (p) => post({ type: 'progress', progress: p }) }, siteFileSinks(dir, withVisits));
    for (;;) {
      const r = steps.next();
      if (r.done) {
        post({ type: 'done', siteIndex, manifestSite: r.value.manifestSite });
        return;
      }
    }
  } catch (err) {
    // Typed errors keep their exit code across the thread boundary (a full disk is exit 2, not a bug).
    post({ type: 'error', error: (err as Error)?.stack ?? String(err), message: (err as Error)?.message ?? String(err), ...(err instanceof FedageError ? { exitCode: err.exitCode } : {}) });
  }
});
