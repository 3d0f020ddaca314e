/**
 * The browser test's Chromium: the choice (FEDAGE_CHROMIUM, else a system Chromium, else the
 * packaged one) with the existence check injected, the missing-library parse of `ldd`, and the
 * packaged browser's extraction for real: two concurrent extractions into one cache directory
 * that holds a stale, incomplete copy end with one complete directory, no staging leftovers and
 * a binary that runs; a third call reuses it; an hour-old staging directory is swept.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CHROMIUM_ENV, chooseChromium, extractPackagedChromium, lddMissing, packagedChromiumEnv, packagedChromiumPackage, SYSTEM_CHROMIUM_PATHS } from './chromium.js';

describe('chooseChromium', () => {
  const only = (...present: string[]) => (p: string) => present.includes(p);

  test('no variable: the system Chromium when it is there, else the packaged one', () => {
    assert.deepEqual(chooseChromium({}, only('/usr/bin/chromium')), { source: 'system', executablePath: '/usr/bin/chromium' });
    assert.deepEqual(chooseChromium({}, only()), { source: 'packaged', reason: 'no-system' });
    // Something else at another path is not taken for a system Chromium.
    assert.deepEqual(chooseChromium({}, only('/usr/bin/chromium-browser', '/opt/chrome')), { source: 'packaged', reason: 'no-system' });
    assert.deepEqual(SYSTEM_CHROMIUM_PATHS, ['/usr/bin/chromium']);
  });

  test('the first executable of the system paths, in order', () => {
    assert.deepEqual(chooseChromium({}, only('/b'), ['/a', '/b', '/c']), { source: 'system', executablePath: '/b' });
    assert.deepEqual(chooseChromium({}, only('/c', '/a'), ['/a', '/b', '/c']), { source: 'system', executablePath: '/a' });
  });

  test('FEDAGE_CHROMIUM=<path> wins over the system Chromium; a missing path is an error naming it', () => {
    assert.deepEqual(chooseChromium({ [CHROMIUM_ENV]: '/opt/chrome' }, only('/opt/chrome', '/usr/bin/chromium')), { source: 'env', executablePath: '/opt/chrome' });
    assert.throws(() => chooseChromium({ [CHROMIUM_ENV]: '/nowhere/chromium' }, only('/usr/bin/chromium')), /FEDAGE_CHROMIUM=\/nowhere\/chromium: not an executable file/);
  });

  test('FEDAGE_CHROMIUM=packaged forces the packaged one; empty means unset', () => {
    assert.deepEqual(chooseChromium({ [CHROMIUM_ENV]: 'packaged' }, only('/usr/bin/chromium')), { source: 'packaged', reason: 'forced' });
    assert.deepEqual(chooseChromium({ [CHROMIUM_ENV]: '' }, only('/usr/bin/chromium')), { source: 'system', executablePath: '/usr/bin/chromium' });
    assert.deepEqual(chooseChromium({ [CHROMIUM_ENV]: '  ' }, only()), { source: 'packaged', reason: 'no-system' });
  });

  test('the real existence check: this test file is not executable, node is', () => {
    assert.deepEqual(chooseChromium({ [CHROMIUM_ENV]: process.execPath }), { source: 'env', executablePath: process.execPath });
    assert.throws(() => chooseChromium({ [CHROMIUM_ENV]: new URL(import.meta.url).pathname }), /not an executable file/);
  });
});

test('lddMissing lists exactly the unresolved libraries', () => {
  const ldd = [
    '\tlinux-vdso.so.1 (0x00007ffd)',
    '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f87)',
    '\tlibnspr4.so => not found',
    '\tlibnss3.so => not found',
    '\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f87)',
    '\t/lib64/ld-linux-x86-64.so.2 (0x00007f87)',
  ].join('\n');
  assert.deepEqual(lddMissing(ldd), ['libnspr4.so', 'libnss3.so']);
  assert.deepEqual(lddMissing(ldd.replaceAll('not found', '/usr/lib/x.so (0x1)')), []);
});

describe('the packaged Chromium', { skip: process.platform !== 'linux' || process.arch !== 'x64' ? '@sparticuz/chromium ships Linux x64 only' : false }, () => {
  const cacheRoot = mkdtempSync(join(tmpdir(), 'fedage-chromium-cache-test-'));
  after(() => rmSync(cacheRoot, { recursive: true, force: true }));

  test('two concurrent extractions over a stale copy: one complete directory that runs, reused afterwards', async () => {
    const { version } = packagedChromiumPackage();
    const expected = join(cacheRoot, `fedage-chromium-${version}-x64-uid${process.getuid!()}`);
    // A copy a temp cleaner has emptied: the directory is there, the binary is not.
    mkdirSync(join(expected, 'fonts'), { recursive: true });
    writeFileSync(join(expected, 'fedage-extracted.json'), '{}');
    // A staging directory a killed run left two hours ago: swept.
    const leftover = join(cacheRoot, `fedage-chromium-${version}-staging-killed`);
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'chromium'), 'half');
    const twoHoursAgo = new Date(Date.now() - 7_200_000);
    utimesSync(leftover, twoHoursAgo, twoHoursAgo);

    const [a, b] = await Promise.all([extractPackagedChromium(cacheRoot), extractPackagedChromium(cacheRoot)]);
    assert.equal(a.dir, expected);
    assert.deepEqual(a, b);
    assert.deepEqual(readdirSync(cacheRoot), [`fedage-chromium-${version}-x64-uid${process.getuid!()}`], 'no staging or stale directory left');
    assert.ok(statSync(a.executablePath).size > 100_000_000, 'the whole binary');

    // It runs, and is the version the package names (its major is the Chromium major).
    const { env } = await packagedChromiumEnv(a);
    const out = execFileSync(a.executablePath, ['--version'], { env, encoding: 'utf8' });
    assert.match(out, new RegExp(`^Chromium ${version.split('.')[0]}\\.`));
    // With the bundled libraries forced first, it still loads (the path a system without NSS takes).
    const bundled = execFileSync(a.executablePath, ['--version'], { env: { ...env, LD_LIBRARY_PATH: a.libDir }, encoding: 'utf8' });
    assert.equal(bundled, out);
    assert.ok(existsSync(join(a.fontconfigDir, 'fonts.conf')));

    // A later call finds it complete and extracts nothing: same inode, same mtime.
    const before = statSync(a.executablePath);
    const c = await extractPackagedChromium(cacheRoot);
    const again = statSync(c.executablePath);
    assert.equal(c.dir, expected);
    assert.equal(again.ino, before.ino);
    assert.equal(again.mtimeMs, before.mtimeMs);
  });
});
