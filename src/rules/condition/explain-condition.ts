/**
 * @module "Why didn't my rule fire?": evaluates a condition like `compileExpr` and, when it is
 * false, names the smallest clause responsible and what the event held instead.
 *
 * Works on the same normal form and compiles each clause with the same code as `compileExpr`,
 * so `matched` always equals the compiled predicate's result.
 */
import type { Expr, FieldRef, Span } from './ast.js';
import { compileNode, compileValue, type CompileConditionOptions } from './compile-condition.js';
import { lowerCondition, type CondNode } from './lower-condition.js';

export interface ConditionExplanation {
  readonly matched: boolean;
  /** When not matched: the clause that decided it, as offsets into the condition text. */
  readonly failed?: { readonly span: Span; readonly reason: string };
}

const MAX_VALUE_CHARS = 80;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A field as written in a condition: `event.a.b`, `event.urls["http://x"]`, `event.xs[-1]`. */
export function formatField(field: FieldRef): string {
  let out: string = field.root;
  for (const seg of field.path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += IDENT.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A value for a message: JSON-like, bigints as digits, shortened when long. */
export function formatValue(v: unknown): string {
  let s: string;
  if (v === undefined) s = 'undefined';
  else if (typeof v === 'bigint') s = v.toString();
  else {
    try {
      s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'field':
      return formatField(e);
    case 'literal':
      return formatValue(e.value);
    case 'list':
      return `[${e.items.map(formatExpr).join(', ')}]`;
    case 'binary':
      return `${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)}`;
    default:
      return '(…)';
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

type Bindings = Readonly<Record<string, unknown>>;

interface ExplainContext {
  readonly boundNames: ReadonlySet<string>;
  readonly obj: unknown;
  readonly bindings: Bindings;
}

/** The reading of an operand, or a "not defined" reason when it is missing. */
function read(e: Expr, ctx: ExplainContext): { value: unknown; missing?: string } {
  const value = compileValue(e, ctx.boundNames)(ctx.obj, ctx.bindings);
  if (value !== undefined) return { value };
  return { value, missing: `${formatExpr(e)} is not defined` };
}

function describe(e: Expr, value: unknown): string {
  return e.kind === 'literal' || e.kind === 'list' ? formatExpr(e) : `${formatExpr(e)} is ${formatValue(value)}`;
}

function leafReason(node: Exclude<CondNode, { t: 'and' | 'or' }>, ctx: ExplainContext): string {
  switch (node.t) {
    case 'const':
      return 'the condition is always false';
    case 'defined': {
      const v = compileValue(node.field, ctx.boundNames)(ctx.obj, ctx.bindings);
      return node.negated
        ? `${formatField(node.field)} is defined (${formatValue(v)}), expected it not to be`
        : `${formatField(node.field)} is not defined`;
    }
    case 'cmp': {
      let { left, right } = node;
      if (left.kind === 'literal' && right.kind !== 'literal') [left, right] = [right, left];
      const op = left === node.left ? node.op : flip(node.op);
      const l = read(left, ctx);
      if (l.missing !== undefined) return l.missing;
      const r = read(right, ctx);
      if (r.missing !== undefined) return r.missing;
      if (node.implicit) return `${formatExpr(left)} is ${formatValue(l.value)}, expected ${op === '==' ? '' : 'anything but '}true`;
      const lt = typeName(l.value);
      const rt = typeName(r.value);
      if (l.value !== null && r.value !== null && lt !== rt) {
        return `${describe(left, l.value)} (${lt}), which cannot be compared with ${formatValue(r.value)} (${rt})`;
      }
      if (right.kind === 'literal' || right.kind === 'list') return `${describe(left, l.value)}, expected ${op} ${formatExpr(right)}`;
      return `${describe(left, l.value)} and ${describe(right, r.value)}, expected ${formatExpr(left)} ${op} ${formatExpr(right)}`;
    }
    case 'member': {
      const l = read(node.left, ctx);
      if (l.missing !== undefined) return l.missing;
      const r = read(node.right, ctx);
      if (r.missing !== undefined) return r.missing;
      const rhs = node.right.kind === 'field' ? `${formatExpr(node.right)} (${formatValue(r.value)})` : formatExpr(node.right);
      return `${describe(node.left, l.value)}, expected ${node.op} ${rhs}`;
    }
    case 'search':
    case 'select':
    case 'selectattr': {
      const s = read(node.operand, ctx);
      if (s.missing !== undefined) return s.missing;
      const argument = node.t === 'search' ? node.pattern : node.value;
      const a = read(argument, ctx);
      if (a.missing !== undefined) return a.missing;
      return `${describe(node.operand, s.value)}, expected ${node.inverted ? 'not (' : ''}${testText(node)}${node.inverted ? ')' : ''}`;
    }
  }
}

function flip(op: Extract<CondNode, { t: 'cmp' }>['op']): Extract<CondNode, { t: 'cmp' }>['op'] {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op;
}

function testText(node: Extract<CondNode, { t: 'search' | 'select' | 'selectattr' }>): string {
  const is = node.negated ? 'is not' : 'is';
  switch (node.t) {
    case 'search': {
      const opts = [node.ignorecase ? 'ignorecase=true' : '', node.multiline ? 'multiline=true' : ''].filter(Boolean);
      return `${is} ${node.kind}(${[formatExpr(node.pattern), ...opts].join(', ')})`;
    }
    case 'select':
      return `${is} select(${JSON.stringify(node.op)}, ${formatExpr(node.value)})`;
    case 'selectattr':
      return `${is} selectattr(${JSON.stringify(node.key.join('.'))}, ${JSON.stringify(node.op)}, ${formatExpr(node.value)})`;
  }
}

function explainNode(node: CondNode, ctx: ExplainContext): ConditionExplanation {
  switch (node.t) {
    case 'and': {
      for (const item of node.items) {
        const r = explainNode(item, ctx);
        if (!r.matched) return r;
      }
      return { matched: true };
    }
    case 'or': {
      const reasons: string[] = [];
      for (const item of node.items) {
        const r = explainNode(item, ctx);
        if (r.matched) return { matched: true };
        if (r.failed !== undefined) reasons.push(r.failed.reason);
      }
      return { matched: false, failed: { span: node.span, reason: `no alternative matched: ${reasons.join('; ')}` } };
    }
    default: {
      const matched = compileNode(node, { boundNames: ctx.boundNames, generic: false })(ctx.obj, ctx.bindings);
      return matched ? { matched } : { matched, failed: { span: node.span, reason: leafReason(node, ctx) } };
    }
  }
}

/**
 * Evaluates `expr` against `obj` (and the objects bound so far) and, when false, reports the
 * clause responsible: for `and`, the first false operand (recursively); for `or`, the whole
 * or-expression with the reasons of each alternative. `not` is pushed down first (see
 * lower-condition.ts), so `not (a or b)` reports whichever of `not a`, `not b` failed.
 * Slower than `compileExpr` (compiles per call): meant for dry-runs and decision records.
 */
export function explainExpr(expr: Expr, obj: unknown, bindings: Bindings = {}, options: CompileConditionOptions = {}): ConditionExplanation {
  const ctx: ExplainContext = { boundNames: options.boundNames ?? new Set(), obj, bindings };
  return explainNode(lowerCondition(expr), ctx);
}
