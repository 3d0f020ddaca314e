/**
 * The site-model calibration cache (issue 19): calibrating a site (synth/site-model.ts
 * calibrateSite, ~0.35 s) was half of a small `generate` and a quarter of a bench from YAML. Its
 * result depends only on the seed, the site's settings and the calibration code, so it is kept on
 * disk under the SHA-256 of exactly those, and a hit returns the same numbers bit for bit (JSON
 * numbers round-trip doubles exactly; the liability sample is stored as its raw bytes): the
 * generated files are byte-identical with or without the cache.
 *
 * Where: $FEDAGE_CACHE_DIR, else the OS cache directory ($XDG_CACHE_HOME or ~/.cache on Linux,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows) under fedage/calibration/.
 * FEDAGE_CACHE_DIR=off turns it off. The cache is an optimization only: a missing, unreadable,
 * corrupt or foreign entry is recomputed (and rewritten), and a cache that cannot be written
 * (read-only home, full disk) is skipped silently.
 *
 * Invalidation: the key hashes the generator version (synth/version.ts), this file's format
 * number and the bytes of the compiled calibration modules, so a changed model never reads an
 * old entry. Concurrency: an entry is written to a uniquely named temp file and renamed into
 * place (atomic on one file system): two processes writing the same key at once each rename a
 * complete file of the same content, and a reader sees a whole entry or none.
 *
 * An entry is binary (format 2, `<key>.cal`): the magic bytes, a small JSON header (key,
 * thresholds and the scalars: JSON numbers round-trip doubles exactly), zero padding to a
 * multiple of 8, then the 40,000-value liability sample as raw float64 (the key includes the
 * byte order). Format 1 was JSON with the sample in base64: 427 KB per entry against 321 KB,
 * and slower to read.
 *
 * Size: every new code version and every seed adds entries, so the cache is bounded like ccache.
 * A hit refreshes the entry's modification time; after a store, the oldest entries beyond
 * CALIBRATION_CACHE_MAX_ENTRIES (about 64 MB) are deleted, with format-1 files and temp files
 * left by killed writers (older than an hour). Two processes pruning at once may race to delete
 * the same file: a missing file is not an error.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { endianness, homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ResolvedSite } from '../scenario/schema.js';
import { CALIBRATION_SAMPLE, calibrateSite, type SiteCalibration } from '../synth/site-model.js';
import { GENERATOR } from '../synth/version.js';
import { canonicalJson, sha256Hex } from './manifest.js';
import { packagePath } from '../package-root.js';

/** Bumped when the entry's layout changes. */
export const CALIBRATION_CACHE_FORMAT = 2;

/** The most entries kept (each ~321 KB: about 64 MB in all); the least recently used go first. */
export const CALIBRATION_CACHE_MAX_ENTRIES = 200;

const ENTRY_SUFFIX = '.cal';
/** 8 bytes: "FEDAGE", then the format as one byte, then a newline. */
const MAGIC = Buffer.from([0x46, 0x45, 0x44, 0x41, 0x47, 0x45, CALIBRATION_CACHE_FORMAT, 0x0a]);
/** Temp files older than this are from writers that died between write and rename. */
const STALE_TEMP_MS = 3_600_000;

/** The modules whose code decides a calibration (their compiled bytes are part of the key). */
const CALIBRATION_MODULES = ['synth/site-model.js', 'synth/frailty-model.js', 'random/normal.js', 'random/rng.js'];

let codeHash: string | null = null;
function calibrationCodeHash(): string {
  if (codeHash === null) {
    const parts = CALIBRATION_MODULES.map((m) => {
      try {
        return sha256Hex(readFileSync(packagePath('dist', 'src', m)));
      } catch {
        return 'unreadable';
      }
    });
    codeHash = sha256Hex(parts.join('\n'));
  }
  return codeHash;
}

/** The cache directory (fedage/calibration inside the OS cache directory), or null when off. */
export function calibrationCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const override = env.FEDAGE_CACHE_DIR;
  if (override !== undefined && override !== '') return override === 'off' ? null : join(override, 'calibration');
  const home = homedir();
  const base =
    platform() === 'win32'
      ? (env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'))
      : platform() === 'darwin'
        ? join(home, 'Library', 'Caches')
        : (env.XDG_CACHE_HOME || join(home, '.cache'));
  return join(base, 'fedage', 'calibration');
}

/**
 * The cache key of a site's calibration: everything calibrateSite reads (the seed and the
 * site's settings; not its patient count or name, which it never reads), the generator version
 * and the calibration code.
 */
export function calibrationKey(site: ResolvedSite, seed: number): string {
  const { patients: _patients, name: _name, ...settings } = site;
  return sha256Hex(
    canonicalJson({ format: CALIBRATION_CACHE_FORMAT, generator: GENERATOR, code: calibrationCodeHash(), endianness: endianness(), seed, site: settings }),
  );
}

/** The header of an entry: everything but the sample. */
type Header = { format: number; key: string } & Omit<SiteCalibration, 'liabilitySample'>;

const SCALARS = ['frailtyOffset', 'hazardCnToMci', 'hazardMciToAd', 'cognitionRefAge', 'cognitionRefEducation', 'mocaEducationPointRate'] as const;

/** An entry's bytes: magic, header length (uint32 LE), header JSON, zero padding to 8, the sample. */
export function encodeCalibration(key: string, c: SiteCalibration): Buffer {
  const header: Header = {
    format: CALIBRATION_CACHE_FORMAT,
    key,
    thresholds: c.thresholds,
    frailtyOffset: c.frailtyOffset,
    hazardCnToMci: c.hazardCnToMci,
    hazardMciToAd: c.hazardMciToAd,
    cognitionRefAge: c.cognitionRefAge,
    cognitionRefEducation: c.cognitionRefEducation,
    mocaEducationPointRate: c.mocaEducationPointRate,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const sampleAt = align8(MAGIC.length + 4 + json.length);
  const out = Buffer.alloc(sampleAt + c.liabilitySample.byteLength);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  out.set(new Uint8Array(c.liabilitySample.buffer, c.liabilitySample.byteOffset, c.liabilitySample.byteLength), sampleAt);
  return out;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** The calibration in an entry's bytes, or null when they are not a complete entry for `key`. */
export function decodeCalibration(key: string, bytes: Uint8Array): SiteCalibration | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const sampleAt = align8(MAGIC.length + 4 + headerLength);
  if (buffer.length !== sampleAt + CALIBRATION_SAMPLE * 8) return null;
  let e: Partial<Header>;
  try {
    e = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Partial<Header>;
  } catch {
    return null;
  }
  if (e === null || typeof e !== 'object' || e.format !== CALIBRATION_CACHE_FORMAT || e.key !== key) return null;
  if (!Array.isArray(e.thresholds) || e.thresholds.length !== 2 || !e.thresholds.every((t) => typeof t === 'number')) return null;
  if (!SCALARS.every((k) => typeof e[k] === 'number' && Number.isFinite(e[k]))) return null;
  // A copy into its own (aligned) buffer: the bytes may sit at any offset.
  const sample = new Float64Array(CALIBRATION_SAMPLE);
  new Uint8Array(sample.buffer).set(buffer.subarray(sampleAt));
  for (let i = 1; i < sample.length; i++) if (!(sample[i - 1] <= sample[i])) return null;
  return {
    thresholds: [e.thresholds[0], e.thresholds[1]],
    liabilitySample: sample,
    frailtyOffset: e.frailtyOffset as number,
    hazardCnToMci: e.hazardCnToMci as number,
    hazardMciToAd: e.hazardMciToAd as number,
    cognitionRefAge: e.cognitionRefAge as number,
    cognitionRefEducation: e.cognitionRefEducation as number,
    mocaEducationPointRate: e.mocaEducationPointRate as number,
  };
}

/** Where the entry of `key` lives in `dir`. */
export function calibrationEntryPath(dir: string, key: string): string {
  return join(dir, `${key}${ENTRY_SUFFIX}`);
}

/** Writes an entry atomically (temp file + rename), then prunes; any failure leaves no entry and is ignored. */
export function storeCalibration(dir: string, key: string, calibration: SiteCalibration, maxEntries = CALIBRATION_CACHE_MAX_ENTRIES): void {
  const path = calibrationEntryPath(dir, key);
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(dir, { recursive: true });
    const bytes = encodeCalibration(key, calibration);
    writeFileSync(temp, bytes);
    renameSync(temp, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no temp file could be made either
    }
    return;
  }
  pruneCalibrationCache(dir, maxEntries);
}

/**
 * Deletes the least recently used entries beyond `maxEntries` (by modification time: a hit
 * refreshes it), format-1 entries, and temp files older than an hour. Best effort: errors
 * (a file another process already deleted, a read-only directory) are ignored.
 */
export function pruneCalibrationCache(dir: string, maxEntries = CALIBRATION_CACHE_MAX_ENTRIES, nowMs = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const entries: { path: string; mtimeMs: number }[] = [];
  const remove = (path: string) => {
    try {
      rmSync(path, { force: true });
    } catch {
      // best effort
    }
  };
  for (const name of names) {
    const path = join(dir, name);
    if (/^[0-9a-f]{64}\.json$/.test(name)) {
      remove(path); // format 1
      continue;
    }
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      continue;
    }
    if (name.includes('.tmp-')) {
      if (nowMs - mtimeMs > STALE_TEMP_MS) remove(path);
    } else if (name.endsWith(ENTRY_SUFFIX)) {
      entries.push({ path, mtimeMs });
    }
  }
  if (entries.length <= maxEntries) return;
  entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
  for (const { path } of entries.slice(0, entries.length - maxEntries)) remove(path);
}

export interface CalibrationLookup {
  calibration: SiteCalibration;
  /** 'hit': read from the cache; 'miss': computed (and stored, if the cache is writable); 'off': computed, no cache. */
  source: 'hit' | 'miss' | 'off';
}

/** The site's calibration from the cache, or calibrated (and cached). */
export function cachedCalibration(site: ResolvedSite, seed: number, dir: string | null = calibrationCacheDir()): CalibrationLookup {
  if (dir === null) return { calibration: calibrateSite(site, seed), source: 'off' };
  const key = calibrationKey(site, seed);
  const path = calibrationEntryPath(dir, key);
  let bytes: Buffer | null = null;
  try {
    bytes = readFileSync(path);
  } catch {
    bytes = null;
  }
  const hit = bytes === null ? null : decodeCalibration(key, bytes);
  if (hit) {
    try {
      // Recently used: pruning deletes the entries used longest ago.
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // a read-only cache is still a cache
    }
    return { calibration: hit, source: 'hit' };
  }
  const calibration = calibrateSite(site, seed);
  storeCalibration(dir, key, calibration);
  return { calibration, source: 'miss' };
}
