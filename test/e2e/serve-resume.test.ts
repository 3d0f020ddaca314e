/**
 * Aggregator crash and resume with the built CLI: `fedage serve --state` is killed (kill -9) in
 * the middle of a run while three `fedage site` processes keep running; `fedage serve --resume`
 * on the same address replays the recorded rounds, the sites join it again, and the run's
 * results.json equals the uninterrupted in-process run (apart from transport and timing fields).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_SITES, useFederationFixture } from './federation-fixture.js';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runBench } from '../../src/bench/runner.js';
import { benchOverrides } from '../../src/cli/bench.js';
import { fedageBin, spawnSite } from '../../src/distributed/federation.js';
import type { BenchResult } from '../../src/bench/results.js';

const SITES = FIXTURE_SITES;
const fx = useFederationFixture('fedage-resume-');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Apart from transport, timing and the ids of written output files (the in-process run writes none). */
const withoutTransport = (r: BenchResult) => JSON.stringify({ ...r, transport: undefined, argv: undefined, outputIds: undefined }, (k, v) => (/Ms$|MsPerRound$|^maxAbsDiff/.test(k) ? undefined : v));

test('aggregator killed (kill -9) mid-run, then fedage serve --resume: nothing lost, the result equals the uninterrupted run', { timeout: 150_000 }, async () => {
  const port = await freePort();
  const state = join(fx.root, 'state');
  const out = join(fx.root, 'out');
  // 8 rounds of each arm (16 in all), killed after 6: wide enough that a fast machine cannot finish
  // the run, or a loaded one record past the end, between two looks at the state directory.
  const flags = ['--seeds', '1', '--rounds', '8', '--arms', 'fedavg', '--secure-aggregation', 'masking'];
  const serve = (extra: string[]) => {
    const c = spawn(process.execPath, [fedageBin(), 'serve', '--plan', fx.data, '--listen', `127.0.0.1:${port}`, '--certs', fx.certs, '--state', state, '--round-deadline', '30', '--quiet', ...flags, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    fx.children.push(c);
    return c;
  };
  // The first start goes through --auto-resume's fresh path (an empty --state), as deployments start.
  const first = serve(['--auto-resume']);
  let firstErr = '';
  first.stderr?.on('data', (b: Buffer) => (firstErr += b.toString('utf8')));
  for (const site of SITES) fx.children.push(spawnSite({ data: fx.data, site, server: `127.0.0.1:${port}`, certsDir: fx.certs, extra: ['--quiet', '--connect-timeout', '90'] }));
  // Kill the aggregator once it recorded 6 rounds (of fedavg; fedavg+secagg follows).
  // Complete records only: a round being written is a `.tmp-` file until its rename.
  const recorded = () => (existsSync(state) ? readdirSync(state).filter((f) => /^train-.*\.json$/.test(f)).length : 0);
  const deadline = Date.now() + 100_000;
  while (recorded() < 6 && Date.now() < deadline && first.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  assert.equal(first.exitCode, null, `the first aggregator was still running: ${firstErr}`);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const atCrash = recorded();
  assert.ok(atCrash >= 6 && atCrash < 16, `crashed with ${atCrash} recorded rounds`);

  const second = serve(['--resume', '--out', out]);
  let stderr = '';
  second.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const code = await new Promise<number | null>((r) => second.once('exit', r));
  assert.equal(code, 0, stderr);
  const resumed = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResult;
  const t = resumed.transport!;
  const note = t.events.find((e) => e.kind === 'resumed');
  assert.ok(note, JSON.stringify(t.events.map((e) => e.kind)));
  // Every round recorded before the crash was replayed (its train answer, and the secure sum of the secagg rounds).
  const replayed = Number(/(\d+) recorded/.exec(note.message)![1]);
  assert.ok(replayed >= atCrash, note.message);
  assert.equal(t.rounds.length, 16, 'every round in the transport record');

  const inProcess = await runBench(fx.data, { overrides: benchOverrides({ seeds: '1', rounds: '8', arms: 'fedavg', secureAggregation: 'masking', workers: '1' }), workers: 1 });
  const a = withoutTransport(resumed);
  const b = withoutTransport(JSON.parse(JSON.stringify(inProcess.result)) as BenchResult);
  assert.ok(a === b, 'results.json equal to the uninterrupted in-process run apart from transport and timing');
});
