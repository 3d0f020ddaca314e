/**
 * The README shows what the commands print: every `$ npx fedage ...` line of a fenced shell or
 * text block runs with the built CLI, in order, in a temporary directory that holds the
 * repository's scenarios/ and fixtures/ (as a reader's checkout does), and its output (stdout,
 * then stderr) is compared with the lines shown under it. Masked: timings ("in 3.2 s"), and a
 * line "…" stands for any number of lines the README leaves out; a command shown with no output
 * before the next prompt only has to succeed. Commands the README shows
 * without output (blocks whose lines have no "$ " prompt) are not run here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'fedage.js');
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

export interface ShownCommand {
  line: number;
  args: string[];
  shown: string[];
}

/** Splits a command line into words (plain words and double- or single-quoted strings). */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Every `$ npx fedage` command of a ```sh or ```text block, with the lines shown under it. */
export function shownCommands(text: string): ShownCommand[] {
  const out: ShownCommand[] = [];
  const lines = text.split('\n');
  let inBlock = false;
  let current: ShownCommand | null = null;
  lines.forEach((l, k) => {
    if (/^```(sh|text)$/.test(l)) return void (inBlock = true);
    if (l.startsWith('```')) {
      inBlock = false;
      current = null;
      return;
    }
    if (!inBlock) return;
    const m = /^\$ npx fedage (.*)$/.exec(l);
    if (m) {
      current = { line: k + 1, args: words(m[1].replace(/\s+#.*$/, '')), shown: [] };
      out.push(current);
    } else if (/^\$ /.test(l)) current = null;
    else if (current) current.shown.push(l);
  });
  return out;
}

/** A progress or timing line of a command (src/cli/progress.ts labels). */
const PROGRESS_LINE = /^(generate|export|bench|inspect|privacy noise|report|vertical): /;

/** Timings are the only thing that differs between runs. */
export function mask(line: string): string {
  return line.replace(/ in \d+(\.\d+)? s\b/g, ' in <time> s');
}

/** Shown lines against printed lines: equal after masking; "…" matches any run of lines. */
export function matchesShown(shown: string[], printed: string[]): string | null {
  const s = shown.map(mask);
  const p = printed.map(mask);
  const go = (i: number, j: number): boolean => {
    if (i === s.length) return j === p.length;
    if (s[i] === '…') {
      for (let k = j; k <= p.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < p.length && s[i] === p[j] && go(i + 1, j + 1);
  };
  if (go(0, 0)) return null;
  const first = s.findIndex((x, k) => x !== '…' && x !== p[k]);
  return `first difference at shown line ${first + 1}:\n  shown:   ${s[first]}\n  printed: ${p[first]}`;
}

describe('README commands print what the README shows (built CLI)', () => {
  const work = mkdtempSync(join(tmpdir(), 'fedage-readme-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  for (const dir of ['scenarios', 'fixtures']) symlinkSync(join(REPO_ROOT, dir), join(work, dir));

  test('the matcher: masks timings, "…" skips lines, a changed figure fails', () => {
    assert.equal(matchesShown(['done in 3.2 s', '…', 'end'], ['done in 10.0 s', 'a', 'b', 'end']), null);
    assert.notEqual(matchesShown(['target 19.4%'], ['target 20.4%']), null);
    assert.notEqual(matchesShown(['a'], ['a', 'b']), null);
  });

  const commands = shownCommands(readme);
  test('the README shows commands with their output', () => {
    assert.ok(commands.length >= 10, `${commands.length} commands`);
  });
  for (const c of commands) {
    test(`README.md:${c.line}: fedage ${c.args.join(' ')}`, () => {
      const r = spawnSync(process.execPath, [BIN, ...c.args], { cwd: work, encoding: 'utf8', env: { ...process.env, FEDAGE_PROGRESS_INTERVAL_MS: '3600000' } });
      assert.ok(r.status === 0 || r.status === 2 || r.status === 3, `exit ${r.status}: ${r.stderr}`);
      // Progress and timing lines on stderr ("generate: site 1/3 ...", "bench: 55 arm runs ... in 21.0 s") are not shown in the README.
      const stderr = r.stderr.split('\n').filter((l) => l !== '' && !PROGRESS_LINE.test(l));
      const stdout = r.stdout === '' ? [] : r.stdout.replace(/\n$/, '').split('\n');
      const printedLines = [...stdout, ...stderr];
      // A command shown with no output before the next prompt (a setup step): only its success is checked.
      if (c.shown.length === 0) return assert.equal(r.status, 0, r.stderr);
      const diff = matchesShown(c.shown, printedLines);
      assert.equal(diff, null, `README.md:${c.line} fedage ${c.args.join(' ')}: ${diff}\n--- printed ---\n${printedLines.join('\n')}`);
    });
  }
});
