/** The progress renderer: plain lines off a terminal (rate-limited by a fake clock), silence with quiet. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createProgress, progressLine } from '../../src/cli/progress.js';

function sink(): { stream: Writable & { isTTY?: boolean }; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter((l) => l !== '') };
}

describe('createProgress (plain lines)', () => {
  test('nothing before the delay, then at most one line per interval, a new phase after a quarter interval, always the end', () => {
    let t = 0;
    const out = sink();
    const p = createProgress('job', { isTty: false, stream: out.stream, intervalMs: 1000, delayMs: 500, now: () => t });
    p.update({ done: 1, total: 10, detail: 'a', phase: 'x' }); // t=0 < delay: silent
    t = 400;
    p.update({ done: 2, total: 10, detail: 'b', phase: 'x' }); // still before the delay
    t = 600;
    p.update({ done: 3, total: 10, detail: 'c', phase: 'x' }); // first line
    t = 700;
    p.update({ done: 4, total: 10, detail: 'd', phase: 'y' }); // new phase but only 100 ms after: silent
    t = 1000;
    p.update({ done: 5, total: 10, detail: 'e', phase: 'z' }); // new phase, 400 ms >= 250: line
    t = 1500;
    p.update({ done: 6, total: 10, detail: 'f', phase: 'z' }); // same phase, 500 ms < 1000: silent
    t = 2000;
    p.update({ done: 7, total: 10, detail: 'g', phase: 'z' }); // interval passed: line
    t = 2001;
    p.update({ done: 10, total: 10, detail: 'h', phase: 'z' }); // the end: always
    p.update({ done: 10, total: 10, detail: 'h2', phase: 'z' }); // the end only once
    assert.deepEqual(out.lines(), ['job: [3/10] c', 'job: [5/10] e', 'job: [7/10] g', 'job: [10/10] h']);
  });

  test('a quick job that finishes prints only its end; unknown totals print no count', () => {
    const out = sink();
    const p = createProgress('job', { isTty: false, stream: out.stream, intervalMs: 1000, now: () => 0 });
    p.update({ done: 1, total: 0, detail: 'step 1' });
    p.update({ done: 3, total: 3, detail: 'all done' });
    assert.deepEqual(out.lines(), ['job: [3/3] all done']);
    assert.equal(progressLine('job', { done: 2, total: 0, detail: 'x' }), 'job: x');
    assert.equal(progressLine('job', { done: 2, total: 5, detail: 'site 2/5', counted: false }), 'job: site 2/5');
  });

  test('quiet prints nothing, whatever the updates', () => {
    const out = sink();
    const p = createProgress('job', { quiet: true, isTty: false, stream: out.stream, intervalMs: 0, delayMs: 0 });
    for (let k = 1; k <= 5; k++) p.update({ done: k, total: 5, detail: String(k), phase: String(k) });
    p.stop();
    assert.deepEqual(out.lines(), []);
  });
});
