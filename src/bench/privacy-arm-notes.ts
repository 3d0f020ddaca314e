/**
 * What the DP arms of a run are, said in words, for settings where the flags alone mislead:
 * `--dp-level client --arms scaffold` trains scaffold without DP and adds fedavg+dp arms, because
 * the DP arms come from privacy.arms (default: fedavg at client level; central and fedavg at
 * sample level), not from --arms, and client-level DP cannot wrap scaffold (its control-variate
 * uploads are not clipped, so the Gaussian noise would not cover them).
 */
import type { BenchConfig } from './config.js';

export function privacyArmNotes(config: Pick<BenchConfig, 'arms' | 'privacy'>): string[] {
  const p = config.privacy;
  if (!p) return [];
  const notes: string[] = [];
  const added = p.arms.filter((a) => !(config.arms as readonly string[]).includes(a));
  if (added.length > 0) {
    notes.push(
      `the ${p.level}-level DP arms wrap ${p.arms.join(', ')} (privacy.arms${p.arms.length > 0 ? '' : ', empty'}), which --arms/bench.arms does not list: ` +
        `${added.join(', ')} ${added.length === 1 ? 'is' : 'are'} trained with DP only; set privacy.arms (in a --config file) to choose which strategies get a DP twin`,
    );
  }
  if (p.level === 'client' && (config.arms as readonly string[]).includes('scaffold')) {
    notes.push('scaffold runs without DP: client-level DP cannot wrap it (its control-variate uploads are not clipped, so the noise would not cover them); use --dp-level sample for a DP scaffold');
  }
  return notes;
}
