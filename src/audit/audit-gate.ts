/**
 * Gates on an audit (`fedage audit --gate 'audit.violations == 0'`): `audit.<quantity> OP number`
 * with OP one of == != >= <= > <. Quantities: violations (arms whose ε̂ exceeds the accountant's
 * ε), max_epsilon_lower_bound (over DP arms), arms. Parsed before any training (UsageError, exit 2).
 */
import { UsageError } from '../errors.js';
import type { AuditResult } from './types.js';

export const AUDIT_GATE_QUANTITIES = ['violations', 'max_epsilon_lower_bound', 'arms'] as const;
type Quantity = (typeof AUDIT_GATE_QUANTITIES)[number];
const OPS = ['==', '!=', '>=', '<=', '>', '<'] as const;
type Op = (typeof OPS)[number];

export interface AuditGate {
  expression: string;
  quantity: Quantity;
  op: Op;
  value: number;
}

const PATTERN = /^\s*audit\.([a-z_]+)\s*(==|!=|>=|<=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$/;

export function parseAuditGate(source: string): AuditGate {
  const m = PATTERN.exec(source);
  if (!m) throw new UsageError(`invalid audit gate "${source}": expected audit.<${AUDIT_GATE_QUANTITIES.join('|')}> <${OPS.join('|')}> <number>, e.g. "audit.violations == 0"`);
  if (!(AUDIT_GATE_QUANTITIES as readonly string[]).includes(m[1])) throw new UsageError(`invalid audit gate "${source}": unknown quantity "${m[1]}"; expected one of ${AUDIT_GATE_QUANTITIES.join(', ')}`);
  return { expression: `audit.${m[1]} ${m[2]} ${Number(m[3])}`, quantity: m[1] as Quantity, op: m[2] as Op, value: Number(m[3]) };
}

function quantity(r: Pick<AuditResult, 'violations' | 'arms'>, q: Quantity): number {
  if (q === 'violations') return r.violations.length;
  if (q === 'arms') return r.arms.length;
  return Math.max(0, ...r.arms.filter((a) => a.accountantEpsilon !== null).map((a) => a.epsilonLowerBound));
}

const COMPARE: Record<Op, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
};

export function evaluateAuditGates(gates: readonly AuditGate[], r: Pick<AuditResult, 'violations' | 'arms'>): AuditResult['gates'] {
  return gates.map((g) => {
    const value = quantity(r, g.quantity);
    const passed = COMPARE[g.op](value, g.value);
    return { expression: g.expression, passed, value, message: `${passed ? 'passed' : 'FAILED'} ${g.expression}: audit.${g.quantity} = ${value}` };
  });
}
