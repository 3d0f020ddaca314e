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
