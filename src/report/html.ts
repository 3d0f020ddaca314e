/**
 * report.html: one self-contained file (inline CSS and SVG, no script, no external resource; a
 * Content-Security-Policy forbids any fetch) that a clinician-researcher and a privacy officer
 * can read offline. Sections: headline, convergence, privacy, per-site fairness, communication,
 * data shift, gates, scenario and configuration, warnings, provenance and how to reproduce.
 * Same result in, same bytes out: no timestamps.
 */
import { readerWarnings, selectionCaveat } from './reader-warnings.js';
import { dashboardSections } from './dashboard.js';
import { FEDAGE_VERSION } from '../version.js';
import { formatBytes, headlineTable, siteMeanTable } from './markdown.js';
import type { Summary } from '../metrics/summarize.js';
import { armPrivacy, armSecureAggregation, privateArms, type ReportResult } from './extensions.js';
import { ledgerHtml } from './privacy-ledger.js';
import { privacyScopeHtml } from './privacy-scope.js';
import { narrowSpec, reportFigures, type Figure } from './figures.js';
import { communicationRows, trainedArms, wrapperRows } from './plot-data.js';
import { renderSvg } from './render-svg.js';
import { REPORT_CSS } from './style.js';
import { dataTable, escapeHtml, formatNumber, html, raw, shellQuote, type Raw } from './html-util.js';
import { transportLines } from './transport.js';
import type { TransportRecord } from '../bench/results.js';

export interface ReportOptions {
  /** Where results.json lives, shown in the rebuild command (default "results.json"). */
  resultsPath?: string;
}

export interface RenderedReport {
  html: string;
  /** Figure ids in page order. */
  figures: string[];
  /** Warnings from Vega-Lite / Vega while rendering (none for a normal result). */
  renderWarnings: string[];
}

function ci(s: Summary | null | undefined, digits = 3, signed = false): string {
  if (!s) return 'n/a';
  const sign = (v: number) => (signed && v > 0 ? '+' : '');
  return s.ci95 ? `${sign(s.mean)}${s.mean.toFixed(digits)} [${s.ci95[0].toFixed(digits)}, ${s.ci95[1].toFixed(digits)}]` : `${sign(s.mean)}${s.mean.toFixed(digits)}`;
}

/** The SVG's accessible name is the plot's title and description; the table carries the numbers. */
function labelSvg(svg: string, f: Figure, variant: string): string {
  const id = `${f.id}-${variant}`;
  return svg
    .replace(/^<svg\b/, `<svg role="img" aria-labelledby="${id}-title ${id}-desc"`)
    .replace(/^(<svg[^>]*>)/, `$1<title id="${id}-title">${escapeHtml(f.title)}</title><desc id="${id}-desc">${escapeHtml(f.description)}</desc>`);
}

function sentence(text: string): string {
  return text.length > 0 ? `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}` : text;
}

/**
 * A figure: the plot in two renderings (CSS shows the narrow one in narrow windows, so its text
 * stays legible instead of shrinking), a caption, and the table fallback.
 */
async function figureHtml(f: Figure, warnings: string[]): Promise<Raw> {
  const [wide, narrow] = await Promise.all([renderSvg(f.spec, `${f.id}-wide`, warnings), renderSvg(narrowSpec(f.spec), `${f.id}-narrow`, warnings)]);
  return html`<figure id="fig-${f.id}" data-figure="${f.id}"><div class="plot wide">${raw(labelSvg(wide, f, 'wide'))}</div><div class="plot narrow">${raw(labelSvg(narrow, f, 'narrow'))}</div><figcaption><strong>${f.title}.</strong> ${sentence(f.subtitle)}</figcaption><details><summary>Table: the numbers in this plot</summary>${dataTable(f.table, f.title)}</details></figure>`;
}

function headline(result: ReportResult): Raw {
  const table = headlineTable(result);
  const head = table.header.map((h) => html`<th scope="col">${h}</th>`);
  // "0.661 [0.612, 0.710]": the CI on its own line keeps the table narrow.
  const cell = (c: string) => {
    const m = /^(\S+) (\[.*\])$/.exec(c);
    return m ? html`<td class="num">${m[1]}<br><span class="ci">${m[2]}</span></td>` : html`<td class="num">${c}</td>`;
  };
  const rows = table.rows.map((r) => html`<tr class="${r.derived ? 'derived' : ''}"><th scope="row">${r.cells[0]}</th>${r.cells.slice(1).map(cell)}</tr>`);
  const main = html`<p>Pooled test metrics: mean and [95% CI over seeds]; gaps are paired per-seed differences. The same table is in results.md.</p><div class="table-wrap"><table class="headline"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
  const siteMean = siteMeanTable(result);
  if (!siteMean) return main;
  const smHead = siteMean.header.map((h) => html`<th scope="col">${h}</th>`);
  const smRows = siteMean.rows.map((r) => html`<tr class="${r.derived ? 'derived' : ''}"><th scope="row">${r.cells[0]}</th>${r.cells.slice(1).map((c) => html`<td class="num">${c}</td>`)}</tr>`);
  return html`${main}<p>${siteMean.caption}</p><div class="table-wrap"><table class="site-mean"><thead><tr>${smHead}</tr></thead><tbody>${smRows}</tbody></table></div>`;
}

/** Plain-language findings for the lede: best federated arm, its gap to central, the best local model. */
function findings(result: ReportResult): string[] {
  const out: string[] = [];
  const central = result.summary.find((s) => s.arm === 'central');
  const fed = result.summary.filter((s) => s.family === 'federated' && s.metrics.auc);
  if (fed.length > 0) {
    const best = fed.reduce((a, s) => (s.metrics.auc!.mean > a.metrics.auc!.mean ? s : a));
    let text = `Best federated arm: ${best.arm}, AUC ${ci(best.metrics.auc)}`;
    if (best.gapToCentral?.auc) text += `; ${ci(best.gapToCentral.auc, 3, true)} against central (${ci(central?.metrics.auc)})`;
    if (best.gainOverBestLocal?.auc) text += `; ${ci(best.gainOverBestLocal.auc, 3, true)} over the best site alone`;
    const caveat = selectionCaveat(result);
    if (caveat) text += ` (${caveat})`;
    out.push(`${text}.`);
  } else if (central?.metrics.auc) {
    out.push(`Central AUC ${ci(central.metrics.auc)}.`);
  }
  const bestLocal = result.summary.find((s) => s.arm === 'best_local');
  if (bestLocal?.metrics.auc) out.push(`Best single site alone: AUC ${ci(bestLocal.metrics.auc)}.`);
  if (result.oracle?.labelPooledAuc) out.push(`Oracle AUC (recorded label, the ceiling of this synthetic cohort): ${ci(result.oracle.labelPooledAuc)}.`);
  if (result.oracle?.pooledAuc) out.push(`Oracle AUC (true event, blind to coding, dropout and label noise): ${ci(result.oracle.pooledAuc)}.`);
  return out;
}

function statusBadges(result: ReportResult): Raw {
  const failed = result.gates.filter((g) => !g.passed).length;
  const gate =
    result.gates.length === 0
      ? html`<li>No gates set</li>`
      : failed > 0
        ? html`<li class="fail">Gates: ${failed} of ${result.gates.length} FAILED</li>`
        : html`<li class="pass">Gates: all ${result.gates.length} passed</li>`;
  const dpArms = privateArms(result);
  const insecure = dpArms.filter((a) => !armPrivacy(result, a)!.secureNoise);
  const dp =
    dpArms.length === 0
      ? html`<li>No differential privacy in this run</li>`
      : insecure.length > 0
        ? html`<li class="warn">Differential privacy: ${dpArms.length} arm${dpArms.length === 1 ? '' : 's'}; noise NOT secure in ${insecure.length}</li>`
        : html`<li class="pass">Differential privacy: ${dpArms.length} arm${dpArms.length === 1 ? '' : 's'}, secure noise</li>`;
  const secagg = trainedArms(result).some((s) => armSecureAggregation(result, s.arm)) ? html`<li>Secure aggregation: on</li>` : html`<li>No secure aggregation in this run</li>`;
  const data = result.data.synthetic ? html`<li>Synthetic data</li>` : html`<li>Real data (${result.data.kind})</li>`;
  const count = readerWarnings(result).length + result.warnings.length;
  const warnings = count > 0 ? html`<li class="warn"><a href="#warnings">${count} warning${count === 1 ? '' : 's'}</a></li>` : html``;
  return html`<ul class="status" aria-label="Run status">${gate}${dp}${secagg}${data}${warnings}</ul>`;
}

function privacySection(result: ReportResult, figures: Raw[]): Raw {
  const arms = privateArms(result);
  if (arms.length === 0) {
    return html`<p class="callout"><strong>No differential privacy in this run.</strong> No arm added noise, so no (ε, δ) guarantee applies to these models or to the updates the sites sent. Federated training keeps the records at each site, but it does not by itself bound what the shared model updates reveal about a patient.</p>`;
  }
  const sites = [...new Set(arms.flatMap((a) => Object.keys(armPrivacy(result, a)!.epsilonSpentPerSite)))];
  const insecure = arms.filter((a) => !armPrivacy(result, a)!.secureNoise);
  const head = ['arm', 'level', 'ε budget', ...sites.map((s) => `ε spent: ${s}`), 'δ', 'accountant', 'secure noise', 'noise multiplier σ', 'sampling rate q', 'steps', 'clip norm'];
  const rows = arms.map((arm) => {
    const p = armPrivacy(result, arm)!;
    const spent = sites.map((s) => {
      const eps = p.epsilonSpentPerSite[s];
      return eps === undefined ? html`<td class="num">–</td>` : html`<td class="num" data-value="${String(eps)}">${formatNumber(eps)}</td>`;
    });
    return html`<tr><th scope="row">${arm}</th><td>${p.level}</td><td class="num">${formatNumber(p.epsilon)}</td>${spent}<td class="num">${p.delta.toExponential(1)}</td><td>${p.accountant}</td><td class="${p.secureNoise ? 'pass-cell' : 'fail-cell'}">${p.secureNoise ? 'yes' : 'NO: seeded'}</td><td class="num">${formatNumber(p.noiseMultiplier)}</td><td class="num">${formatNumber(p.sampleRate)}</td><td class="num">${formatNumber(p.steps)}</td><td class="num">${p.clipNorm === undefined ? '–' : formatNumber(p.clipNorm)}</td></tr>`;
  });
  const warning =
    insecure.length > 0
      ? html`<p class="callout fail"><strong>Not a privacy guarantee:</strong> ${insecure.join(', ')} drew ${insecure.length === 1 ? 'its' : 'their'} DP noise from a seeded (reproducible) generator. Such runs are for testing; their ε holds only if the noise is unpredictable.</p>`
      : html`<p class="callout">DP noise came from a cryptographically secure source (secure noise: yes) in every private arm. (Floating-point sampling of Gaussian noise can leak in principle; Mironov 2012.)</p>`;
  return html`${warning}<div class="table-wrap"><table><caption>ε spent per site (the largest over seeds), with δ and the accountant</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>${ledgerHtml(result)}${privacyScopeHtml(result)}${figures}`;
}

function secureAggregationText(result: ReportResult): Raw {
  const arms = trainedArms(result)
    .map((s) => ({ arm: s.arm, sa: armSecureAggregation(result, s.arm) }))
    .filter((x) => x.sa !== null);
  if (arms.length === 0) return html`<p>No secure aggregation in this run: the server saw each participating site's model update in the clear.</p>`;
  return html`<p>Secure aggregation (the server sees only the sum of the sites' updates): ${arms.map((x, i) => html`${i > 0 ? ', ' : ''}<strong>${x.arm}</strong> (${x.sa!.protocol}${x.sa!.threshold !== undefined ? `, threshold ${x.sa!.threshold}` : ''})`)}.</p>`;
}

/** What each party learns under the protocols of this run (stated, never more than the protocol gives). */
const THREAT_MODEL = {
  masking:
    'Masking (SecAgg/SecAgg+): an honest-but-curious server sees only masked vectors, uniform on Z_M, and learns the sum of the surviving sites\' updates; a curious site learns nothing of other sites\' updates beyond what the released model shows; the server colluding with fewer than the threshold of sites learns nothing more than the sum of the others (Bonawitz et al. 2017, Bell et al. 2020). Secure aggregation is not differential privacy: the sum and the model can still reveal a site\'s data.',
  ckks: 'CKKS: the server adds ciphertexts under the federation\'s public key and never holds the secret key; with release "server" one site decrypts the sum and returns it (the server learns the sum, as with masking), with release "sites" the server learns nothing. Every site holds the secret key, so the server colluding with any one site can decrypt every upload. A raw CKKS decryption can leak key material (Li & Micciancio 2021); the float32 rounding applied here is a partial mitigation only.',
};

function wrappersSection(result: ReportResult): Raw {
  const rows = wrapperRows(result);
  if (rows.length === 0) return html``;
  const head = ['arm', 'plaintext twin', 'wrapper', 'bytes up / site / round', 'plaintext up', 'bytes down / site / round', 'compute ms / round', 'crypto ms / round', 'max |secure − plaintext|', 'stated bound', 'dropouts survived', 'rounds aborted', 'values clipped', 'AUC', 'AUC cost vs twin'];
  const body = rows.map(
    (r) =>
      html`<tr><th scope="row">${r.arm}</th><td>${r.baseArm}</td><td>${[r.compression, r.protocol].filter(Boolean).join('; ')}</td><td class="num">${formatBytes(r.bytesUpPerSiteRound)}</td><td class="num">${r.baseBytesUpPerSiteRound === null ? '–' : formatBytes(r.baseBytesUpPerSiteRound)}</td><td class="num">${formatBytes(r.bytesDownPerSiteRound)}</td><td class="num">${r.computeMsPerRound === null ? '–' : formatNumber(r.computeMsPerRound)}</td><td class="num">${r.cryptoMsPerRound === null ? '–' : formatNumber(r.cryptoMsPerRound + (r.codecMsPerRound ?? 0))}</td><td class="num">${r.protocol && r.maxAbsDiff !== null ? r.maxAbsDiff.toExponential(2) : '–'}</td><td class="num">${r.protocol ? r.errorBound.toExponential(2) : '–'}</td><td class="num">${r.dropoutsSurvived}</td><td class="num ${r.roundsAborted > 0 ? 'fail-cell' : ''}">${r.roundsAborted}</td><td class="num ${r.clippedValues > 0 ? 'fail-cell' : ''}">${r.clippedValues}</td><td class="num">${r.auc === null ? '–' : r.auc.toFixed(3)}</td><td class="num">${r.aucCost === null ? '–' : r.aucCost.toFixed(4)}</td></tr>`,
  );
  const clipped = rows.filter((r) => r.clippedValues > 0);
  const clipWarn =
    clipped.length > 0
      ? html`<p class="callout fail"><strong>Clipping:</strong> ${clipped.map((r) => `${r.arm} (${r.clippedValues} values)`).join(', ')} hit clippingRange: those coordinates of the aggregate were saturated. Raise clippingRange.</p>`
      : html``;
  const kinds = new Set(result.perSeed.filter((r) => r.wrappers?.secureAggregation).map((r) => r.wrappers!.secureAggregation!.kind));
  return html`<p>Each wrapped arm is the twin of a plaintext arm trained from the same start: bytes are those of the encoded messages (compressed updates; every secure-aggregation message: keys, shares, masked vectors or ciphertexts), down includes the model broadcast; max |secure − plaintext| compares the secure mean update with the plaintext mean of the same inputs computed in the same round, next to the protocol's stated bound (fixed-point quantization for masking, CKKS noise for CKKS). Crypto time is the protocol's critical path (slowest site per stage plus the server; the sites run one after another in this simulation); times are measured, so they live in timings.json beside results.json (– when the report is rebuilt without it). Client-level DP with secure aggregation is refused (the server would add noise to a sum it must not see noiseless); sample-level DP composes.</p>${clipWarn}<div class="table-wrap"><table><caption>Secure aggregation and compression per arm (means over seeds and rounds; maxima and counts over seeds)</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${body}</tbody></table></div>${[...kinds].map((k) => html`<p>${THREAT_MODEL[k]}</p>`)}`;
}

function communicationText(result: ReportResult): Raw {
  const fed = result.summary.filter((s) => s.communication);
  if (fed.length === 0) return html``;
  const rows = communicationRows(result);
  const overhead = rows.filter((r) => r.secureAggregationBytes !== null);
  const share = overhead.length > 0 ? overhead.reduce((a, r) => a + (r.secureAggregationBytes ?? 0), 0) / overhead.reduce((a, r) => a + r.bytes, 0) : null;
  return html`<p>Total per run (up + down, mean over seeds): ${fed.map((s, i) => html`${i > 0 ? ', ' : ''}${s.arm} ${formatBytes(s.communication!.meanTotalBytes)}`)}.${share !== null ? ` Secure aggregation accounts for ${(100 * share).toFixed(1)} % of the bytes of the arms that use it.` : ''}</p>`;
}

function gatesSection(result: ReportResult): Raw {
  if (result.gates.length === 0) return html`<p>No gates were set for this run (add them with <code>--gate "fedavg.auc &gt;= central.auc - 0.02"</code> or <code>--max-gap 0.02</code>; a failed gate makes <code>fedage bench</code> exit 3).</p>`;
  const rows = result.gates.map(
    (g) =>
      html`<tr><th scope="row"><code>${g.expression}</code></th><td class="num">${g.left === null ? '–' : g.left.toFixed(4)}</td><td class="num">${g.right === null ? '–' : g.right.toFixed(4)}</td><td class="${g.passed ? 'pass-cell' : 'fail-cell'}">${g.passed ? 'PASS' : 'FAIL'}</td><td>${g.message}</td></tr>`,
  );
  const failed = result.gates.filter((g) => !g.passed).length;
  return html`<p class="callout ${failed > 0 ? 'fail' : ''}">${failed > 0 ? `${failed} of ${result.gates.length} gates failed: fedage bench exited with code 3.` : `All ${result.gates.length} gates passed.`}</p><div class="table-wrap"><table><caption>Gates (left and right sides are means over seeds)</caption><thead><tr><th scope="col">gate</th><th scope="col">left</th><th scope="col">right</th><th scope="col">result</th><th scope="col">message</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function optimizerText(o: { kind: string; learningRate: number; momentum?: number }): string {
  return `${o.kind}, learning rate ${o.learningRate}${o.kind === 'sgd' && o.momentum ? `, momentum ${o.momentum}` : ''}`;
}

function configSection(result: ReportResult): Raw {
  const c = result.config;
  const d = result.data;
  const f = c.federated;
  const firstSeed = Object.keys(result.splits)[0];
  const splits = firstSeed !== undefined ? result.splits[firstSeed] : [];
  const strategies = Object.values(f.strategies ?? {}).filter((s) => c.arms.includes(s.strategy.name));
  const facts: [string, Raw | string][] = [
    ['scenario', d.scenarioName],
    ['data', `${d.kind === 'scenario' ? 'generated in memory from' : 'data directory'} ${d.origin}${d.synthetic ? ' (synthetic)' : ''}`],
    ['target', d.target],
    ['sites', `${d.sites.length}: ${d.sites.join(', ')}`],
    ['features', `${result.features.length} design columns from ${new Set(result.features.map((x) => x.source)).size} source columns`],
    ['model', `${c.model.kind}${c.model.kind === 'mlp' ? ` (hidden ${c.model.hiddenUnits.join('×')}, ${c.model.activation})` : ''}, L2 ${c.model.l2}, backend ${result.backend.name}${result.backend.version ? ` ${result.backend.version}` : ''}`],
    ['arms', c.arms.join(', ')],
    ['seeds', `${c.seeds.length}: ${c.seeds.join(', ')}`],
    ['split', c.split === 'fixed' ? "fixed: the data's own split column" : `train ${c.split.train}, validation ${c.split.validation}, test ${c.split.test} (stratified per site)`],
    ['preprocessing', `${c.preprocessing.normalization} normalization, unit harmonization ${c.preprocessing.harmonizeUnits ? 'on' : 'off'}, missing indicators ${c.preprocessing.missingIndicators ? 'on' : 'off'}`],
    ['central and local training', `${optimizerText(c.training.optimizer)}, batch ${c.training.batchSize}${c.training.epochs !== undefined ? `, ${c.training.epochs} epochs` : c.training.steps !== undefined ? `, ${c.training.steps} steps` : ', budget matched to the federated arms'}`],
    ['federated training', `${f.rounds} rounds, client fraction ${f.clientFraction}, batch ${f.batchSize}, ${f.localSteps !== undefined ? `${f.localSteps} local steps` : `${f.localEpochs} local epoch${f.localEpochs === 1 ? '' : 's'}`} per round`],
    ['rounds to target', `first round at ${c.convergenceFraction} × central AUC`],
  ];
  const strategyRows = strategies.map((s) => {
    const { name, ...params } = s.strategy;
    const text = Object.entries(params).map(([k, v]) => `${k} ${v}`).join(', ') || '–';
    return html`<tr><th scope="row">${name}</th><td>${text}</td><td>${optimizerText(s.clientOptimizer)}</td></tr>`;
  });
  const splitRows = splits.map(
    (s) => html`<tr><th scope="row">${s.site}</th><td class="num">${s.train}</td><td class="num">${s.validation}</td><td class="num">${s.test}</td><td class="num">${s.excluded}</td><td class="num">${s.trainPositives}</td><td class="num">${s.testPositives}</td></tr>`,
  );
  return html`<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
${
  strategyRows.length > 0
    ? html`<div class="table-wrap"><table><caption>Federated strategies</caption><thead><tr><th scope="col">strategy</th><th scope="col">server settings</th><th scope="col">client optimizer</th></tr></thead><tbody>${strategyRows}</tbody></table></div>`
    : html``
}
${
  splitRows.length > 0
    ? html`<div class="table-wrap"><table><caption>Patients per split and site (seed ${firstSeed}); excluded: no usable label</caption><thead><tr><th scope="col">site</th><th scope="col">train</th><th scope="col">validation</th><th scope="col">test</th><th scope="col">excluded</th><th scope="col">train positives</th><th scope="col">test positives</th></tr></thead><tbody>${splitRows}</tbody></table></div>`
    : html``
}
<details><summary>The full configuration (results.json <code>config</code>)</summary><pre>${JSON.stringify(c, null, 2)}</pre></details>`;
}

function provenanceSection(result: ReportResult, opts: ReportOptions): Raw {
  const command = result.argv ? ['fedage', ...result.argv].map(shellQuote).join(' ') : null;
  const rebuild = `fedage report ${shellQuote(opts.resultsPath ?? 'results.json')} --out report.html --force`;
  return html`<dl class="facts">
<dt>fedage version</dt><dd>${result.fedageVersion} (results format ${result.format} v${result.formatVersion}; report by fedage ${FEDAGE_VERSION})</dd>
<dt>data manifest SHA-256</dt><dd><code>${result.data.manifestSha256}</code></dd>
<dt>data</dt><dd>${result.data.origin} (${result.data.kind})</dd>
<dt>backend</dt><dd>${result.backend.name}${result.backend.version ? ` ${result.backend.version}` : ''}</dd>
</dl>
<h3>How to reproduce</h3>
${
  command
    ? html`<p>Run this from the directory it was run in (paths are as given); the same fedage version, data (manifest hash above) and seeds give identical results${result.argv?.some((a) => a === '--out' || a === '-o' || a.startsWith('--out=')) ? ' (add --force to overwrite the outputs in place)' : ''}:</p><pre><code>${command}</code></pre>`
    : html`<p>The command line was not recorded in this results.json (written by an older fedage, or by the library rather than the CLI). The run's full settings are in the configuration above; run <code>fedage bench</code> on ${result.data.origin} with them and seeds ${result.config.seeds.join(', ')}.</p>`
}
<p>Rebuild this report from the saved results:</p><pre><code>${rebuild}</code></pre>`;
}

/** A distributed run's network record: settings, bytes and every event (results.json transport). */
function transportSection(t: TransportRecord): Raw {
  const [, summary, ...events] = transportLines(t);
  const list = html`<ul>${events.map((e) => html`<li>${e.replace(/^- /, '')}</li>`)}</ul>`;
  return html`<p>${summary}</p>${events.length > 10 ? html`<details><summary>${events.length} events</summary>${list}</details>` : list}`;
}

function warningsSection(result: ReportResult, renderWarnings: string[]): Raw {
  const all = [...readerWarnings(result), ...result.warnings, ...renderWarnings.map((w) => `report rendering: ${w}`)];
  if (all.length === 0) return html`<p>None.</p>`;
  const list = html`<ul>${all.map((w) => html`<li>${w}</li>`)}</ul>`;
  return all.length > 10 ? html`<details><summary>${all.length} warnings</summary>${list}</details>` : list;
}

function dataText(result: ReportResult): Raw {
  if (result.dataSummary) {
    return html`<p>How the sites differ. Large differences in the label or in features mean the sites' data are not identically distributed: the setting where federated strategies differ most and where a model trained at one site transfers worst. The feature summaries are per-site counts, means and SDs of the training rows: the statistics the sites already shared to fit the federated preprocessing.</p>`;
  }
  return html`<p>How the sites differ in the label. This results.json has no per-site feature summary (<code>dataSummary</code>; written by an older fedage): re-run <code>fedage bench</code> to add the feature-shift plots.</p>`;
}

/** Builds report.html for a bench result. */
export async function renderReport(result: ReportResult, opts: ReportOptions = {}): Promise<RenderedReport> {
  const figs = reportFigures(result);
  const renderWarnings: string[] = [];
  const render = async (list: Figure[]) => Promise.all(list.map((f) => figureHtml(f, renderWarnings)));
  const [headlineFigs, convergenceFigs, privacyFigs, siteFigs, commFigs, dataFigs] = await Promise.all([
    render(figs.headline),
    render(figs.convergence),
    render(figs.privacy),
    render(figs.sites),
    render(figs.communication),
    render(figs.data),
  ]);
  const dashboard = await dashboardSections(result, (f) => figureHtml(f, renderWarnings));
  const d = result.data;
  const seeds = result.config.seeds.length;
  const title = `fedage bench report: ${d.scenarioName}`;
  const sections: [string, string, Raw][] = [
    ['headline', 'Headline', html`${headline(result)}${headlineFigs}`],
    ['convergence', 'Convergence', convergenceFigs.length > 0 ? html`${convergenceFigs}` : html`<p>No federated arm in this run.</p>`],
    ['privacy', 'Privacy', html`${privacySection(result, privacyFigs)}${secureAggregationText(result)}`],
    ['sites', 'Per site (fairness)', html`<p>Which hospital pays for federation: each arm's AUC on every site's own test patients.</p>${siteFigs}`],
    ['communication', 'Communication', commFigs.length > 0 ? html`${communicationText(result)}${commFigs}` : html`<p>No federated arm in this run: nothing was exchanged.</p>`],
    ...(wrapperRows(result).length > 0 ? [['wrappers', 'Secure aggregation and compression', wrappersSection(result)] as [string, string, Raw]] : []),
    ...dashboard,
    ['data', 'Data: shift between sites', html`${dataText(result)}${dataFigs}`],
    ['gates', 'Gates', gatesSection(result)],
    ['config', 'Scenario and configuration', configSection(result)],
    ...('transport' in result && result.transport ? [['transport', 'Transport (distributed run)', transportSection(result.transport)] as [string, string, Raw]] : []),
    ['warnings', 'Warnings', warningsSection(result, renderWarnings)],
    ['provenance', 'Provenance and how to reproduce', provenanceSection(result, opts)],
  ];
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="fedage ${FEDAGE_VERSION}">
<title>${title}</title>
<style>${raw(REPORT_CSS)}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="lede">Predicting <strong>${d.target}</strong> across ${d.sites.length} site${d.sites.length === 1 ? '' : 's'} (${d.sites.join(', ')}) with a ${result.config.model.kind} model, ${seeds} seed${seeds === 1 ? '' : 's'}, ${result.config.federated.rounds} federated rounds; ${d.synthetic ? 'synthetic data' : 'real data'} from ${d.origin}.</p>
<ul>${findings(result).map((t) => html`<li>${t}</li>`)}</ul>
${statusBadges(result)}
</header>
<nav aria-label="Contents"><ol>${sections.map(([id, heading]) => html`<li><a href="#${id}">${heading}</a></li>`)}</ol></nav>
<main>
${sections.map(([id, heading, body]) => html`<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${heading}</h2>${body}</section>\n`)}
</main>
<footer><p class="muted">Written by fedage ${FEDAGE_VERSION} from results.json (format v${result.formatVersion}). Self-contained: no scripts, no network.</p></footer>
</body>
</html>
`;
  const figureIds = [...figs.headline, ...figs.convergence, ...figs.privacy, ...figs.sites, ...figs.communication, ...figs.data].map((f) => f.id);
  return { html: page.html, figures: figureIds, renderWarnings };
}
