/**
 * The aggregator's state on disk, for `fedage serve --resume`: after every remote round it writes
 * what it learned from the sites in that round (the training answers it received, or the decoded
 * secure sum — never more than it already held) as one file, atomically (write-file-atomic.ts:
 * temp file, fsync, rename, directory fsync), so a crash leaves each round either fully recorded
 * or absent. Everything else the aggregator computes is a deterministic function of the plan,
 * the seed and these answers, so a resumed run replays the recorded rounds without contacting any
 * site and continues live from the first round not recorded: nothing a site computed before the
 * crash is asked again (a site asked again for the round it was computing answers from its cache,
 * site-work.ts), and the result equals the uninterrupted run.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { decodeWireJson, encodeWireJson } from './wire-json.js';

const STATE_FILE = 'state.json';
const FORMAT = 'fedage-aggregator-state/1';

export type JournalKind = 'train' | 'secagg';

export class RoundJournal {
  /** Entries replayed from disk in this process (a resumed run reports it). */
  replayed = 0;

  private constructor(readonly dir: string) {}

  /**
   * Opens the state directory. A fresh run refuses a directory holding another run's rounds; a
   * resumed run refuses state written for a different plan (fingerprint of input and settings).
   * 'if-present' (`--auto-resume`, what deployments use): resume when the directory holds state,
   * start fresh when it does not, so a restarted container continues its run.
   */
  static open(dir: string, fingerprint: string, resume: boolean | 'if-present'): RoundJournal {
    const statePath = join(dir, STATE_FILE);
    if (resume === 'if-present') resume = existsSync(statePath);
    if (resume) {
      if (!existsSync(statePath)) throw new UsageError(`--resume: ${statePath} not found; start the run without --resume (the aggregator writes its state to --state after every round)`);
      let state: { format?: string; fingerprint?: string };
      try {
        state = JSON.parse(readFileSync(statePath, 'utf8'));
      } catch (err) {
        throw new UsageError(`--resume: ${statePath} is unreadable: ${(err as Error).message}`);
      }
      if (state.format !== FORMAT) throw new UsageError(`--resume: ${statePath}: expected format ${FORMAT}, found ${String(state.format)}`);
      if (state.fingerprint !== fingerprint) throw new UsageError(`--resume: ${dir} holds the state of a different run (other input or settings); resume with the same --plan and flags`);
      return new RoundJournal(dir);
    }
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).some((f) => f.endsWith('.json'))) throw new UsageError(`--state ${dir} already holds a run's state: add --resume to continue it, or use an empty directory`);
    writeFileAtomic(statePath, `${JSON.stringify({ format: FORMAT, fingerprint }, null, 2)}\n`);
    return new RoundJournal(dir);
  }

  private file(kind: JournalKind, seed: number, arm: string, round: number): string {
    const armKey = createHash('sha256').update(arm).digest('hex').slice(0, 16);
    return join(this.dir, `${kind}-s${seed}-${armKey}-r${round}.json`);
  }

  get(kind: JournalKind, seed: number, arm: string, round: number): unknown {
    const path = this.file(kind, seed, arm, round);
    if (!existsSync(path)) return undefined;
    const entry = decodeWireJson(readFileSync(path)) as { arm: string; value: unknown };
    if (entry.arm !== arm) throw new UsageError(`--resume: ${path} belongs to arm ${entry.arm}, expected ${arm}`);
    this.replayed++;
    return entry.value;
  }

  put(kind: JournalKind, seed: number, arm: string, round: number, value: unknown): void {
    writeFileAtomic(this.file(kind, seed, arm, round), encodeWireJson({ arm, value }));
  }
}

/** What identifies a run for --resume: the input's bytes (manifest or scenario) and the settings. */
export function runFingerprint(input: string, settings: unknown): string {
  const h = createHash('sha256');
  const manifest = join(input, 'manifest.json');
  h.update(existsSync(manifest) ? readFileSync(manifest) : existsSync(input) ? readFileSync(input) : Buffer.from(input));
  h.update('\u0000');
  h.update(JSON.stringify(settings ?? null));
  return h.digest('hex');
}
