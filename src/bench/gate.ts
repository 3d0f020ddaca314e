/**
 * CI gates: `--gate "fedavg.auc >= central.auc - 0.02"` and `--max-gap 0.02`.
 *
 * Grammar (one comparison per gate; write several --gate flags for a range):
 *   gate    = operand OP operand          OP ∈ >=  <=  >  <
 *   operand = term | term (+|-) number
 *   term    = number | ARM.METRIC
 * An ARM is everything before the last `.` that is followed by a metric name, so arm names
 * may contain dots, `+`, `-`, `:` and parentheses (`local:site-2`, `fedavg+dp(eps=0.5)`).
 *
 * Parsing happens before any training (a typo costs nothing) and throws UsageError (exit 2);
 * a gate that evaluates false is reported in its GateOutcome, and the CLI turns failures into
 * GateFailed (exit 3).
 */
import { UsageError } from '../errors.js';
import { closestMatch } from '../scenario/did-you-mean.js';

/** Metrics a gate may name: the pooled test metrics of a bench arm, averaged over seeds. */
export const GATE_METRICS = ['auc', 'auprc', 'f1', 'accuracy', 'brier', 'ece', 'worst_site_auc'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];

/** Metrics where smaller is better, so a "gap" gate bounds them from above. */
export const LOWER_IS_BETTER: ReadonlySet<GateMetric> = new Set<GateMetric>(['brier', 'ece']);

export const COMPARISON_OPERATORS = ['>=', '<=', '>', '<'] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

export type GateTerm = { kind: 'number'; value: number } | { kind: 'metric'; arm: string; metric: GateMetric };

/** term + offset (offset is negative for `term - number`). */
export interface GateOperand {
  term: GateTerm;
  offset: number;
}

export interface Gate {
  /** Canonical text, e.g. `fedavg.auc >= central.auc - 0.02` (what reports show). */
  expression: string;
  /** The text as given on the command line or in the scenario. */
  source: string;
  left: GateOperand;
  operator: ComparisonOperator;
  right: GateOperand;
}

export interface GateOutcome {
  expression: string;
  passed: boolean;
  /** Value of each side (offset applied); null when a metric was undefined. */
  left: number | null;
  right: number | null;
  /** e.g. `FAILED fedavg.auc >= central.auc - 0.02: 0.781 < 0.823 - 0.02 = 0.803`. */
  message: string;
}

/** Why a metric is undefined for an arm (e.g. "single-class test labels in every seed"), if known. */
export type ExplainUndefined = (arm: string, metric: GateMetric) => string | undefined;

const EXAMPLE = 'e.g. "fedavg.auc >= central.auc - 0.02"';
const UNSIGNED_NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const SIGNED_NUMBER = `[+-]?${UNSIGNED_NUMBER}`;
const NUMBER_ONLY = new RegExp(`^${SIGNED_NUMBER}$`);
const NUMBER_WITH_OFFSET = new RegExp(`^(${SIGNED_NUMBER})\\s*([+-])\\s*(${UNSIGNED_NUMBER})$`);
const OFFSET_ONLY = new RegExp(`^([+-])\\s*(${UNSIGNED_NUMBER})$`);
// Longest names first is not needed: every name is followed by a boundary check.
const METRIC_REFERENCE = new RegExp(`\\.(${GATE_METRICS.join('|')})(?=$|[\\s+-])`, 'g');
const ANY_DOTTED_WORD = /\.([A-Za-z_][A-Za-z0-9_]*)(?=$|[^A-Za-z0-9_])/g;

function invalid(source: string, problem: string): UsageError {
  return new UsageError(`invalid gate "${source}": ${problem}`);
}

function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(pattern)) last = match as RegExpExecArray;
  return last;
}

function formatOffset(offset: number): string {
  if (offset === 0) return '';
  return offset < 0 ? ` - ${String(-offset)}` : ` + ${String(offset)}`;
}

function formatTerm(term: GateTerm): string {
  return term.kind === 'number' ? String(term.value) : `${term.arm}.${term.metric}`;
}

export function formatOperand(operand: GateOperand): string {
  return `${formatTerm(operand.term)}${formatOffset(operand.offset)}`;
}

/** Canonical text of a gate; parseGate(formatGate(g)) gives g back. */
export function formatGate(gate: Pick<Gate, 'left' | 'operator' | 'right'>): string {
  return `${formatOperand(gate.left)} ${gate.operator} ${formatOperand(gate.right)}`;
}

/** One side of the comparison; `where` says which side, for messages. */
function parseOperand(text: string, source: string, where: string): GateOperand {
  if (text === '') throw invalid(source, `expected ARM.METRIC or a number ${where}, found nothing`);
  if (NUMBER_ONLY.test(text)) return { term: { kind: 'number', value: Number(text) }, offset: 0 };
  const numberWithOffset = NUMBER_WITH_OFFSET.exec(text);
  if (numberWithOffset) {
    const [, value, sign, offset] = numberWithOffset;
    return { term: { kind: 'number', value: Number(value) }, offset: (sign === '-' ? -1 : 1) * Number(offset) };
  }

  const reference = lastMatch(METRIC_REFERENCE, text);
  if (reference) {
    const arm = text.slice(0, reference.index).trim();
    const metric = reference[1] as GateMetric;
    const termText = text.slice(0, reference.index + reference[0].length);
    if (arm === '') throw invalid(source, `expected an arm name before ".${metric}" (${EXAMPLE})`);
    if (/\s/.test(arm)) throw invalid(source, `expected an arm name without spaces before ".${metric}", found "${arm}"`);
    const rest = text.slice(termText.length).trim();
    if (rest === '') return { term: { kind: 'metric', arm, metric }, offset: 0 };
    const offset = OFFSET_ONLY.exec(rest);
    if (!offset) throw invalid(source, `expected "+ <number>" or "- <number>" after "${termText}", found "${rest}"`);
    return { term: { kind: 'metric', arm, metric }, offset: (offset[1] === '-' ? -1 : 1) * Number(offset[2]) };
  }

  const dotted = lastMatch(ANY_DOTTED_WORD, text);
  if (dotted) {
    const word = dotted[1];
    const suggestion = closestMatch(word, GATE_METRICS);
    const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
    throw invalid(source, `unknown metric "${word}" in "${text}"; expected one of ${GATE_METRICS.join(', ')}${hint}`);
  }
  throw invalid(source, `expected ARM.METRIC (${EXAMPLE}) or a number ${where}, found "${text}"`);
}

/** Where the comparison operator is missing: after the first complete operand, if any. */
function missingOperatorError(source: string, text: string): UsageError {
  const expected = 'expected a comparison operator (>=, <=, >, <)';
  const unicode = /[≥≤]/.exec(text);
  if (unicode) return invalid(source, `${expected}; write ${unicode[0] === '≥' ? '>=' : '<='} instead of ${unicode[0]}`);
  METRIC_REFERENCE.lastIndex = 0;
  const first = METRIC_REFERENCE.exec(text);
  METRIC_REFERENCE.lastIndex = 0;
  let end = first ? first.index + first[0].length : (/^\S+/.exec(text)?.[0].length ?? 0);
  const offset = new RegExp(`^\\s*[+-]\\s*${UNSIGNED_NUMBER}(?=$|\\s)`).exec(text.slice(end));
  if (offset) end += offset[0].length;
  const after = text.slice(0, end).trim();
  const next = text.slice(end).trim().split(/\s+/)[0];
  const found = next ? `found "${next}"` : 'found the end of the expression';
  const equality = next === '=' || next === '==' ? ' (equality is not offered: floating-point metrics are compared with >= or <=)' : '';
  return invalid(source, `${expected} after "${after}", ${found}${equality}`);
}

/** Parses one `--gate` expression; throws UsageError saying what was expected where. */
export function parseGate(expression: string): Gate {
  const source = expression.trim();
  if (source === '') throw invalid(source, `expected ARM.METRIC OP operand (${EXAMPLE}), found an empty expression`);
  const operators = [...source.matchAll(/[<>]=?/g)];
  if (operators.length === 0) throw missingOperatorError(source, source);
  if (operators.length > 1) {
    const found = operators.map((m) => `"${m[0]}"`).join(' and ');
    throw invalid(source, `expected one comparison operator, found ${operators.length} (${found}); write one --gate per comparison`);
  }
  const match = operators[0];
  const operator = match[0] as ComparisonOperator;
  const left = parseOperand(source.slice(0, match.index).trim(), source, `before "${operator}"`);
  const right = parseOperand(source.slice(match.index + operator.length).trim(), source, `after "${operator}"`);
  if (left.term.kind === 'number' && right.term.kind === 'number') {
    throw invalid(source, `expected at least one ARM.METRIC (${EXAMPLE}); both sides are numbers`);
  }
  return { expression: formatGate({ left, operator, right }), source, left, operator, right };
}

/**
 * `--max-gap <gap>`: every federated arm within `gap` of central on `metric`. For a metric
 * where lower is better (brier, ece) the bound flips: `<arm>.brier <= central.brier + gap`.
 */
export function maxGapGates(gap: number, federatedArms: readonly string[], metric: string = 'auc'): Gate[] {
  if (!Number.isFinite(gap) || gap < 0) throw new UsageError(`--max-gap expects a non-negative number, found ${gap}`);
  if (!(GATE_METRICS as readonly string[]).includes(metric)) {
    throw new UsageError(`unknown gap metric "${metric}"; expected one of ${GATE_METRICS.join(', ')}`);
  }
  const gateMetric = metric as GateMetric;
  const lowerIsBetter = LOWER_IS_BETTER.has(gateMetric);
  return federatedArms
    .filter((arm) => arm !== 'central')
    .map((arm) => {
      const left: GateOperand = { term: { kind: 'metric', arm, metric: gateMetric }, offset: 0 };
      const right: GateOperand = { term: { kind: 'metric', arm: 'central', metric: gateMetric }, offset: lowerIsBetter ? gap : -gap };
      const operator: ComparisonOperator = lowerIsBetter ? '<=' : '>=';
      const expression = formatGate({ left, operator, right });
      return { expression, source: expression, left, operator, right };
    });
}

/**
 * Values this close (relative to their size, at least absolutely) count as equal, so a decimal
 * offset cannot flip a boundary case through binary rounding: 0.823 − 0.02 is
 * 0.8029999999999999 in doubles, and `0.803 >= central.auc - 0.02` should pass at 0.823.
 */
export const GATE_EQUALITY_TOLERANCE = 1e-12;

function relation(left: number, right: number): '=' | '<' | '>' {
  const scale = Math.max(1, Math.abs(left), Math.abs(right));
  if (Math.abs(left - right) <= GATE_EQUALITY_TOLERANCE * scale) return '=';
  return left < right ? '<' : '>';
}

function holds(operator: ComparisonOperator, actual: '=' | '<' | '>'): boolean {
  switch (operator) {
    case '>=':
      return actual !== '<';
    case '<=':
      return actual !== '>';
    case '>':
      return actual === '>';
    case '<':
      return actual === '<';
  }
}

/** Decimals that show the two sides as different when they are (3 at least). */
function decimalsFor(left: number, right: number, actual: '=' | '<' | '>'): number {
  if (actual === '=') return 3;
  for (let digits = 3; digits < 15; digits++) {
    if (left.toFixed(digits) !== right.toFixed(digits)) return digits;
  }
  return 15;
}

/** `0.823 - 0.02 = 0.803` for an operand with an offset, `0.781` without. */
function describeValue(operand: GateOperand, base: number, value: number, digits: number): string {
  if (operand.offset === 0) return value.toFixed(digits);
  return `${base.toFixed(digits)}${formatOffset(operand.offset)} = ${value.toFixed(digits)}`;
}

function unknownArmsError(gates: readonly Gate[], knownArms: readonly string[]): UsageError | undefined {
  const known = new Set(knownArms);
  const problems: string[] = [];
  for (const gate of gates) {
    for (const operand of [gate.left, gate.right]) {
      if (operand.term.kind !== 'metric' || known.has(operand.term.arm)) continue;
      const suggestion = closestMatch(operand.term.arm, knownArms);
      const hint = suggestion ? `; did you mean "${suggestion}"?` : '';
      problems.push(`unknown arm "${operand.term.arm}" in gate "${gate.source}"${hint}`);
    }
  }
  if (problems.length === 0) return undefined;
  const list = knownArms.length > 0 ? knownArms.join(', ') : '(none)';
  return new UsageError([...new Set(problems), `known arms: ${list}`].join('\n'));
}

/**
 * Evaluates every gate. An arm not in `knownArms` is a usage error (exit 2), checked for all
 * gates before any is evaluated. A metric that is undefined (lookup → null) fails its gate with
 * a message saying so and, when `explainUndefined` knows, why.
 */
export function evaluateGates(
  gates: readonly Gate[],
  lookup: (arm: string, metric: GateMetric) => number | null,
  knownArms: readonly string[],
  explainUndefined?: ExplainUndefined,
): GateOutcome[] {
  const unknown = unknownArmsError(gates, knownArms);
  if (unknown) throw unknown;

  return gates.map((gate) => {
    const undefinedReasons: string[] = [];
    const baseOf = (operand: GateOperand): number | null => {
      const term = operand.term;
      if (term.kind === 'number') return term.value;
      const value = lookup(term.arm, term.metric);
      // A NaN would compare false either way and pass a `not <` reading; treat it as undefined.
      if (value !== null && Number.isFinite(value)) return value;
      const why = explainUndefined?.(term.arm, term.metric) ?? (value === null ? undefined : `its value is ${value}`);
      undefinedReasons.push(`${term.arm}.${term.metric} is undefined${why ? ` (${why})` : ''}`);
      return null;
    };
    const leftBase = baseOf(gate.left);
    const rightBase = baseOf(gate.right);
    if (leftBase === null || rightBase === null) {
      return {
        expression: gate.expression,
        passed: false,
        left: leftBase === null ? null : leftBase + gate.left.offset,
        right: rightBase === null ? null : rightBase + gate.right.offset,
        message: `FAILED ${gate.expression}: ${undefinedReasons.join('; ')}`,
      };
    }
    const left = leftBase + gate.left.offset;
    const right = rightBase + gate.right.offset;
    const actual = relation(left, right);
    const passed = holds(gate.operator, actual);
    const digits = decimalsFor(left, right, actual);
    const numbers = `${describeValue(gate.left, leftBase, left, digits)} ${actual} ${describeValue(gate.right, rightBase, right, digits)}`;
    return { expression: gate.expression, passed, left, right, message: `${passed ? 'passed' : 'FAILED'} ${gate.expression}: ${numbers}` };
  });
}
