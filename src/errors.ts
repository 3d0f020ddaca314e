/**
 * Typed errors carrying the process exit code. Only cli/program.ts turns them into an exit code.
 * 0 ok, 1 internal error, 2 usage or invalid input, 3 a bench gate or privacy budget failed.
 */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INPUT = 2;
export const EXIT_GATE = 3;

export class FedageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A wrong flag or command-line argument. */
export class UsageError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

/** One located problem in an input file. */
export interface InputProblem {
  file: string;
  /** 1-based; undefined when the problem has no position (e.g. an empty file). */
  line?: number;
  column?: number;
  /** YAML/JSON dot path, e.g. `sites[1].demographics.age.sd`; '' for the document. */
  path: string;
  expected: string;
  found: string;
}

export function formatProblem(p: InputProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const at = p.path ? ` at ${p.path}` : '';
  return `${where}${at}: expected ${p.expected}, found ${p.found}`;
}

/** Invalid input file(s): lists every problem found, not only the first. */
export class InputError extends FedageError {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[], summary?: string) {
    const lines = problems.map(formatProblem);
    const head = summary ?? `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${problems[0]?.file ?? 'input'}`;
    super([head, ...lines.map((l) => `  ${l}`)].join('\n'), EXIT_INPUT);
    this.problems = problems;
  }
}

/**
 * The one phrase every refusal to overwrite ends with (files and output directories alike):
 * "<path> already exists; use --force to overwrite", "<dir>: output directory is not empty; ...".
 */
export const OVERWRITE_HINT = 'use --force to overwrite';

/** An output that exists and may not be overwritten, or another refused file operation. */
export class OutputError extends FedageError {
  constructor(message: string) {
    super(message, EXIT_INPUT);
  }
}

/** A bench gate or privacy budget failed. */
export class GateFailed extends FedageError {
  constructor(message: string) {
    super(message, EXIT_GATE);
  }
}

/**
 * The machine refused a file operation (full disk, read-only file system, no permission, too
 * many open files): not a bug and not bad input, so exit 2 with one line naming the path.
 */
export class EnvironmentError extends OutputError {
  readonly path: string;
  readonly code: string;
  constructor(message: string, path: string, code: string) {
    super(message);
    this.path = path;
    this.code = code;
  }
}

const ENVIRONMENT_CODES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (file-size limit reached or disk full)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent of the path is not a directory',
  EISDIR: 'it is a directory',
  EXDEV: 'source and target are on different file systems',
};

/** True for errno codes that describe the machine, not a bug (see ENVIRONMENT_CODES). */
export function isEnvironmentCode(code: unknown): code is string {
  return typeof code === 'string' && Object.hasOwn(ENVIRONMENT_CODES, code);
}

/**
 * `error` as an EnvironmentError naming `path` and what was being done when it is an
 * environment errno (ENOSPC, EROFS, EACCES, ...); any other error unchanged.
 */
export function asEnvironmentError(error: unknown, path: string, action: string): unknown {
  if (error instanceof FedageError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (!isEnvironmentCode(code)) return error;
  return new EnvironmentError(`cannot ${action} ${path}: ${ENVIRONMENT_CODES[code]} (${code})`, path, code);
}
