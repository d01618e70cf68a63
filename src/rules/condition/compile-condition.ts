/**
 * @module Compiles a condition AST to a plain JavaScript predicate (closures only: no eval, no
 * `new Function`, no JSONata), because matching runs once per rule candidate per event.
 *
 * Semantics are upstream's (shared/spec/rulebook-language.md §2.3 + Errata), see
 * `lower-condition.ts` for `not` and `compare-values.ts` for comparisons. In short: a missing
 * attribute makes every test false except `is not defined`; comparisons between incompatible
 * types are false even for `!=`; numbers compare exactly across int/float/bigint; regular
 * expressions are Java's (`java-regex.ts`), compiled once when the pattern is a literal.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { Expr, FieldRef, Literal, PathSegment, SearchKind, SelectAttrOp, SelectOp, Span } from './ast.js';
import {
  addValues,
  compareNumbers,
  compareValues,
  javaToString,
  listContains,
  numbersEqual,
  selectItemTest,
  subtractValues,
  type ComparisonOp,
} from './compare-values.js';
import { compileJavaRegex, JavaRegexError, type JavaRegexFlags } from './java-regex.js';
import { lowerCondition, type CondNode } from './lower-condition.js';

/**
 * Tests one object. `obj` is the event or fact being matched (`event.`/`fact.`, and
 * `events.X`/`facts.X` for an X that is not a bound name); `bindings` holds the objects already
 * bound by earlier patterns of the rule (`events.m_0.x` reads `bindings.m_0.x`).
 */
export type Predicate = (obj: unknown, bindings: Readonly<Record<string, unknown>>) => boolean;

/** Reads a value; `undefined` means the attribute is missing. */
export type ValueReader = (obj: unknown, bindings: Readonly<Record<string, unknown>>) => unknown;

export interface CompileConditionOptions {
  /**
   * Binding names of the rule's patterns (`m_0`, `m_1`, aliases). `events.NAME.…` and
   * `facts.NAME.…` read from `bindings[NAME]` when NAME is in this set and from the matched
   * object otherwise. Default: none.
   */
  readonly boundNames?: ReadonlySet<string>;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** Keys whose plain property read could see something other than an own JSON member. */
function needsSafeRead(key: string): boolean {
  return key === '__proto__' || key === 'length' || /^(?:0|[1-9]\d*)$/.test(key);
}

function safeRead(cur: unknown, key: string): unknown {
  if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
  const d = Object.getOwnPropertyDescriptor(cur, key);
  return d === undefined ? undefined : d.value;
}

type Step = (cur: unknown) => unknown;

function stepFor(seg: PathSegment): Step {
  if (typeof seg === 'number') {
    return (cur) => {
      if (!Array.isArray(cur)) return undefined;
      const i = seg < 0 ? cur.length + seg : seg;
      return i >= 0 && i < cur.length ? cur[i] : undefined;
    };
  }
  if (needsSafeRead(seg)) return (cur) => safeRead(cur, seg);
  return (cur) => {
    if (typeof cur !== 'object' || cur === null) return undefined;
    const v = (cur as Record<string, unknown>)[seg];
    // Prototype members (toString, map, …) are functions; JSON values never are.
    return typeof v === 'function' ? undefined : v;
  };
}

/** A reader for `path` starting at `cur`, unrolled for the common short paths. */
function pathReader(path: readonly PathSegment[]): Step {
  const plain = path.every((s) => typeof s === 'string' && !needsSafeRead(s));
  if (plain) {
    const keys = path as readonly string[];
    const read = (cur: unknown, k: string): unknown => {
      if (typeof cur !== 'object' || cur === null) return undefined;
      const v = (cur as Record<string, unknown>)[k];
      return typeof v === 'function' ? undefined : v;
    };
    switch (keys.length) {
      case 0:
        return (cur) => cur;
      case 1: {
        const [a] = keys as [string];
        return (cur) => read(cur, a);
      }
      case 2: {
        const [a, b] = keys as [string, string];
        return (cur) => read(read(cur, a), b);
      }
      case 3: {
        const [a, b, c] = keys as [string, string, string];
        return (cur) => read(read(read(cur, a), b), c);
      }
      default:
        break;
    }
  }
  const steps = path.map(stepFor);
  return (cur) => {
    let v = cur;
    for (const s of steps) {
      if (v === undefined) return undefined;
      v = s(v);
    }
    return v;
  };
}

/** Compiles a field reference to a reader of the matched object or of a bound object. */
export function compileField(field: FieldRef, boundNames: ReadonlySet<string> = NO_NAMES): ValueReader {
  const [head, ...rest] = field.path;
  if ((field.root === 'events' || field.root === 'facts') && typeof head === 'string' && boundNames.has(head)) {
    const read = pathReader(rest);
    return (_obj, bindings) => {
      const bound = bindings[head];
      return bound === undefined ? undefined : read(bound);
    };
  }
  const read = pathReader(field.path);
  return (obj) => read(obj);
}

function literalValue(e: Expr): unknown {
  if (e.kind === 'literal') return e.value;
  if (e.kind === 'list') return e.items.map(literalValue);
  return undefined;
}

function isConstant(e: Expr): boolean {
  return e.kind === 'literal' || (e.kind === 'list' && e.items.every(isConstant));
}

/**
 * Compiles a value expression: a field, a literal, a list of literals or `+`/`-` arithmetic.
 * @throws AutohealError `AH_CONDITION_SYNTAX` when `expr` is a condition, not a value.
 */
export function compileValue(expr: Expr, boundNames: ReadonlySet<string> = NO_NAMES): ValueReader {
  switch (expr.kind) {
    case 'field':
      return compileField(expr, boundNames);
    case 'literal':
    case 'list': {
      if (!isConstant(expr)) break;
      const v = literalValue(expr);
      return () => v;
    }
    case 'binary': {
      if (expr.op !== '+' && expr.op !== '-') break;
      const l = compileValue(expr.left, boundNames);
      const r = compileValue(expr.right, boundNames);
      return expr.op === '+' ? (o, b) => addValues(l(o, b), r(o, b)) : (o, b) => subtractValues(l(o, b), r(o, b));
    }
    default:
      break;
  }
  throw new AutohealError(ErrorCode.ConditionSyntax, `expected a value, found ${expr.kind} at column ${expr.span.start + 1}`, {
    details: { offset: expr.span.start, expected: 'a value', found: expr.kind },
  });
}

const FLIPPED: Readonly<Record<ComparisonOp, ComparisonOp>> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function regexError(err: JavaRegexError, at: Span): AutohealError {
  return new AutohealError(ErrorCode.ConditionSyntax, `${err.message} (pattern at column ${at.start + 1})`, {
    details: { offset: at.start, expected: 'a Java regular expression that can be run', found: err.message },
    cause: err,
  });
}

const RUNTIME_REGEX_CACHE_SIZE = 256;

/**
 * Patterns read from events at run time, compiled on first use. Bounded; cleared when full
 * (a rulebook rarely has more distinct runtime patterns than this). `false` = invalid pattern:
 * upstream throws while evaluating, which never counts as a match (negated or not).
 */
class RegexCache {
  private readonly map = new Map<string, RegExp | false>();

  get(pattern: string, kind: SearchKind | 'find', flags: JavaRegexFlags): RegExp | false {
    const key = `${kind}|${flags.ignoreCase === true ? 'i' : ''}${flags.multiline === true ? 'm' : ''}|${pattern}`;
    let re = this.map.get(key);
    if (re === undefined) {
      try {
        re = compileJavaRegex(kind === 'match' ? `^${pattern}` : pattern, flags);
      } catch {
        re = false;
      }
      if (this.map.size >= RUNTIME_REGEX_CACHE_SIZE) this.map.clear();
      this.map.set(key, re);
    }
    return re;
  }
}

const runtimeRegexes = new RegexCache();

/**
 * Returns a function giving the RegExp for a pattern value (precompiled when the pattern is a
 * literal): undefined when the pattern field is missing, null when it is null, false when it
 * is not a valid pattern.
 */
function regexSource(
  pattern: Expr,
  kind: SearchKind | 'find',
  flags: JavaRegexFlags,
  boundNames: ReadonlySet<string>,
): (o: unknown, b: Readonly<Record<string, unknown>>) => RegExp | null | undefined | false {
  if (pattern.kind === 'literal' && typeof pattern.value === 'string') {
    let re: RegExp;
    try {
      re = compileJavaRegex(kind === 'match' ? `^${pattern.value}` : pattern.value, flags);
    } catch (err) {
      if (err instanceof JavaRegexError) throw regexError(err, pattern.span);
      throw err;
    }
    return () => re;
  }
  const read = compileValue(pattern, boundNames);
  return (o, b) => {
    const p = read(o, b);
    if (p === undefined) return undefined;
    if (p === null) return null;
    return runtimeRegexes.get(javaToString(p), kind, flags);
  };
}

type CmpKind = 'eq' | 'ne' | 'ord';

/** Fast paths for `field OP literal`; each must agree with `compareValues`. */
function compileFieldVsLiteral(op: ComparisonOp, read: ValueReader, lit: Literal['value']): Predicate | undefined {
  const kind: CmpKind = op === '==' ? 'eq' : op === '!=' ? 'ne' : 'ord';
  if (lit === null) {
    if (kind === 'eq') return (o, b) => read(o, b) === null;
    if (kind === 'ne') return (o, b) => {
      const v = read(o, b);
      return v !== undefined && v !== null;
    };
    return () => false;
  }
  if (typeof lit === 'string' || typeof lit === 'boolean') {
    const type = typeof lit;
    if (kind === 'eq') return (o, b) => read(o, b) === lit;
    if (kind === 'ne') return (o, b) => {
      const v = read(o, b);
      return v === null || (typeof v === type && v !== lit);
    };
    return undefined;
  }
  if (typeof lit === 'number') {
    if (kind === 'eq') return (o, b) => {
      const v = read(o, b);
      return typeof v === 'number' ? v === lit : typeof v === 'bigint' && numbersEqual(v, lit);
    };
    if (kind === 'ne') return (o, b) => {
      const v = read(o, b);
      if (typeof v === 'number') return v !== lit;
      if (typeof v === 'bigint') return !numbersEqual(v, lit);
      return v === null;
    };
    switch (op) {
      case '<':
        return (o, b) => {
          const v = read(o, b);
          return typeof v === 'number' ? v < lit : typeof v === 'bigint' && compareNumbers(v, lit) < 0;
        };
      case '<=':
        return (o, b) => {
          const v = read(o, b);
          return typeof v === 'number' ? v <= lit : typeof v === 'bigint' && compareNumbers(v, lit) <= 0;
        };
      case '>':
        return (o, b) => {
          const v = read(o, b);
          return typeof v === 'number' ? v > lit : typeof v === 'bigint' && compareNumbers(v, lit) > 0;
        };
      default:
        return (o, b) => {
          const v = read(o, b);
          return typeof v === 'number' ? v >= lit : typeof v === 'bigint' && compareNumbers(v, lit) >= 0;
        };
    }
  }
  return undefined;
}

interface CompileContext {
  readonly boundNames: ReadonlySet<string>;
  /** Tests only: compile without the fast paths, to check they agree with the general ones. */
  readonly generic: boolean;
}

function compileComparison(node: Extract<CondNode, { t: 'cmp' }>, ctx: CompileContext): Predicate {
  let { op, left, right } = node;
  if (left.kind === 'literal' && right.kind !== 'literal') {
    [left, right] = [right, left];
    op = FLIPPED[op];
  }
  if (left.kind === 'literal' && right.kind === 'literal') {
    const result = compareValues(op, left.value, right.value);
    return () => result;
  }
  if (!ctx.generic && left.kind === 'field' && right.kind === 'literal') {
    const fast = compileFieldVsLiteral(op, compileField(left, ctx.boundNames), right.value);
    if (fast !== undefined) return fast;
  }
  const l = compileValue(left, ctx.boundNames);
  const r = compileValue(right, ctx.boundNames);
  const cmpOp = op;
  return (o, b) => {
    const a = l(o, b);
    if (a === undefined) return false;
    const c = r(o, b);
    return c !== undefined && compareValues(cmpOp, a, c);
  };
}

function compileMembership(node: Extract<CondNode, { t: 'member' }>, ctx: CompileContext): Predicate {
  const l = compileValue(node.left, ctx.boundNames);
  const r = compileValue(node.right, ctx.boundNames);
  const op = node.op;
  // `x in [literals]` with only strings/booleans/null/numbers: a Set lookup (SameValueZero
  // equates 3 and 3.0, which JS cannot tell apart anyway).
  if (!ctx.generic && (op === 'in' || op === 'not in') && node.right.kind === 'list' && isConstant(node.right)) {
    const items = literalValue(node.right) as unknown[];
    if (items.every((x) => x === null || typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number')) {
      const set = new Set<unknown>(items);
      const positive = op === 'in';
      return (o, b) => {
        const v = l(o, b);
        if (v === undefined) return false;
        const found = (typeof v === 'object' && v !== null) || typeof v === 'bigint' ? listContains(items, v) : set.has(v);
        return found === positive;
      };
    }
  }
  switch (op) {
    case 'in':
      return (o, b) => {
        const v = l(o, b);
        if (v === undefined) return false;
        const c = r(o, b);
        return c !== undefined && listContains(c, v);
      };
    case 'not in':
      return (o, b) => {
        const v = l(o, b);
        if (v === undefined) return false;
        const c = r(o, b);
        return c !== undefined && !listContains(c, v);
      };
    case 'contains':
      return (o, b) => {
        const v = l(o, b);
        if (v === undefined) return false;
        const c = r(o, b);
        return c !== undefined && listContains(v, c);
      };
    case 'not contains':
      return (o, b) => {
        const v = l(o, b);
        if (v === undefined) return false;
        const c = r(o, b);
        return c !== undefined && !listContains(v, c);
      };
  }
}

function compileSearch(node: Extract<CondNode, { t: 'search' }>, ctx: CompileContext): Predicate {
  const subject = compileValue(node.operand, ctx.boundNames);
  const regex = regexSource(node.pattern, node.kind, { ignoreCase: node.ignorecase, multiline: node.multiline }, ctx.boundNames);
  const wanted = !node.negated;
  const inverted = node.inverted;
  return (o, b) => {
    const s = subject(o, b);
    if (s === undefined) return false;
    const re = regex(o, b);
    if (re === undefined || re === false) return false;
    // Upstream: `t != null && find() == wanted`, then `not` inverts that result.
    const base = s !== null && re !== null && re.test(javaToString(s)) === wanted;
    return inverted ? !base : base;
  };
}

/** One item test of select/selectattr for a fixed or runtime value. */
type ItemTest = (item: unknown, o: unknown, b: Readonly<Record<string, unknown>>) => boolean;

function compileItemTest(op: SelectAttrOp, value: Expr, ctx: CompileContext): ItemTest {
  if (op === 'regex' || op === 'search' || op === 'match') {
    // Inside select every regex operator is an unanchored find() without flags.
    const regex = regexSource(value, 'find', {}, ctx.boundNames);
    return (item, o, b) => {
      if (item === null || item === undefined) return false;
      const re = regex(o, b);
      return re instanceof RegExp && re.test(javaToString(item));
    };
  }
  const read = compileValue(value, ctx.boundNames);
  return (item, o, b) => item !== undefined && selectItemTest(op, item, read(o, b));
}

/** A select/selectattr value read from a field must be present. */
function valuePresent(value: Expr, ctx: CompileContext): (o: unknown, b: Readonly<Record<string, unknown>>) => boolean {
  if (isConstant(value)) return () => true;
  const read = compileValue(value, ctx.boundNames);
  return (o, b) => read(o, b) !== undefined;
}

function compileSelect(node: Extract<CondNode, { t: 'select' }>, ctx: CompileContext): Predicate {
  const subject = compileValue(node.operand, ctx.boundNames);
  const test = compileItemTest(node.op satisfies SelectOp, node.value, ctx);
  const present = valuePresent(node.value, ctx);
  const positive = !node.negated;
  const inverted = node.inverted;
  return (o, b) => {
    const v = subject(o, b);
    if (v === undefined || !present(o, b)) return false;
    let base: boolean;
    if (Array.isArray(v)) {
      // `is select` = some item passes; `is not select` = not every item passes (upstream code,
      // not its docs).
      base = positive ? v.some((x) => test(x, o, b)) : !v.every((x) => test(x, o, b));
    } else {
      base = test(v, o, b) === positive;
    }
    return inverted ? !base : base;
  };
}

/** Upstream `extractMapAttribute`: undefined when a key is missing, null through a null parent, 'bad' on a non-object. */
function attributeReader(key: readonly string[]): (item: unknown) => unknown {
  return (item) => {
    let cur = item;
    for (const k of key) {
      if (cur === null) return null;
      if (typeof cur !== 'object' || Array.isArray(cur)) return BAD_ITEM;
      if (!Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return cur;
  };
}

/** An item Java could not cast to a map: the test fails for it. */
const BAD_ITEM: unique symbol = Symbol('not-a-map');

function compileSelectAttr(node: Extract<CondNode, { t: 'selectattr' }>, ctx: CompileContext): Predicate {
  const subject = compileValue(node.operand, ctx.boundNames);
  const attr = attributeReader(node.key);
  const inner = compileItemTest(node.op, node.value, ctx);
  const test: ItemTest = (item, o, b) => {
    const v = attr(item);
    return v !== BAD_ITEM && v !== undefined && inner(v, o, b);
  };
  const present = valuePresent(node.value, ctx);
  const positive = !node.negated;
  const inverted = node.inverted;
  return (o, b) => {
    const v = subject(o, b);
    if (v === undefined || !present(o, b)) return false;
    let base: boolean;
    if (v === null) {
      base = false;
    } else if (Array.isArray(v)) {
      base = positive ? v.some((x) => test(x, o, b)) : !v.every((x) => test(x, o, b));
    } else {
      // A single object is one item, except that a null attribute fails both `is` and `is not`
      // (upstream: `value != null && test(value) == positive`).
      const a = attr(v);
      base = a !== null && a !== BAD_ITEM && (a !== undefined && inner(a, o, b)) === positive;
    }
    return inverted ? !base : base;
  };
}

function compileDefined(node: Extract<CondNode, { t: 'defined' }>, ctx: CompileContext): Predicate {
  const read = compileField(node.field, ctx.boundNames);
  return node.negated ? (o, b) => read(o, b) === undefined : (o, b) => read(o, b) !== undefined;
}

/** Compiles one node of the normal form. Exported for explain (which must agree). */
export function compileNode(node: CondNode, ctx: CompileContext): Predicate {
  switch (node.t) {
    case 'const': {
      const v = node.value;
      return () => v;
    }
    case 'and': {
      const items = node.items.map((i) => compileNode(i, ctx));
      if (items.length === 2) {
        const [a, c] = items as [Predicate, Predicate];
        return (o, b) => a(o, b) && c(o, b);
      }
      return (o, b) => {
        for (const p of items) if (!p(o, b)) return false;
        return true;
      };
    }
    case 'or': {
      const items = node.items.map((i) => compileNode(i, ctx));
      if (items.length === 2) {
        const [a, c] = items as [Predicate, Predicate];
        return (o, b) => a(o, b) || c(o, b);
      }
      return (o, b) => {
        for (const p of items) if (p(o, b)) return true;
        return false;
      };
    }
    case 'cmp':
      return compileComparison(node, ctx);
    case 'member':
      return compileMembership(node, ctx);
    case 'defined':
      return compileDefined(node, ctx);
    case 'search':
      return compileSearch(node, ctx);
    case 'select':
      return compileSelect(node, ctx);
    case 'selectattr':
      return compileSelectAttr(node, ctx);
  }
}

/**
 * Compiles a condition to a predicate. Compile once per pattern; the predicate allocates
 * nothing for the common forms (`field == literal`, `and`/`or`, `in [literals]`, `is defined`).
 * @throws AutohealError `AH_CONDITION_SYNTAX` when `expr` is not a condition or holds a regular
 *   expression that cannot be translated (details.offset points at the pattern).
 */
export function compileExpr(expr: Expr, options: CompileConditionOptions & { readonly generic?: boolean } = {}): Predicate {
  const ctx: CompileContext = { boundNames: options.boundNames ?? NO_NAMES, generic: options.generic === true };
  return compileNode(lowerCondition(expr), ctx);
}
