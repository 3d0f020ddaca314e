/**
 * npm run perf:export — export throughput: rows/s and MB/s of `fedage export` to Parquet and to
 * CSV, and the peak RSS (the writers stream batch by batch, so memory should not grow with the
 * site). Usage: node dist/perf/export.js [--patients N] [--runs N]
 *
 * Setup (not timed): one site of --patients patients (default 500,000) is generated to Arrow
 * with visits. Each timed run is exportDataset end to end, as `fedage export`: verifying the
 * source SHA-256s, reading the Arrow files, writing Parquet (Snappy) or CSV, hashing, the data
 * dictionary and the manifest. The median of --runs runs (default 3) is printed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportDataset, type ExportFormat } from '../src/data/export/export-dataset.js';
import { writeSyntheticDataset } from '../src/data/write-dataset.js';
import { parseScenario } from '../src/scenario/parse.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const patients = arg('patients', 500_000);
const runs = Math.max(1, arg('runs', 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
sampler.unref();

const root = mkdtempSync(join(tmpdir(), 'fedage-perf-export-'));
try {
  const src = join(root, 'arrow');
  const scenario = parseScenario(`consortium: { name: perf, seed: 3 }\nsites:\n  - id: big\n    patients: ${patients}\n`, 'perf.yaml');
  const t0 = performance.now();
  const gen = await writeSyntheticDataset(scenario, { outDir: src });
  const site = gen.manifest.sites[0];
  const rows = site.files.patients.rows + (site.files.visits?.rows ?? 0);
  const arrowBytes = site.files.patients.bytes + (site.files.visits?.bytes ?? 0);
  console.log(
    `setup: ${fmt(patients)} patients + ${fmt(site.visits)} visits (${fmt(rows)} rows, ${(arrowBytes / 1e6).toFixed(1)} MB Arrow) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const rssBefore = process.memoryUsage().rss;
  for (const format of ['parquet', 'csv'] as ExportFormat[]) {
    const times: number[] = [];
    let bytes = 0;
    peakRss = 0;
    for (let r = 0; r < runs; r++) {
      const out = join(root, `${format}-${r}`);
      const t = performance.now();
      const res = await exportDataset(src, { format, outDir: out });
      times.push((performance.now() - t) / 1000);
      bytes = res.files.reduce((a, f) => a + f.bytes, 0);
      rmSync(out, { recursive: true, force: true });
    }
    const secs = median(times);
    console.log(
      `export ${format.padEnd(7)} ${fmt(rows / secs).padStart(11)} rows/s  ${(arrowBytes / 1e6 / secs).toFixed(1).padStart(6)} MB/s Arrow read  ${(bytes / 1e6 / secs).toFixed(1).padStart(6)} MB/s written  (${(bytes / 1e6).toFixed(1)} MB, median of ${runs}: ${secs.toFixed(2)} s; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, ${(rssBefore / 2 ** 20).toFixed(0)} MB before)`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
