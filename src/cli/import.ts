/** `fedage import <mapping.yaml> --out DIR`: per-site CSV/Arrow files → a fedage data directory. */
import type { Command } from 'commander';
import { FORCE_FLAG } from './flags.js';
import type { ImportResult } from '../data/import/import-dataset.js';

export interface ImportCommandOptions {
  out: string;
  force?: boolean;
  allowOutsidePaths?: boolean;
}

export function formatImportSummary(result: ImportResult, outDir: string): string {
  const m = result.manifest;
  const rows = m.sites.map((s, k) => {
    const r = result.sites[k];
    const dropped = r.rowsRead - r.rowsKept;
    const reasons = [
      ...(r.droppedLabelMissing > 0 ? [`${r.droppedLabelMissing} no label`] : []),
      ...Object.entries(r.droppedMissing).map(([c, n]) => `${n} missing ${c}`),
    ];
    const prevalence = r.rowsKept > 0 ? `${((100 * r.positives) / r.rowsKept).toFixed(1)}%` : 'n/a';
    return `  ${s.id.padEnd(20)} ${String(r.rowsKept).padStart(7)} of ${String(r.rowsRead).padStart(7)} rows kept   positive ${prevalence.padStart(6)}${dropped > 0 ? `   dropped: ${reasons.join(', ')}` : ''}`;
  });
  const kept = result.sites.reduce((a, r) => a + r.rowsKept, 0);
  return [
    `imported "${m.scenario.name}" (target ${m.target}, ${m.features.length} features: ${m.features.join(', ')}) into ${outDir}`,
    ...rows,
    `  ${'total'.padEnd(20)} ${String(kept).padStart(7)} rows`,
    `  manifest: ${result.manifestPath}`,
  ].join('\n');
}

export async function importCommand(mappingPath: string, o: ImportCommandOptions): Promise<{ summary: string; warnings: string[] }> {
  // Loaded on use: start-up pays only for the command that runs (issue 19).
  const { importDataset } = await import('../data/import/import-dataset.js');
  const result = await importDataset(mappingPath, { outDir: o.out, force: o.force ?? false, allowOutsidePaths: o.allowOutsidePaths ?? false });
  return { summary: formatImportSummary(result, o.out), warnings: result.warnings };
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('turn per-site CSV or Arrow files into a fedage data directory (one Arrow file per site + manifest) from a YAML mapping')
    .argument('<mapping>', 'import mapping YAML: sites and their files, label rule, feature types, missing values')
    .requiredOption('-o, --out <dir>', 'output directory (must be empty unless --force)')
    .option(...FORCE_FLAG)
    .option('--allow-outside-paths', "let the mapping read files outside its own folder (refused by default)")
    .addHelpText('after', '\nExample:\n  fedage import fixtures/uci-heart/import.yaml --out heart-data\n  fedage bench heart-data --config fixtures/uci-heart/flamby-bench.yaml')
    .action(async (mapping: string, o: ImportCommandOptions) => {
      const { summary, warnings } = await importCommand(mapping, o);
      process.stdout.write(`${summary}\n`);
      for (const w of warnings) process.stderr.write(`fedage: warning: ${w}\n`);
    });
}
