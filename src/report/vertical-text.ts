/**
 * The vertical run in words and tables, shared by results.md and report.html: AUC and F1 per
 * configuration, communication per epoch, overlap and PSI cost, label-leakage attack AUC and the
 * defence's cost. Only reads a VerticalBenchResult.
 */
import type { VerticalBenchResult } from '../vertical/run-vertical.js';
import { SMALL_TEST_POSITIVES } from './reader-warnings.js';

export const fmt3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
export const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** Bytes in the unit a reader expects: B, kB, MB, GB (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let k = 0;
  while (v >= 1000 && k < units.length - 1) {
    v /= 1000;
    k++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[k]}`;
}

/** What an arm is, for a reader who did not write the code. */
export function armDescription(arm: string, labelParty: string): string {
  if (arm === 'central') return 'all columns pooled in one place (the reference a vertical federation tries to match)';
  if (arm === 'label-holder-only') return `${labelParty} alone, its own columns only`;
  if (arm.startsWith('label-holder+')) return `${labelParty} with ${arm.slice('label-holder+'.length)}'s columns pooled`;
  if (arm === 'split-learning') return 'split learning: bottom models at each party, top model at the label holder';
  if (arm === 'split-learning+defence') return 'split learning with Gaussian noise on the returned gradients';
  if (arm === 'vertical-lr') return 'vertical logistic regression (Hardy et al. 2017, Taylor loss)';
  return arm;
}

export interface TextTable {
  header: string[];
  rows: string[][];
}

export function armTable(r: VerticalBenchResult): TextTable {
  const v = r.vertical;
  return {
    header: ['configuration', 'test AUC', 'F1', 'bytes / epoch', 'forward', 'backward', 'what it is'],
    rows: v.arms.map((a) => [
      a.arm,
      fmt3(a.auc),
      fmt3(a.f1),
      a.bytesPerEpoch > 0 ? formatBytes(a.bytesPerEpoch) : '0',
      a.bytesPerEpoch > 0 ? formatBytes(a.bytesByDirection.forward) : '0',
      a.bytesPerEpoch > 0 ? formatBytes(a.bytesByDirection.backward) : '0',
      a.protocol ?? armDescription(a.arm, v.labelParty),
    ]),
  };
}

export function partyTable(r: VerticalBenchResult): TextTable {
  const v = r.vertical;
  const pair = new Map(v.psi.pairs.map((p) => [p.party, p]));
  return {
    header: ['party', 'records', 'coverage', 'features', 'design columns', 'shared with label holder', 'PSI bytes'],
    rows: v.parties.map((p) => {
      const q = pair.get(p.id);
      return [
        p.label ? `${p.id} (label holder)` : p.id,
        String(p.records),
        pct(p.coverage),
        String(p.features),
        String(p.designColumns),
        q ? String(q.intersectionSize) : '–',
        q ? formatBytes(q.bytes.labelToParty + q.bytes.partyToLabel) : '–',
      ];
    }),
  };
}

export function leakageTable(r: VerticalBenchResult): TextTable {
  return {
    header: ['attacker', 'attack', 'attack AUC', 'defence', 'attack AUC with defence', 'model AUC cost'],
    rows: r.vertical.leakage.map((l) => [l.attackerPartyId, l.attack, fmt3(l.attackAuc), l.defence ?? 'none', fmt3(l.defenceAttackAuc), fmt3(l.aucCost)]),
  };
}

export function overlapSentence(r: VerticalBenchResult): string {
  const v = r.vertical;
  const a = v.alignment;
  const check = v.overlap.alignedRows === v.overlap.groundTruthAlignedRows ? 'equal to the ground truth' : `the ground truth says ${v.overlap.groundTruthAlignedRows}: MISMATCH`;
  return (
    `Private set intersection aligned ${v.overlap.alignedRows} patients held by all ${v.parties.length} parties ` +
    `(${pct(v.overlap.fractionOfLabelParty)} of ${v.labelParty}'s records; ${check}), exchanging ${formatBytes(v.psi.bytesTotal)}. ` +
    `${a.labelledRows} of them have a label: ${a.trainRows} train (${a.positives.train} positive), ${a.testRows} test (${a.positives.test} positive).`
  );
}

/**
 * Half-width of the 95 % interval of an AUC of `auc` with `positives` and `negatives` test rows,
 * by Hanley & McNeil (1982, Radiology 143:29, eq. 2 with their Q1, Q2 for exponential scores).
 */
export function aucHalfWidth95(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives);
  return 1.96 * Math.sqrt(Math.max(0, variance));
}

/**
 * What the reader must know before comparing configurations: a test set too small for AUC
 * differences to mean anything, and arms that score above the pooled reference (noise, since the
 * vertical arms see the same columns of the same rows as central).
 */
export function verticalReaderNotes(r: VerticalBenchResult): string[] {
  const v = r.vertical;
  const a = v.alignment;
  const notes: string[] = [];
  const central = v.arms.find((arm) => arm.arm === 'central');
  const negatives = a.testRows - a.positives.test;
  if (central && Number.isFinite(central.auc) && a.positives.test > 0 && negatives > 0) {
    const halfWidth = aucHalfWidth95(central.auc, a.positives.test, negatives);
    if (a.positives.test < SMALL_TEST_POSITIVES) {
      notes.push(
        `Only ${a.positives.test} positive test rows (${negatives} negative): a test AUC near ${fmt3(central.auc)} has a 95 % interval of about ±${halfWidth.toFixed(2)} (Hanley & McNeil 1982), so differences between configurations smaller than that are noise; raise --scale or the parties' coverage for a larger aligned test set.`,
      );
    }
    const above = v.arms.filter((arm) => arm.arm !== 'central' && Number.isFinite(arm.auc) && arm.auc > central.auc);
    if (above.length > 0) {
      notes.push(
        `${above.map((arm) => `${arm.arm} (${fmt3(arm.auc)})`).join(', ')} scored above central (${fmt3(central.auc)}) on this test set; central sees every column of the same rows, so this is sampling noise and optimisation differences (±${halfWidth.toFixed(2)}), not a gain from federation.`,
      );
    }
  }
  return notes;
}

export function markdownTable(t: TextTable): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${t.header.map(esc).join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`, ...t.rows.map((row) => `| ${row.map(esc).join(' | ')} |`)].join('\n');
}

/** results.md of a vertical run (also what `fedage vertical` prints). */
export function verticalMarkdown(r: VerticalBenchResult): string {
  const v = r.vertical;
  const c = v.config;
  return [
    `# fedage vertical: ${r.scenario.name}`,
    '',
    `Target ${r.target}, seed ${r.seed}, scale ${r.scale}. Label holder: ${v.labelParty}. ${c.epochs} epochs, batch ${c.batchSize}, learning rate ${c.learningRate}, ` +
      `bottom models ${c.bottomHiddenUnits === 0 ? 'linear' : `${c.bottomHiddenUnits} ReLU units`}, vertical LR with ${c.verticalLr.encryption === 'paillier' ? `Paillier (${c.verticalLr.keyBits}-bit)` : 'masked residuals'}.`,
    '',
    '## Parties and overlap',
    '',
    overlapSentence(r),
    '',
    markdownTable(partyTable(r)),
    '',
    `What each side learns: ${v.labelParty} (label holder) ${v.disclosure.labelParty}; the other parties ${v.disclosure.otherParties}. Protocol: ${v.disclosure.protocol}.`,
    '',
    '## AUC and communication per configuration',
    '',
    markdownTable(armTable(r)),
    '',
    ...verticalReaderNotes(r).flatMap((note) => [`> ${note}`, '']),
    '## Label leakage from returned gradients (Li et al., ICLR 2022)',
    '',
    'Each party without labels scores every training row by the gradient it receives in split learning; attack AUC 0.5 = it learns nothing about the labels, 1 = it recovers them.',
    '',
    markdownTable(leakageTable(r)),
    '',
  ].join('\n');
}
