/**
 * @module Compiles a Jinja2 template once and renders it many times with upstream's semantics:
 * Jinja2 `NativeEnvironment` + `StrictUndefined` (shared/spec/rulebook-language.md §3.2).
 *
 * Native rendering, as `jinja2.nativetypes.native_concat` does it: the template's outputs (text
 * between tags, and each `{{ }}` value) are collected; no output gives `null`; a single output
 * that is not a string is returned as it is (`"{{ event }}"` → the dict, `"{{ 1 }}"` → 1);
 * otherwise the outputs are joined with Python `str()` and the joined string is converted with
 * `ast.literal_eval` when it reads as a Python literal (`"{{ env_var }}"` with `"86"` → 86,
 * `"{{ a }}{{ b }}"` → 12, `"[{{ x }}]"` → a list, `"x{{ 1 }}"` stays `"x1"`).
 *
 * The interpreter is a tree walker over own data only (no `eval`, no prototype access) with a
 * step budget and a size cap, so a hostile or careless template fails fast instead of hanging.
 */

import { AutohealError, ErrorCode } from '../../core/index.js';
import { FILTERS, bindArgs, type FilterRuntime } from './filters.js';
import { TESTS, pyContains } from './jinja-tests.js';
import { literalEval } from './literal-eval.js';
import { getMethod } from './python-methods.js';
import { binaryOp, unaryOp } from './python-ops.js';
import { pyRepr, pyStr } from './python-repr.js';
import {
  PyCallable,
  PyNamespace,
  PyRange,
  PyTuple,
  TemplateFailure,
  TemplateRuntimeError,
  Undefined,
  codePoints,
  dictKeys,
  failUndefined,
  isDict,
  isFloat,
  isInt,
  iterate,
  mkDict,
  objectTypeRepr,
  ownValue,
  pyCompare,
  pyEquals,
  toBigInt,
  toPlain,
  truthy,
  typeError,
  typeName,
  valueError,
  type Span,
} from './python-values.js';
import type { CallArgs, Expr, Stmt, Target, TemplateAst } from './template-ast.js';
import { syntaxError } from './template-lexer.js';
import { parseTemplate } from './template-parser.js';

/** What a template sees: variables at top level, plus `event` (single match) or `events`. */
export type TemplateContext = Readonly<Record<string, unknown>>;

/** Bounds on one render. */
export interface TemplateLimits {
  /**
   * Evaluation steps one render may take: one per expression node, statement, loop iteration
   * and item a filter touches, plus one per 64 characters of strings built. Default 1 000 000.
   */
  readonly maxSteps: number;
  /**
   * Largest rendered output, and largest string or list built while rendering, in characters
   * (items for lists). Default 1 048 576.
   */
  readonly maxOutputChars: number;
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = Object.freeze({ maxSteps: 1_000_000, maxOutputChars: 1_048_576 });

/** Validates and defaults limits. @throws AutohealError AH_USAGE for a non-positive or non-integer limit. */
export function resolveTemplateLimits(limits: Partial<TemplateLimits> = {}): TemplateLimits {
  const out = { ...DEFAULT_TEMPLATE_LIMITS, ...limits };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new AutohealError(ErrorCode.Usage, `template limit ${k} must be a positive integer, got ${String(v)}`);
    }
  }
  return out;
}

export interface CompiledTemplate {
  /** The template text as given. */
  readonly source: string;
  /**
   * Renders with native types (see the module comment).
   *
   * @returns a JSON-like value: null, boolean, number, bigint, string, array or plain object.
   * @throws AutohealError AH_TEMPLATE_RENDER when an undefined variable or attribute is used,
   *   an operation fails (Python's TypeError, ValueError, …), or a limit is exceeded; `details`
   *   has `kind`, `offset` and `expression`.
   */
  render(context: TemplateContext, limits?: Partial<TemplateLimits>): unknown;
}

const FILTER_NAMES = new Set(FILTERS.keys());
const TEST_NAMES = new Set(TESTS.keys());

/**
 * Parses a template once.
 *
 * @throws AutohealError AH_TEMPLATE_SYNTAX with the offset of the problem (`details.offset`),
 *   also for unknown filters and tests, as Jinja checks those at compile time.
 */
export function compileTemplate(source: string): CompiledTemplate {
  let ast: TemplateAst;
  try {
    ast = parseTemplate(source, { filters: FILTER_NAMES, tests: TEST_NAMES });
  } catch (e) {
    if (e instanceof RangeError) throw syntaxError('template nested too deeply', 0, source);
    throw e;
  }
  return {
    source,
    render(context: TemplateContext, limits?: Partial<TemplateLimits>): unknown {
      const resolved = limits === undefined ? DEFAULT_TEMPLATE_LIMITS : resolveTemplateLimits(limits);
      return new Renderer(ast, context, resolved).run();
    },
  };
}

/** Names Jinja provides to every template (those that make sense here). */
const GLOBAL_NAMES = new Set(['range', 'dict']);

function intArg(fn: string, v: unknown): number {
  if (v instanceof Undefined) failUndefined(v);
  if (typeof v === 'boolean' || isInt(v)) {
    const b = toBigInt(v);
    if (b > 9007199254740991n || b < -9007199254740991n) {
      throw new TemplateRuntimeError(TemplateFailure.Budget, `${fn}() argument too large`);
    }
    return Number(b);
  }
  throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer`);
}

class Renderer implements FilterRuntime {
  private steps = 0;
  private outChars = 0;
  private readonly scopes: Map<string, unknown>[] = [new Map()];
  readonly maxSize: number;

  constructor(
    private readonly ast: TemplateAst,
    private readonly context: TemplateContext,
    private readonly limits: TemplateLimits,
  ) {
    this.maxSize = limits.maxOutputChars;
  }

  run(): unknown {
    try {
      const out: unknown[] = [];
      this.execBody(this.ast.body, out);
      return this.nativeConcat(out);
    } catch (e) {
      throw this.toAutohealError(e);
    }
  }

  private toAutohealError(e: unknown): AutohealError {
    if (e instanceof AutohealError) return e;
    if (e instanceof TemplateRuntimeError) {
      const span = e.span;
      const expression = span === undefined ? undefined : this.ast.source.slice(span.start, span.end);
      const where = span === undefined ? '' : ` (in ${JSON.stringify(clip(expression ?? ''))} at offset ${span.start})`;
      return new AutohealError(ErrorCode.TemplateRender, `${e.message}${where}`, {
        cause: e,
        details: {
          kind: e.kind,
          ...(span === undefined ? {} : { offset: span.start, expression }),
        },
      });
    }
    if (e instanceof RangeError) {
      // Stack overflow on absurd nesting, or a string beyond what V8 can hold.
      const message = /call stack/i.test(e.message) ? 'template nested too deeply to render' : `template value too large (${e.message})`;
      return new AutohealError(ErrorCode.TemplateRender, message, { cause: e, details: { kind: TemplateFailure.Budget } });
    }
    return new AutohealError(ErrorCode.TemplateRender, e instanceof Error ? e.message : String(e), { cause: e });
  }

  // ------------------------------------------------------------------ budget

  tick(n = 1): void {
    this.steps += n;
    if (this.steps > this.limits.maxSteps) {
      throw new TemplateRuntimeError(
        TemplateFailure.Budget,
        `template rendering exceeded its budget of ${this.limits.maxSteps} evaluation steps`,
      );
    }
  }

  /** Charges work proportional to the size of a value just built. */
  private charge(v: unknown): unknown {
    if (typeof v === 'string') {
      if (v.length > this.maxSize) throw tooLarge('string');
      if (v.length >= 64) this.tick(v.length >> 6);
    } else if (Array.isArray(v)) {
      if (v.length > this.maxSize) throw tooLarge('list');
      if (v.length >= 16) this.tick(v.length >> 4);
    }
    return v;
  }

  iterate(v: unknown): readonly unknown[] {
    if (v instanceof PyRange) this.tick(Math.min(v.length, this.limits.maxSteps + 1));
    const items = iterate(v, this.maxSize);
    this.tick(items.length);
    return items;
  }

  // ------------------------------------------------------------------ output

  private emit(out: unknown[], v: unknown): void {
    out.push(v);
    if (typeof v === 'string') {
      this.outChars += v.length;
      if (this.outChars > this.maxSize) {
        throw new TemplateRuntimeError(TemplateFailure.Budget, `template output exceeds ${this.maxSize} characters`);
      }
    }
  }

  private nativeConcat(out: readonly unknown[]): unknown {
    if (out.length === 0) return null;
    if (out.length === 1 && typeof out[0] !== 'string') return toPlain(out[0], this.maxSize, pyStr);
    let raw = '';
    for (const v of out) {
      raw += pyStr(v);
      if (raw.length > this.maxSize) {
        throw new TemplateRuntimeError(TemplateFailure.Budget, `template output exceeds ${this.maxSize} characters`);
      }
    }
    const lit = literalEval(raw);
    return lit.ok ? lit.value : raw;
  }

  // ------------------------------------------------------------------ statements

  private execBody(body: readonly Stmt[], out: unknown[]): void {
    for (const stmt of body) this.exec(stmt, out);
  }

  private exec(stmt: Stmt, out: unknown[]): void {
    this.tick();
    switch (stmt.kind) {
      case 'data':
        this.emit(out, stmt.text);
        return;
      case 'output':
        this.emit(out, this.eval(stmt.expr));
        return;
      case 'if':
        for (const branch of stmt.branches) {
          if (this.truthy(branch.test)) {
            this.execBody(branch.body, out);
            return;
          }
        }
        this.execBody(stmt.else, out);
        return;
      case 'for':
        this.execFor(stmt, out);
        return;
      case 'set': {
        const value = this.eval(stmt.value);
        this.assign(stmt.target, value, this.scopes[this.scopes.length - 1] as Map<string, unknown>);
        return;
      }
      case 'setblock': {
        const inner: unknown[] = [];
        this.execBody(stmt.body, inner);
        let value: unknown = inner.map((v) => pyStr(v)).join('');
        for (const f of stmt.filters) value = this.applyFilter(f.name, value, f, f.span);
        this.assign(stmt.target, value, this.scopes[this.scopes.length - 1] as Map<string, unknown>);
        return;
      }
      default:
        throw new TemplateRuntimeError(TemplateFailure.Unsupported, 'unknown statement');
    }
  }

  private truthy(e: Expr): boolean {
    const v = this.eval(e);
    try {
      return truthy(v);
    } catch (err) {
      throw withSpan(err, e.span);
    }
  }

  private execFor(stmt: Extract<Stmt, { kind: 'for' }>, out: unknown[]): void {
    let items: readonly unknown[];
    const iterValue = this.eval(stmt.iter);
    try {
      items = this.iterate(iterValue);
    } catch (err) {
      throw withSpan(err, stmt.iter.span);
    }
    if (stmt.filter !== undefined) {
      const filter = stmt.filter;
      items = items.filter((item) => {
        const scope = new Map<string, unknown>();
        this.assign(stmt.target, item, scope);
        this.scopes.push(scope);
        try {
          return this.truthy(filter);
        } finally {
          this.scopes.pop();
        }
      });
    }
    if (items.length === 0) {
      this.execBody(stmt.else, out);
      return;
    }
    const length = items.length;
    let lastChanged: unknown[] | undefined;
    for (let i = 0; i < length; i++) {
      this.tick();
      const scope = new Map<string, unknown>();
      this.assign(stmt.target, items[i], scope);
      const index0 = i;
      const attrs = new Map<string, unknown>([
        ['index', i + 1],
        ['index0', i],
        ['revindex', length - i],
        ['revindex0', length - i - 1],
        ['first', i === 0],
        ['last', i === length - 1],
        ['length', length],
        ['depth', 1],
        ['depth0', 0],
        ['previtem', i > 0 ? items[i - 1] : new Undefined('there is no previous item', stmt.span)],
        ['nextitem', i < length - 1 ? items[i + 1] : new Undefined('there is no next item', stmt.span)],
        ['cycle', new PyCallable('cycle', (args) => {
          if (args.length === 0) throw typeError('no items for cycling given');
          return args[index0 % args.length];
        }, 'LoopContext')],
        ['changed', new PyCallable('changed', (args) => {
          if (lastChanged !== undefined && lastChanged.length === args.length && lastChanged.every((v, j) => pyEquals(v, args[j]))) return false;
          lastChanged = [...args];
          return true;
        }, 'LoopContext')],
      ]);
      scope.set('loop', new PyNamespace('LoopContext', attrs, `<LoopContext ${i + 1}/${length}>`));
      this.scopes.push(scope);
      try {
        this.execBody(stmt.body, out);
      } finally {
        this.scopes.pop();
      }
    }
  }

  private assign(target: Target, value: unknown, scope: Map<string, unknown>): void {
    if (target.kind === 'name') {
      scope.set(target.name, value);
      return;
    }
    let items: readonly unknown[];
    try {
      items = this.iterate(value);
    } catch (err) {
      throw withSpan(err, target.span);
    }
    const n = target.items.length;
    if (items.length < n) throw withSpan(valueError(`not enough values to unpack (expected ${n}, got ${items.length})`), target.span);
    if (items.length > n) throw withSpan(valueError(`too many values to unpack (expected ${n})`), target.span);
    target.items.forEach((t, i) => this.assign(t, items[i], scope));
  }

  // ------------------------------------------------------------------ expressions

  private lookup(name: string, span: Span): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const scope = this.scopes[i] as Map<string, unknown>;
      if (scope.has(name)) return scope.get(name);
    }
    if (Object.prototype.hasOwnProperty.call(this.context, name)) {
      const v = visible(ownValue(this.context, name));
      if (v !== undefined) return v;
    }
    if (GLOBAL_NAMES.has(name)) return this.global(name);
    return new Undefined(`${pyRepr(name)} is undefined`, span);
  }

  private global(name: string): PyCallable {
    if (name === 'range') {
      return new PyCallable('range', (args, kwargs) => {
        if (kwargs.size > 0) throw typeError('range() takes no keyword arguments');
        if (args.length < 1 || args.length > 3) throw typeError(`range expected at most 3 arguments, got ${args.length}`);
        const nums = args.map((a) => intArg('range', a));
        const [start, stop, step] = nums.length === 1 ? [0, nums[0] ?? 0, 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1];
        if (step === 0) throw valueError('range() arg 3 must not be zero');
        return new PyRange(start, stop, step);
      });
    }
    return new PyCallable('dict', (args, kwargs) => {
      if (args.length > 1) throw typeError(`dict expected at most 1 argument, got ${args.length}`);
      const entries: [string, unknown][] = [];
      const first = args[0];
      if (isDict(first)) for (const k of dictKeys(first)) entries.push([k, ownValue(first, k)]);
      else if (first !== undefined) {
        for (const pair of this.iterate(first)) {
          const kv = this.iterate(pair);
          if (kv.length !== 2) throw valueError(`dictionary update sequence element has length ${kv.length}; 2 is required`);
          entries.push([dictKey(kv[0]), kv[1]]);
        }
      }
      for (const [k, v] of kwargs) entries.push([k, v]);
      return mkDict(entries);
    });
  }

  /** Jinja's `environment.getattr`: a method or attribute first, then the item. */
  getattr(obj: unknown, name: string, span?: Span): unknown {
    if (obj instanceof Undefined) failUndefined(obj);
    const method = getMethod(obj, name, this.maxSize);
    if (method !== undefined) return method;
    if (obj instanceof PyNamespace) {
      if (obj.attrs.has(name)) return obj.attrs.get(name);
    } else if (isDict(obj)) {
      const v = visible(ownValue(obj, name));
      if (v !== undefined) return v;
    }
    return new Undefined(`${pyRepr(objectTypeRepr(obj))} has no attribute ${pyRepr(name)}`, span);
  }

  /** Jinja's `environment.getitem`: the item first, then (for string keys) the attribute. */
  getitem(obj: unknown, key: unknown, span?: Span): unknown {
    if (obj instanceof Undefined) failUndefined(obj);
    if (key instanceof Undefined) failUndefined(key);
    if (isDict(obj)) {
      if (typeof key === 'string') {
        const v = visible(ownValue(obj, key));
        if (v !== undefined) return v;
      }
    } else if (Array.isArray(obj) || obj instanceof PyTuple || typeof obj === 'string' || obj instanceof PyRange) {
      if (typeof key === 'boolean' || isInt(key)) {
        const seq = Array.isArray(obj) ? obj : obj instanceof PyTuple ? obj.items : typeof obj === 'string' ? codePoints(obj) : undefined;
        const len = seq === undefined ? (obj as PyRange).length : seq.length;
        const raw = toBigInt(key);
        const i = raw < 0n ? raw + BigInt(len) : raw;
        if (i >= 0n && i < BigInt(len)) return seq === undefined ? (obj as PyRange).at(Number(i)) : seq[Number(i)];
      }
    }
    if (typeof key === 'string') return this.getattr(obj, key, span);
    return new Undefined(`${objectTypeRepr(obj)} has no element ${safeRepr(key)}`, span);
  }

  private slice(obj: unknown, node: Extract<Expr, { kind: 'slice' }>, span: Span): unknown {
    if (obj instanceof Undefined) failUndefined(obj);
    const part = (e: Expr | undefined): number | undefined | 'bad' => {
      if (e === undefined) return undefined;
      const v = this.eval(e);
      if (v === null) return undefined;
      if (v instanceof Undefined) failUndefined(v);
      if (typeof v === 'boolean' || isInt(v)) return Number(toBigInt(v));
      return 'bad';
    };
    const start = part(node.start);
    const stop = part(node.stop);
    const step = part(node.step);
    const seq = Array.isArray(obj) ? obj : obj instanceof PyTuple ? obj.items : typeof obj === 'string' ? codePoints(obj) : undefined;
    if (seq === undefined || start === 'bad' || stop === 'bad' || step === 'bad') {
      // Python raises TypeError, which Jinja's getitem turns into an undefined value.
      return new Undefined(`${objectTypeRepr(obj)} has no element slice(${String(start ?? 'None')}, ${String(stop ?? 'None')}, ${String(step ?? 'None')})`, span);
    }
    const st = step ?? 1;
    if (st === 0) throw valueError('slice step cannot be zero');
    const len = seq.length;
    const clamp = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
      if (v === undefined) return dflt;
      const x = v < 0 ? v + len : v;
      return Math.min(Math.max(x, lo), hi);
    };
    const out: unknown[] = [];
    if (st > 0) {
      const a = clamp(start, 0, 0, len);
      const b = clamp(stop, len, 0, len);
      for (let i = a; i < b; i += st) out.push(seq[i]);
    } else {
      const a = clamp(start, len - 1, -1, len - 1);
      const b = clamp(stop, -1, -1, len - 1);
      for (let i = a; i > b; i += st) out.push(seq[i]);
    }
    this.tick(out.length);
    if (typeof obj === 'string') return out.join('');
    return obj instanceof PyTuple ? new PyTuple(out) : out;
  }

  private eval(e: Expr): unknown {
    this.tick();
    try {
      return this.evalInner(e);
    } catch (err) {
      throw withSpan(err, e.span);
    }
  }

  private evalInner(e: Expr): unknown {
    switch (e.kind) {
      case 'const':
        return e.value;
      case 'name':
        return this.lookup(e.name, e.span);
      case 'getattr':
        return this.getattr(this.eval(e.obj), e.attr, e.span);
      case 'getitem': {
        const obj = this.eval(e.obj);
        if (e.index.kind === 'slice') return this.slice(obj, e.index, e.span);
        return this.getitem(obj, this.eval(e.index), e.span);
      }
      case 'slice':
        throw new TemplateRuntimeError(TemplateFailure.Unsupported, 'slice outside of a subscript');
      case 'list':
        return this.charge(e.items.map((x) => this.eval(x)));
      case 'tuple':
        return new PyTuple(e.items.map((x) => this.eval(x)));
      case 'dict': {
        const entries: [string, unknown][] = e.entries.map(([k, v]) => [dictKey(this.eval(k)), this.eval(v)]);
        return mkDict(entries);
      }
      case 'binop':
        return this.charge(binaryOp(e.op, this.eval(e.left), this.eval(e.right), this.maxSize));
      case 'concat': {
        let s = '';
        for (const item of e.items) {
          s += pyStr(this.eval(item));
          if (s.length > this.maxSize) throw tooLarge('string');
        }
        return this.charge(s);
      }
      case 'neg':
      case 'pos':
        return unaryOp(e.kind === 'neg' ? '-' : '+', this.eval(e.operand));
      case 'not':
        return !this.truthy(e.operand);
      case 'and': {
        const left = this.eval(e.left);
        return truthy(left) ? this.eval(e.right) : left;
      }
      case 'or': {
        const left = this.eval(e.left);
        return truthy(left) ? left : this.eval(e.right);
      }
      case 'compare':
        return this.compare(e);
      case 'cond': {
        if (this.truthy(e.test)) return this.eval(e.then);
        if (e.else !== undefined) return this.eval(e.else);
        const line = this.ast.source.slice(0, e.span.start).split('\n').length;
        return new Undefined(`the inline if-expression on line ${line} evaluated to false and no else section was defined.`, e.span, true);
      }
      case 'filter':
        return this.applyFilter(e.name, this.eval(e.node), e, e.span);
      case 'test':
        return this.applyTest(e.name, this.eval(e.node), e);
      case 'call':
        return this.call(e);
      default:
        throw new TemplateRuntimeError(TemplateFailure.Unsupported, 'unknown expression');
    }
  }

  private compare(e: Extract<Expr, { kind: 'compare' }>): boolean {
    let left = this.eval(e.first);
    for (const { op, expr } of e.ops) {
      const right = this.eval(expr);
      let ok: boolean;
      switch (op) {
        case '==':
          ok = pyEquals(left, right);
          break;
        case '!=':
          ok = !pyEquals(left, right);
          break;
        case 'in':
          ok = pyContains(right, left);
          break;
        case 'not in':
          ok = !pyContains(right, left);
          break;
        default: {
          const c = pyCompare(left, right, op);
          ok = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
        }
      }
      if (!ok) return false;
      left = right;
    }
    return true;
  }

  private evalArgs(call: CallArgs): { args: unknown[]; kwargs: Map<string, unknown> } {
    const args = call.args.map((a) => this.eval(a));
    const kwargs = new Map<string, unknown>();
    for (const kw of call.kwargs) kwargs.set(kw.name, this.eval(kw.value));
    if (call.dynArgs !== undefined) args.push(...this.iterate(this.eval(call.dynArgs)));
    if (call.dynKwargs !== undefined) {
      const d = this.eval(call.dynKwargs);
      if (d instanceof Undefined) failUndefined(d);
      if (!isDict(d)) throw typeError(`argument after ** must be a mapping, not ${typeName(d)}`);
      for (const k of dictKeys(d)) {
        if (kwargs.has(k)) throw typeError(`got multiple values for keyword argument '${k}'`);
        kwargs.set(k, ownValue(d, k));
      }
    }
    return { args, kwargs };
  }

  private applyFilter(name: string, value: unknown, call: CallArgs, span: Span): unknown {
    const def = FILTERS.get(name);
    if (def === undefined) throw new TemplateRuntimeError(TemplateFailure.Unsupported, `No filter named '${name}'.`, span);
    if (value instanceof Undefined && !value.lenient && def.acceptsUndefined !== true) failUndefined(value);
    const { args, kwargs } = this.evalArgs(call);
    if (def !== FILTERS.get('default')) {
      for (const a of [...args, ...kwargs.values()]) if (a instanceof Undefined && !a.lenient) failUndefined(a);
    }
    const bound = bindArgs(name, def, args, kwargs);
    return this.charge(def.fn(value, bound, this));
  }

  private applyTest(name: string, value: unknown, call: CallArgs): boolean {
    const { args, kwargs } = this.evalArgs(call);
    return this.callTest(name, value, args, kwargs);
  }

  callFilter(name: string, value: unknown, args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>): unknown {
    const def = FILTERS.get(name);
    if (def === undefined) throw new TemplateRuntimeError(TemplateFailure.Value, `No filter named '${name}'.`);
    if (value instanceof Undefined && !value.lenient && def.acceptsUndefined !== true) failUndefined(value);
    this.tick();
    return this.charge(def.fn(value, bindArgs(name, def, args, kwargs), this));
  }

  callTest(name: string, value: unknown, args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>): boolean {
    const def = TESTS.get(name);
    if (def === undefined) throw new TemplateRuntimeError(TemplateFailure.Value, `No test named '${name}'.`);
    if (value instanceof Undefined && !value.lenient && def.acceptsUndefined !== true) failUndefined(value);
    this.tick();
    const bound = bindArgs(name, def, args, kwargs);
    return def.fn(value, def.params.map((p) => bound.named.get(p.name)), this);
  }

  hasFilter(name: string): boolean {
    return FILTERS.has(name);
  }

  hasTest(name: string): boolean {
    return TESTS.has(name);
  }

  private call(e: Extract<Expr, { kind: 'call' }>): unknown {
    const fn = this.eval(e.fn);
    if (fn instanceof Undefined) failUndefined(fn);
    if (!(fn instanceof PyCallable)) throw typeError(`'${typeName(fn)}' object is not callable`);
    const { args, kwargs } = this.evalArgs(e);
    return this.charge(fn.call(args, kwargs));
  }
}

/** Dict literal keys: strings as they are; other hashable keys as JSON would spell them. */
function dictKey(k: unknown): string {
  if (k instanceof Undefined) failUndefined(k);
  if (typeof k === 'string') return k;
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number' || typeof k === 'bigint' || isFloat(k) || k instanceof PyTuple) return pyStr(k);
  throw typeError(`unhashable type: '${typeName(k)}'`);
}

/** Functions and symbols in the data are never reachable from a template. */
function visible(v: unknown): unknown {
  return typeof v === 'function' || typeof v === 'symbol' ? undefined : v;
}

function safeRepr(v: unknown): string {
  try {
    return pyRepr(v);
  } catch {
    return typeName(v);
  }
}

function tooLarge(what: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Budget, `${what} exceeds the template size limit`);
}

function withSpan(err: unknown, span: Span): unknown {
  if (err instanceof TemplateRuntimeError && err.span === undefined) {
    return new TemplateRuntimeError(err.kind, err.message, span);
  }
  return err;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
