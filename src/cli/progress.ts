/**
 * Progress on stderr for every command that takes time: a bar on a terminal, plain lines
 * otherwise (CI logs, pipes, files), nothing with --quiet. The library reports progress through
 * callbacks; only this module renders it.
 *
 * Plain lines are rate-limited so a log stays readable: nothing in the first `delayMs` (a quick
 * command stays quiet), then the first update, a change of phase (a new site, a new arm run) a
 * quarter interval after the last line, the last update (done = total), and otherwise at most one
 * line per `intervalMs`.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';

export interface ProgressUpdate {
  /** Work units done and in total (total 0: unknown). */
  done: number;
  total: number;
  /** What is being done, e.g. "seed 1 fedavg round 10/50". */
  detail: string;
  /** A new phase (e.g. a new site): printed as a line even between intervals. */
  phase?: string;
  /** Plain lines start with [done/total] unless false (when the detail already says it). */
  counted?: boolean;
}

export interface ProgressRenderer {
  update(u: ProgressUpdate): void;
  /** Clears the bar (a terminal) so that the command's own output starts on a clean line. */
  stop(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Default: process.stderr.isTTY. */
  isTty?: boolean;
  /** Default: process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Minimum time between two plain lines of the same phase; default 2000 ms (FEDAGE_PROGRESS_INTERVAL_MS overrides it). */
  intervalMs?: number;
  /**
   * No plain line before this much time has passed (except a finished total): a command that is
   * done in a moment prints no progress. Default: a quarter of intervalMs.
   */
  delayMs?: number;
  now?: () => number;
}

/** The one flag every long-running command takes. */
export const QUIET_FLAG = ['-q, --quiet', 'print no progress on stderr (results and errors still print)'] as const;

export function addQuietOption(cmd: Command): Command {
  return cmd.option(QUIET_FLAG[0], QUIET_FLAG[1]);
}

const silent: ProgressRenderer = { update: () => undefined, stop: () => undefined };

function defaultInterval(): number {
  const env = Number(process.env.FEDAGE_PROGRESS_INTERVAL_MS);
  return Number.isFinite(env) && env >= 0 ? env : 2000;
}

/** A plain progress line: "<label>: [done/total] detail". */
export function progressLine(label: string, u: ProgressUpdate): string {
  const count = u.total > 0 && u.counted !== false ? `[${u.done}/${u.total}] ` : '';
  return `${label}: ${count}${u.detail}`;
}

export function createProgress(label: string, opts: ProgressOptions = {}): ProgressRenderer {
  if (opts.quiet) return silent;
  const stream = opts.stream ?? process.stderr;
  const isTty = opts.isTty ?? (stream as { isTTY?: boolean }).isTTY === true;
  const intervalMs = opts.intervalMs ?? defaultInterval();
  const now = opts.now ?? (() => performance.now());
  return isTty ? barRenderer(label, stream) : lineRenderer(label, stream, intervalMs, opts.delayMs ?? intervalMs / 4, now);
}

function lineRenderer(label: string, stream: NodeJS.WritableStream, intervalMs: number, delayMs: number, now: () => number): ProgressRenderer {
  const created = now();
  let last = -Infinity;
  let lastPhase: string | undefined;
  let lastText = '';
  let finished = false;
  return {
    update(u) {
      const t = now();
      const newPhase = u.phase !== undefined && u.phase !== lastPhase;
      const end = u.total > 0 && u.done >= u.total;
      if (end && finished && !newPhase) return;
      if (!end && t - created < delayMs) return;
      const due = t - last >= intervalMs;
      if (!(last === -Infinity || end || due || (newPhase && t - last >= intervalMs / 4))) return;
      const text = progressLine(label, u);
      if (text === lastText) return;
      stream.write(`${text}\n`);
      last = t;
      lastPhase = u.phase;
      lastText = text;
      finished = end;
    },
    stop: () => undefined,
  };
}

function barRenderer(label: string, stream: NodeJS.WritableStream): ProgressRenderer {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {detail}`, hideCursor: true, stream: stream as NodeJS.WriteStream, clearOnComplete: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(u) {
      const total = Math.max(1, u.total);
      if (!started) {
        bar.start(total, Math.min(u.done, total), { detail: u.detail });
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(Math.min(u.done, total), { detail: u.detail });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
