/**
 * Client drift measured from recorded rounds on heterogeneous quadratic clients (different
 * curvatures and optima, 20 local steps): FedAvg's fixed point is where the weighted client
 * updates cancel, so each site keeps pulling toward its own optimum (large update norms, no
 * agreement with the near-zero aggregate); SCAFFOLD's control variates remove that drift
 * (Karimireddy et al. 2020), so at its fixed point every corrected local update is ~0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { updateDrift } from '../../src/analysis/drift-stats.js';
import { RoundRecorder } from '../../src/bench/round-recorder.js';
import { runFederatedAsync } from '../../src/federated/run-federated.js';
import { quadraticData, quadraticModel } from '../federated/toy-models.js';

const P = 3;
const CLIENTS = [
  { id: 'a', a: [1, 4, 0.5], b: [2, -1, 0], n: 50 },
  { id: 'b', a: [4, 1, 2], b: [-1, 2, 1], n: 80 },
  { id: 'c', a: [0.5, 2, 4], b: [0, 0, -2], n: 30 },
];

async function meanDrift(name: 'fedavg' | 'fedprox' | 'scaffold'): Promise<{ norm: number; cosine: number }> {
  const recorder = new RoundRecorder();
  await runFederatedAsync(
    {
      model: quadraticModel(P),
      clients: CLIENTS.map((c) => ({ id: c.id, train: quadraticData(c.a, c.b, c.n) })),
      strategy: { name },
      rounds: 30,
      clientFraction: 1,
      local: { batchSize: 10, steps: 20, optimizer: { kind: 'sgd', learningRate: 0.05 } },
      initialParams: new Float64Array(P),
      seed: 1,
      streamLabel: 'client-drift',
    },
    recorder.hook(),
  );
  const norms: number[] = [];
  const cosines: number[] = [];
  for (const r of recorder.rounds.slice(10)) {
    const w = r.updates.reduce((a, u) => a + u.exampleCount, 0);
    const agg = new Float64Array(P);
    for (const u of r.updates) for (let j = 0; j < P; j++) agg[j] += (u.exampleCount / w) * u.params[j];
    for (const u of r.updates) {
      const d = updateDrift(r.globalBefore, u.params, agg);
      norms.push(d.norm);
      if (d.cosine !== null) cosines.push(d.cosine);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { norm: mean(norms), cosine: mean(cosines) };
}

test('SCAFFOLD removes the client drift FedAvg and FedProx keep at their fixed points', async () => {
  const fedavg = await meanDrift('fedavg');
  const fedprox = await meanDrift('fedprox');
  const scaffold = await meanDrift('scaffold');
  assert.ok(scaffold.norm < fedavg.norm / 10, `update norms: scaffold ${scaffold.norm}, fedavg ${fedavg.norm}`);
  assert.ok(fedprox.norm <= fedavg.norm * 1.001, `the proximal term can only hold updates back: ${fedprox.norm} vs ${fedavg.norm}`);
  // At FedAvg's fixed point the sites pull against each other: no agreement with the aggregate.
  assert.ok(fedavg.cosine < 0.2, `fedavg cosine ${fedavg.cosine}`);
});
