/**
 * "What ε covers and what it does not": derived from the run's own settings (results.json), so
 * the report never claims more than the mechanisms that actually ran. Used by report.html and
 * results.md. Each statement is about this run; nothing here is a generic disclaimer.
 *
 * The guarantee of a DP arm is about the models (and, at sample level, every update a site sent)
 * of that arm. Everything else the run computes from patient data without noise is listed as not
 * covered: the preprocessing statistics (unless --dp-preprocessing-*), the threshold selected on
 * validation rows, the test metrics, split counts and training-set sizes, the data summary, the
 * id files, and every non-private arm.
 */
import type { ReportResult } from './extensions.js';
import { html, type Raw } from './html-util.js';

/** How patient ids are written to predictions.arrow / splits.arrow (bench --ids). */
export type IdsMode = 'plain' | 'hashed' | 'none';

export interface PrivacyScope {
  covered: string[];
  notCovered: string[];
}

const isDpArm = (r: ReportResult['perSeed'][number]) => r.privacy !== undefined;

export function privacyScope(result: ReportResult): PrivacyScope | null {
  const privacy = result.config.privacy;
  const dpArms = [...new Set(result.perSeed.filter(isDpArm).map((r) => r.arm))];
  if (!privacy || dpArms.length === 0) return null;
  const plainArms = [...new Set(result.perSeed.filter((r) => !isDpArm(r)).map((r) => r.arm))];
  const covered: string[] = [];
  const notCovered: string[] = [];
  const sample = privacy.level === 'sample';
  const pre = privacy.preprocessing && privacy.preprocessing.noiseMultiplier !== null ? privacy.preprocessing : null;
  const normalization = result.config.preprocessing.normalization;

  if (sample) {
    covered.push(
      `The trained models of the DP arms (${dpArms.join(', ')}) and every model update a site sent in them: DP-SGD clips each record's gradient and adds noise at the site, so a site's ε bounds what anyone who sees its updates (the server included) learns about one of its patient records (add/remove one record).`,
    );
  } else {
    covered.push(
      `The models of the DP arms (${dpArms.join(', ')}): client-level DP (DP-FedAvg) bounds what the released model reveals about a whole site's participation.`,
    );
    notCovered.push(
      'The server: at client level the noise is added by the server to the sum of clipped updates, so the server sees each participating site\'s clipped update without noise. The guarantee is against those who see the model, not against the server.',
    );
  }

  if (normalization === 'none') {
    covered.push('Preprocessing: no statistics were computed from the data (normalization: none), so none were shared.');
  } else if (pre) {
    covered.push(
      `The preprocessing statistics: each site's training-row count, per-column counts, sums and sums of squares (hence means and SDs) and category counts were released by the Gaussian mechanism (σ = ${pre.noiseMultiplier}${pre.targetEpsilon !== null ? `, calibrated to ε = ${pre.targetEpsilon} alone` : ''}; values clipped to stated bounds) and composed into each site's ε by RDP (Mironov 2017). Not covered by it: which columns exist and the category level names (for imported data these come from the data).`,
    );
  } else {
    notCovered.push(
      normalization === 'federated'
        ? "The preprocessing statistics: each site shared its training rows' counts, means and SDs (counts, sums, sums of squares per column, category counts) with the federation without noise, for the federated standardization and imputation. Use --dp-preprocessing-epsilon to cover them."
        : "The preprocessing statistics: each site's own training means, SDs and category counts (normalization: per-site) were computed without noise; they shape the design matrix the model sees and, for the pooled central arm, were pooled. Use --dp-preprocessing-epsilon to cover them.",
    );
  }

  if (result.config.evaluation.threshold === null) {
    notCovered.push('The decision threshold: chosen to maximize F1 on the validation rows (pooled; a local arm its own site\'s), without noise. The validation rows are not in the DP training set.');
  }
  notCovered.push(
    'Evaluation: every metric (AUC, F1, calibration, per-site and worst-site figures, oracle AUCs) is computed on the test rows without noise; so are the split counts, positives and training-set sizes per site (the sampling rate q = batch / n publishes n).',
  );
  if (result.dataSummary) notCovered.push("The data summary of this report (per-site feature distributions) is built from the statistics the sites shared" + (pre ? ' (the noisy ones).' : ', without noise.'));

  const ids = (result as { outputIds?: IdsMode }).outputIds;
  if (ids === 'plain' || ids === undefined) {
    notCovered.push(
      `predictions.arrow and splits.arrow hold every site's patient ids with their labels, scores and splits, in one file${ids === undefined ? ' (when bench --out writes them)' : ''}. They are for the data holders, not for release; write them with --ids hashed or --ids none to share a run.`,
    );
  } else if (ids === 'hashed') {
    notCovered.push(
      'predictions.arrow and splits.arrow hold salted hashes of the patient ids (HMAC-SHA-256 with a random key that is not stored), with labels, scores and splits per row: ids cannot be joined back, but the rows are still individual patients\' labels and scores, not noised.',
    );
  } else {
    notCovered.push('predictions.arrow and splits.arrow hold no patient ids (--ids none); their rows are still individual patients\' labels, scores and splits, not noised.');
  }

  if (plainArms.length > 0) notCovered.push(`The arms without DP in this run (${plainArms.join(', ')}): no guarantee at all.`);
  if (result.config.seeds.length > 1) {
    notCovered.push(
      `Several seeds: ε holds for the models of one seed. The ${result.config.seeds.length} seeds re-split and retrain on the same patients, so releasing the models of all seeds composes (up to ${result.config.seeds.length} × ε by basic composition).`,
    );
  }
  if (result.config.secureAggregation) {
    notCovered.push(
      `Secure aggregation (${result.config.secureAggregation.kind}) hides individual updates from the server but is not differential privacy; it adds nothing to ε and its state (keys, shares) is not private data of the model.`,
    );
  }
  notCovered.push('The split: ε is stated for each site\'s training rows as the seeded split fixed them (the split itself is not randomized for privacy). A patient present at two sites is two records.');
  if (result.privacy && !result.privacy.secureNoise) notCovered.push('Nothing, in fact: this run drew its noise from a seeded generator (--noise-seed), which anyone with the seed can remove.');
  notCovered.push('Floating-point noise sampling and timing side channels (Mironov 2012): the guarantee is for the idealized real-valued Gaussian mechanism.');
  return { covered, notCovered };
}

export function privacyScopeHtml(result: ReportResult): Raw {
  const scope = privacyScope(result);
  if (!scope) return html``;
  return html`<h3 id="privacy-scope">What ε covers and what it does not</h3><p>Covered:</p><ul>${scope.covered.map((c) => html`<li>${c}</li>`)}</ul><p>Not covered:</p><ul>${scope.notCovered.map((c) => html`<li>${c}</li>`)}</ul>`;
}

export function privacyScopeMarkdown(result: ReportResult): string[] {
  const scope = privacyScope(result);
  if (!scope) return [];
  return ['', 'What ε covers and what it does not.', '', 'Covered:', ...scope.covered.map((c) => `- ${c}`), '', 'Not covered:', ...scope.notCovered.map((c) => `- ${c}`)];
}
