/** Worker thread of valuation-pool.ts: one (arm, seed) valuation per message, as the main thread would compute it. */
import { parentPort } from 'node:worker_threads';
import { benchModel } from '../bench/seed-streams.js';
import { reconstructedValues, validationUtility } from './contribution.js';
import type { ValuationTask } from './valuation-pool.js';

parentPort?.on('message', (t: ValuationTask) => {
  try {
    const model = benchModel({ model: t.model }, t.validation.d);
    parentPort?.postMessage({ values: reconstructedValues(t.siteIds, t.rounds, validationUtility(model, t.validation)) });
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).stack ?? String(err) });
  }
});
