/**
 * npm run perf:generate — patients/s and peak RSS of the generator.
 * Targets (issue #2): >= 1,000,000 patients/s on one core for the patient table of a
 * 1,000,000-patient site; peak RSS under 500 MB at 5,000,000 patients.
 * Usage: node dist/perf/generate.js [--patients N] [--runs N] [--rss-patients N] [--visits]
 *
 * What each line times (one process, one core; the JIT is warmed up once on a 200,000-patient
 * site first, as any benchmark harness does):
 *  - "generate patient table" (the target): generateSiteBatches with visits off over the whole
 *    site — every column of the patient table, identifiers, missingness, coding and ground
 *    truth, in fresh output buffers per 65,536-patient batch, exactly what `fedage generate`
 *    feeds to the Arrow writer. Not included: the site model calibration (printed on its own
 *    line and in the "incl. calibration" figure), Arrow encoding, hashing and disk writes (the
 *    next lines). The median of --runs passes (default 3), each regenerating the site.
 *  - "generate + Arrow record batches": the same plus toRecordBatch per batch.
 *  - "write ... to disk": writeSyntheticDataset end to end (calibration, generation, Arrow, SHA-256,
 *    file writes, manifest), as `fedage generate`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario } from '../src/scenario/parse.js';
import { generateSiteBatches, siteModelFor } from '../src/synth/generate-site.js';
import { writeSyntheticDataset } from '../src/data/write-dataset.js';
import { tableLayout, toRecordBatch } from '../src/data/arrow-io.js';
import { patientColumns } from '../src/synth/columns.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const patients = arg('patients', 1_000_000);
const runs = Math.max(1, arg('runs', 3));
const rssPatients = arg('rss-patients', 5_000_000);
const withVisits = process.argv.includes('--visits');

function scenarioOf(n: number) {
  return parseScenario(`consortium: { name: bench, seed: 7 }\nsites:\n  - id: big\n    patients: ${n}\n`, 'bench.yaml');
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
sampler.unref();
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const rate = (n: number, secs: number) => Math.round(n / secs).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 0. Warm-up: let the JIT compile the hot loops before timing (as any benchmark harness does).
{
  const sc = scenarioOf(200_000);
  for (const _ of generateSiteBatches(siteModelFor(sc, sc.sites[0]), { visits: false })) void _;
}

// 1. Generation only (the patient table's columns), one core.
{
  const sc = scenarioOf(patients);
  const calibration: number[] = [];
  const generation: number[] = [];
  let n = 0;
  let model = siteModelFor(sc, sc.sites[0]);
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    model = siteModelFor(sc, sc.sites[0]);
    calibration.push((performance.now() - t0) / 1000);
    const t1 = performance.now();
    n = 0;
    for (const b of generateSiteBatches(model, { visits: false })) n += b.patients.length;
    generation.push((performance.now() - t1) / 1000);
  }
  const secs = median(generation);
  const runsNote = runs > 1 ? ` (median of ${runs} runs: ${generation.map((s) => rate(n, s)).join(', ')})` : '';
  console.log(`site model calibration: ${(median(calibration) * 1000).toFixed(0)} ms (once per site)`);
  console.log(`generate patient table:            ${n.toLocaleString('en-US')} patients in ${secs.toFixed(2)} s = ${rate(n, secs)} patients/s${runsNote}`);
  console.log(`  incl. site model calibration:    ${rate(n, median(calibration.map((c, r) => c + generation[r])))} patients/s`);

  const layout = tableLayout(patientColumns(sc.sites[0]), {});
  const t2 = performance.now();
  n = 0;
  for (const b of generateSiteBatches(model, { visits: false })) {
    toRecordBatch(layout, b.patients);
    n += b.patients.length;
  }
  const secs2 = (performance.now() - t2) / 1000;
  console.log(`generate + Arrow record batches:   ${rate(n, secs2)} patients/s`);
}

// 2. End to end to disk (patient table, and visits with --visits).
{
  const dir = mkdtempSync(join(tmpdir(), 'fedage-bench-'));
  const sc = scenarioOf(patients);
  const t0 = performance.now();
  const r = await writeSyntheticDataset(sc, { outDir: join(dir, 'out'), visits: withVisits });
  const secs = (performance.now() - t0) / 1000;
  const site = r.manifest.sites[0];
  console.log(`write ${withVisits ? 'patients + visits' : 'patient table'} to disk:    ${rate(site.patients, secs)} patients/s (${secs.toFixed(2)} s, ${mb(site.files.patients.bytes)} MB patients file${withVisits ? `, ${site.visits.toLocaleString('en-US')} visits` : ''})`);
  rmSync(dir, { recursive: true, force: true });
}

// 3. Peak RSS writing a large site: memory must stay flat (record batches, streamed).
{
  const dir = mkdtempSync(join(tmpdir(), 'fedage-bench-'));
  globalThis.gc?.();
  peakRss = process.memoryUsage().rss;
  const sc = scenarioOf(rssPatients);
  const t0 = performance.now();
  await writeSyntheticDataset(sc, { outDir: join(dir, 'out'), visits: withVisits });
  const secs = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(`peak RSS writing ${rssPatients.toLocaleString('en-US')} patients${withVisits ? ' + visits' : ''}: ${mb(peakRss)} MB (${secs.toFixed(1)} s)`);
  rmSync(dir, { recursive: true, force: true });
}
