/**
 * report.html in a real browser: headless Chromium driven by playwright-core opens the report
 * from a file:// URL (a plain run and one with DP arms) and checks that nothing errs or fetches,
 * that every plot drew marks, that a 400 px window never scrolls sideways and shows the narrow
 * plots, and that print shows the table fallbacks. Screenshots go to a temp directory (printed
 * as test diagnostics) for a human look.
 *
 * The browser (test/support/chromium.ts): FEDAGE_CHROMIUM when set, else a system Chromium
 * (/usr/bin/chromium) when present, else the one inside the @sparticuz/chromium devDependency,
 * so `npm ci && npm test` runs this test on a machine with no browser installed. The suite's
 * name and a diagnostic say which one ran.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { withDp } from '../report/helpers.js';
import { chooseChromium, packagedChromiumPackage, resolveChromium, type ChromiumLaunch } from '../support/chromium.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function fedage(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/fedage.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface FigureState {
  id: string;
  title: string;
  visiblePlots: number;
  variant: string;
  width: number;
  height: number;
  figureWidth: number;
  marks: number;
  svgText: string;
  /** The table fallback is rendered (checkVisibility: not in a closed <details>, not display:none). */
  tableVisible: boolean;
}

/** Each figure as the browser lays it out: which rendering shows, its size, its drawn marks. */
const FIGURE_STATE = `[...document.querySelectorAll('figure[data-figure]')].map((f) => {
  const plots = [...f.querySelectorAll('.plot')].filter((p) => getComputedStyle(p).display !== 'none');
  const svg = plots[0] ? plots[0].querySelector('svg') : null;
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  const marks = svg ? svg.querySelectorAll('g.role-mark > path, g.role-mark > line, g.role-mark > rect, g.role-mark > g > path').length : 0;
  const table = f.querySelector('details table');
  return {
    id: f.dataset.figure,
    title: f.querySelector('figcaption strong').textContent.replace(/\\.$/, ''),
    visiblePlots: plots.length,
    variant: plots[0] ? plots[0].className : '',
    width: box.width,
    height: box.height,
    figureWidth: f.clientWidth,
    marks,
    svgText: svg ? svg.textContent : '',
    tableVisible: table ? table.checkVisibility() && table.getBoundingClientRect().height > 0 : false,
  };
})`;

// Chosen when the file loads so the suite's name says which browser runs; resolved (the
// packaged one extracted, once per machine) in before().
const CHOICE = chooseChromium(process.env);
const BROWSER_NAME = CHOICE.source === 'packaged' ? 'packaged @sparticuz/chromium' : CHOICE.source === 'system' ? `system ${CHOICE.executablePath}` : `FEDAGE_CHROMIUM ${CHOICE.executablePath}`;

describe(`report.html in headless Chromium (${BROWSER_NAME})`, () => {
  let root: string;
  let shots: string;
  let context: BrowserContext;
  let browser: ChromiumLaunch;
  let profile: string;
  const reports: Record<string, { file: string; figures: string[] }> = {};

  before(async () => {
    browser = await resolveChromium(CHOICE);
    root = mkdtempSync(join(tmpdir(), 'fedage-report-browser-'));
    shots = mkdtempSync(join(tmpdir(), 'fedage-report-screenshots-'));
    const out = join(root, 'bench');
    const run = fedage('bench', 'scenarios/alzheimers-3site.yaml', '--seeds', '2', '--rounds', '4', '--arms', 'central,local,fedavg,scaffold', '--out', out);
    assert.equal(run.status, 0, run.stderr);
    reports.plain = {
      file: join(out, 'report.html'),
      // The consortium dashboard's figures (issue 18) come between communication and data.
      figures: ['headline-auc', 'headline-f1', 'convergence', 'site-auc', 'communication-round', 'communication-cumulative', 'subgroup-heatmap', 'shapley', 'drift-timeline', 'client-drift', 'label-prevalence', 'feature-shift', 'feature-distributions'],
    };
    // The same run with DP arms and secure-aggregation traffic as issue 5 will record them.
    const dpResults = join(root, 'results-dp.json');
    writeFileSync(dpResults, JSON.stringify(withDp(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')))));
    const dp = fedage('report', dpResults, '--out', join(root, 'report-dp.html'));
    assert.equal(dp.status, 0, dp.stderr);
    reports.dp = { file: join(root, 'report-dp.html'), figures: [...reports.plain.figures.slice(0, 3), 'privacy-utility', ...reports.plain.figures.slice(3)] };

    profile = mkdtempSync(join(tmpdir(), 'fedage-chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: browser.executablePath,
      args: CHROMIUM_ARGS,
      ...(browser.env ? { env: browser.env } : {}),
      headless: true,
      viewport: { width: 1000, height: 900 },
    });
  });

  after(async () => {
    await context?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a report; returns the page and the problems it reports (console errors and warnings, page errors, any non-file request). */
  async function open(file: string): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`request: ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems };
  }

  test('the browser is the one chosen, and says so', async (t) => {
    const page = await context.newPage();
    const userAgent = (await page.evaluate('navigator.userAgent')) as string;
    await page.close();
    t.diagnostic(`browser: ${browser.description}`);
    t.diagnostic(`user agent: ${userAgent}`);
    const chrome = /(?:Headless)?Chrome\/(\d+)\./.exec(userAgent);
    assert.ok(chrome, `a Chromium user agent: ${userAgent}`);
    if (CHOICE.source === 'packaged') {
      // @sparticuz/chromium's major version is the Chromium major it ships.
      const { version } = packagedChromiumPackage();
      assert.equal(chrome[1], version.split('.')[0], `packaged @sparticuz/chromium ${version}, browser ${userAgent}`);
    }
  });

  for (const name of ['plain', 'dp']) {
    test(`${name}: no console error, every plot drawn with marks, title and axes; a screenshot`, async (t) => {
      const { file, figures } = reports[name];
      const { page, problems } = await open(file);
      const state = (await page.evaluate(FIGURE_STATE)) as FigureState[];
      assert.deepEqual(state.map((f) => f.id), figures);
      for (const f of state) {
        assert.equal(f.visiblePlots, 1, `${f.id}: one rendering shown`);
        assert.match(f.variant, /\bwide\b/, `${f.id}: the wide plot in a wide window`);
        assert.ok(f.width > 200 && f.height > 100, `${f.id}: drawn at ${f.width}×${f.height}`);
        assert.ok(f.width <= f.figureWidth, `${f.id}: inside its figure`);
        assert.ok(f.marks > 0, `${f.id}: ${f.marks} marks`);
        assert.ok(f.svgText.includes(f.title), `${f.id}: the plot shows its title`);
        assert.equal(f.tableVisible, false, `${f.id}: the table fallback is folded on screen`);
      }
      if (name === 'dp') {
        const privacy = state.find((f) => f.id === 'privacy-utility')!;
        assert.match(privacy.svgText, /privacy budget ε per site \(log scale; δ = 1e−5\)/);
        assert.ok(privacy.svgText.includes('fedavg') && privacy.svgText.includes('scaffold'));
      } else {
        assert.match(await page.textContent('#privacy') ?? '', /No differential privacy in this run/);
      }
      const shot = join(shots, `report-${name}-1000px.png`);
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 50_000);
      t.diagnostic(`screenshot: ${shot}`);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }

  test('a 400 px window: no sideways scrolling, the narrow plots, every plot inside its figure', async (t) => {
    const { page, problems } = await open(reports.dp.file);
    await page.setViewportSize({ width: 400, height: 800 });
    const widths = (await page.evaluate('[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]')) as number[];
    assert.ok(widths[0] <= widths[2] && widths[1] <= widths[2], `page ${widths[0]} px / body ${widths[1]} px in a ${widths[2]} px window`);
    const state = (await page.evaluate(FIGURE_STATE)) as FigureState[];
    for (const f of state) {
      assert.match(f.variant, /\bnarrow\b/, `${f.id}: the narrow plot in a narrow window`);
      assert.ok(f.width <= f.figureWidth && f.width > 250, `${f.id}: ${f.width} px in a ${f.figureWidth} px figure`);
      assert.ok(f.marks > 0, f.id);
    }
    // Wide tables scroll inside their own box.
    const overflowing = (await page.evaluate(`[...document.querySelectorAll('table')].filter((t) => t.getBoundingClientRect().right > window.innerWidth + 1 && !t.closest('.table-wrap')).length`)) as number;
    assert.equal(overflowing, 0);
    const shot = join(shots, 'report-dp-400px.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('print: the wide plots, no navigation, and every table fallback printed open', async () => {
    const { page, problems } = await open(reports.plain.file);
    await page.emulateMedia({ media: 'print' });
    const state = (await page.evaluate(FIGURE_STATE)) as FigureState[];
    for (const f of state) {
      assert.match(f.variant, /\bwide\b/, f.id);
      assert.equal(f.tableVisible, true, `${f.id}: table printed`);
    }
    assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('nav')).display`), 'none');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
