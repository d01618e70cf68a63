/**
 * @module The filters templates may use: Jinja2's built-ins as rulebooks use them, EDA's own
 * (`regex_replace`, `basename`, `dirname`, `normpath`, `bool`; shared/spec/rulebook-language.md
 * §3.2), and, as an autoheal extension, Ansible's `to_json`, `to_nice_json` and `dict2items`.
 * Signatures, defaults and keyword names match the originals so that `| default('x', true)` and
 * `| regex_replace('a', 'b', ignore_case=true)` behave the same.
 */

import { pyRoundFloat } from './python-float.js';
import { pyJsonDumps } from './python-json.js';
import { getMethod, parsePyFloat, parsePyInt, pyCapitalize, pyCenter, pyReplace, pySplitLines, pyStrip } from './python-methods.js';
import { percentFormat } from './python-format.js';
import { compilePythonRegex, pythonRegexSub } from './python-regex.js';
import { pyPformat, pyRepr, pyStr } from './python-repr.js';
import {
  PyFloat,
  PyIter,
  PyTuple,
  TemplateFailure,
  TemplateRuntimeError,
  Undefined,
  codePoints,
  dictKeys,
  failUndefined,
  hashKey,
  isDict,
  isFloat,
  isInt,
  isNumeric,
  mkDict,
  mkFloat,
  mkInt,
  objectTypeRepr,
  ownValue,
  pyCompare,
  pyLen,
  strLen,
  toBigInt,
  toJsNumber,
  truthy,
  typeError,
  typeName,
  valueError,
} from './python-values.js';

/** What a filter may ask of the renderer that calls it. */
export interface FilterRuntime {
  /** Largest string or list a filter may build. */
  readonly maxSize: number;
  /** Charges `n` evaluation steps against the budget (throws when exhausted). */
  tick(n?: number): void;
  /** The items `for x in v` would see; charges the budget per item. */
  iterate(v: unknown): readonly unknown[];
  /** Jinja's `environment.getitem(obj, key)` (missing → Undefined). */
  getitem(obj: unknown, key: unknown): unknown;
  /** Jinja's `environment.getattr(obj, name)`. */
  getattr(obj: unknown, name: string): unknown;
  callFilter(name: string, value: unknown, args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>): unknown;
  callTest(name: string, value: unknown, args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>): boolean;
  /** Whether a filter or test of that name exists (for `map('name')`, `select('name')`). */
  hasFilter(name: string): boolean;
  hasTest(name: string): boolean;
}

/** Arguments bound to a filter's parameters by name, as Python binds them. */
export interface BoundArgs {
  readonly named: ReadonlyMap<string, unknown>;
  /** Extra positional arguments (`*args` filters). */
  readonly rest: readonly unknown[];
  /** Extra keyword arguments (`**kwargs` filters). */
  readonly extra: ReadonlyMap<string, unknown>;
}

export interface ParamSpec {
  readonly name: string;
  /** Absent: the parameter is required. */
  readonly default?: unknown;
}

export interface FilterDef {
  /** Parameters after the filtered value. */
  readonly params: readonly ParamSpec[];
  readonly varargs?: boolean;
  readonly varkw?: boolean;
  /** The filtered value may be Undefined (`default`); otherwise an Undefined input fails. */
  readonly acceptsUndefined?: boolean;
  readonly fn: (value: unknown, args: BoundArgs, rt: FilterRuntime) => unknown;
}

/** Binds positional and keyword arguments to `params` with Python's rules and messages. */
export function bindArgs(
  fnName: string,
  def: Pick<FilterDef, 'params' | 'varargs' | 'varkw'>,
  args: readonly unknown[],
  kwargs: ReadonlyMap<string, unknown>,
): BoundArgs {
  const named = new Map<string, unknown>();
  const rest: unknown[] = [];
  const extra = new Map<string, unknown>();
  args.forEach((a, i) => {
    const p = def.params[i];
    if (p !== undefined) named.set(p.name, a);
    else if (def.varargs === true) rest.push(a);
    else {
      throw typeError(`${fnName}() takes ${def.params.length + 1} positional argument${def.params.length === 0 ? '' : 's'} but ${args.length + 1} were given`);
    }
  });
  for (const [k, v] of kwargs) {
    const p = def.params.find((x) => x.name === k);
    if (p !== undefined) {
      if (named.has(k)) throw typeError(`${fnName}() got multiple values for argument '${k}'`);
      named.set(k, v);
    } else if (def.varkw === true) {
      extra.set(k, v);
    } else {
      throw typeError(`${fnName}() got an unexpected keyword argument '${k}'`);
    }
  }
  for (const p of def.params) {
    if (named.has(p.name)) continue;
    if (!('default' in p)) {
      throw typeError(`${fnName}() missing 1 required positional argument: '${p.name}'`);
    }
    named.set(p.name, p.default);
  }
  return { named, rest, extra };
}

// ---------------------------------------------------------------- helpers

function arg(a: BoundArgs, name: string): unknown {
  return a.named.get(name);
}

function strArg(fn: string, v: unknown): string {
  if (v instanceof Undefined) failUndefined(v);
  if (typeof v !== 'string') throw typeError(`${fn}: expected a string, got ${typeName(v)}`);
  return v;
}

function intArg(v: unknown): number {
  if (v instanceof Undefined) failUndefined(v);
  if (typeof v === 'boolean' || isInt(v)) return Number(toBigInt(v));
  throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer`);
}

function ignoreCase(v: unknown): unknown {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Jinja's `_prepare_attribute_parts`: `"a.0.b"` → `['a', 0, 'b']`. */
function attributeParts(attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return [];
  if (typeof attribute === 'string') return attribute.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return [attribute];
}

/** Jinja's `make_attrgetter`. */
function attrGetter(rt: FilterRuntime, attribute: unknown, postprocess?: (v: unknown) => unknown, dflt?: unknown): (item: unknown) => unknown {
  const parts = attributeParts(attribute);
  return (item) => {
    let v = item;
    for (const part of parts) {
      v = rt.getitem(v, part);
      if (dflt !== undefined && dflt !== null && v instanceof Undefined) v = dflt;
    }
    return postprocess === undefined ? v : postprocess(v);
  };
}

/** Jinja's `make_multi_attrgetter` (comma-separated attributes → a list key). */
function multiAttrGetter(rt: FilterRuntime, attribute: unknown, postprocess?: (v: unknown) => unknown): (item: unknown) => unknown[] {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const parts = split.map(attributeParts);
  return (item) =>
    parts.map((ps) => {
      let v = item;
      for (const part of ps) v = rt.getitem(v, part);
      return postprocess === undefined ? v : postprocess(v);
    });
}

/** Python `sorted(items, key=key, reverse=reverse)`: stable, TypeError on mixed types. */
function sortBy(items: readonly unknown[], key: (v: unknown) => unknown, reverse: boolean, rt: FilterRuntime): unknown[] {
  rt.tick(items.length);
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((a, b) => {
    const c = pyCompare(a.k, b.k);
    return reverse ? -c : c;
  });
  return keyed.map((x) => x.item);
}

function checkLength(s: string, rt: FilterRuntime): string {
  if (s.length > rt.maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'string exceeds the template size limit');
  return s;
}

/** POSIX `os.path` helpers, as EDA's filters use them. */
function pathArg(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Undefined) failUndefined(v);
  if (typeof v !== 'string') throw typeError(`expected str, bytes or os.PathLike object, not ${typeName(v)}`);
  return v;
}

export function posixBasename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function posixDirname(p: string): string {
  let head = p.slice(0, p.lastIndexOf('/') + 1);
  if (head !== '' && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

export function posixNormpath(p: string): string {
  if (p === '') return '.';
  let initial = p.startsWith('/') ? 1 : 0;
  // POSIX allows one or two initial slashes, but treats three or more as one.
  if (initial === 1 && p.startsWith('//') && !p.startsWith('///')) initial = 2;
  const comps: string[] = [];
  for (const comp of p.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (initial === 0 && comps.length === 0) || (comps.length > 0 && comps[comps.length - 1] === '..')) {
      comps.push(comp);
    } else if (comps.length > 0) {
      comps.pop();
    }
  }
  const out = '/'.repeat(initial) + comps.join('/');
  return out === '' ? '.' : out;
}

const TRUE_WORDS = new Set(['true', 'yes', '1', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'off', 'f', 'n', '']);

/** EDA's `bool` filter. */
export function edaBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = pyStrip(value.toLowerCase(), null);
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw valueError(`Cannot convert '${value}' to boolean. Expected: true/false, yes/no, 1/0, on/off`);
  }
  return truthy(value);
}

function minOrMax(value: unknown, a: BoundArgs, rt: FilterRuntime, wantMax: boolean): unknown {
  const items = rt.iterate(value);
  if (items.length === 0) return new Undefined('No aggregated item, sequence was empty.', undefined);
  const key = attrGetter(rt, arg(a, 'attribute'), truthy(arg(a, 'case_sensitive')) ? undefined : ignoreCase);
  let best = items[0];
  let bestKey = key(best);
  for (let i = 1; i < items.length; i++) {
    const k = key(items[i]);
    const c = pyCompare(k, bestKey);
    if (wantMax ? c > 0 : c < 0) {
      best = items[i];
      bestKey = k;
    }
  }
  return best;
}

/** Jinja's `prepare_select_or_reject`. */
function selectOrReject(value: unknown, a: BoundArgs, rt: FilterRuntime, lookupAttr: boolean, keep: boolean): PyIter {
  const args = a.rest;
  let transform = (x: unknown): unknown => x;
  let off = 0;
  if (lookupAttr) {
    if (args.length === 0) throw typeError('Missing parameter for attribute name');
    transform = attrGetter(rt, args[0]);
    off = 1;
  }
  let test: (x: unknown) => boolean;
  if (args.length > off) {
    const name = strArg('select', args[off]);
    const testArgs = args.slice(off + 1);
    test = (x) => rt.callTest(name, x, testArgs, a.extra);
  } else {
    test = truthy;
  }
  const out = rt.iterate(value).filter((item) => test(transform(item)) === keep);
  const label = `${keep ? 'select' : 'reject'}${lookupAttr ? 'attr' : ''}`;
  return new PyIter('generator', out, `sync_do_${label}`);
}

// ---------------------------------------------------------------- the filters

/** A parameter; pass a second argument to make it optional with that default. */
function p(name: string, ...dflt: [unknown?]): ParamSpec {
  return dflt.length > 0 ? { name, default: dflt[0] } : { name };
}

function def(params: readonly ParamSpec[], fn: FilterDef['fn'], extra: Partial<FilterDef> = {}): FilterDef {
  return { params, fn, ...extra };
}

const DEFAULT: FilterDef = def(
  [p('default_value', ''), p('boolean', false)],
  (v, a) => (v instanceof Undefined || (truthy(arg(a, 'boolean')) && !truthy(v)) ? arg(a, 'default_value') : v),
  { acceptsUndefined: true },
);

const LENGTH: FilterDef = def([], (v) => pyLen(v));

const items: FilterDef = def(
  [],
  (v) => {
    if (v instanceof Undefined) return new PyIter('generator', [], 'do_items');
    if (!isDict(v)) throw typeError('Can only get item pairs from a mapping.');
    return new PyIter('generator', dictKeys(v).map((k) => new PyTuple([k, ownValue(v, k)])), 'do_items');
  },
  { acceptsUndefined: true },
);

function jsonIndent(v: unknown, rt: FilterRuntime): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  const n = intArg(v);
  if (n > rt.maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'indent exceeds the template size limit');
  return n;
}

/** Every filter by name. */
export const FILTERS: ReadonlyMap<string, FilterDef> = new Map<string, FilterDef>([
  ['default', DEFAULT],
  ['d', DEFAULT],
  ['length', LENGTH],
  ['count', LENGTH],
  ['abs', def([], (v) => {
    if (!isNumeric(v)) throw typeError(`bad operand type for abs(): '${typeName(v)}'`);
    if (isFloat(v)) return mkFloat(Math.abs(toJsNumber(v)));
    const b = toBigInt(v as number | bigint | boolean);
    return mkInt(b < 0n ? -b : b);
  })],
  // Python getattr only: dict keys are not attributes.
  ['attr', def([p('name')], (v, a, rt) => {
    const name = strArg('attr', arg(a, 'name'));
    return getMethod(v, name, rt.maxSize) ?? new Undefined(`${pyRepr(objectTypeRepr(v))} has no attribute ${pyRepr(name)}`, undefined);
  })],
  ['batch', def([p('linecount'), p('fill_with', null)], (v, a, rt) => {
    const n = intArg(arg(a, 'linecount'));
    if (n <= 0) throw valueError('batch size must be positive');
    const fill = arg(a, 'fill_with');
    const out: unknown[][] = [];
    let tmp: unknown[] = [];
    for (const item of rt.iterate(v)) {
      if (tmp.length === n) {
        out.push(tmp);
        tmp = [];
      }
      tmp.push(item);
    }
    if (tmp.length > 0) {
      if (fill !== null && fill !== undefined) while (tmp.length < n) tmp.push(fill);
      out.push(tmp);
    }
    return new PyIter('generator', out, 'do_batch');
  })],
  ['capitalize', def([], (v) => pyCapitalize(pyStr(v)))],
  ['center', def([p('width', 80)], (v, a, rt) => pyCenter(pyStr(v), intArg(arg(a, 'width')), ' ', rt.maxSize))],
  ['dictsort', def([p('case_sensitive', false), p('by', 'key'), p('reverse', false)], (v, a, rt) => {
    if (!isDict(v)) throw typeError(`'${typeName(v)}' object has no attribute 'items'`);
    const by = arg(a, 'by');
    if (by !== 'key' && by !== 'value') throw valueError('You can only sort by either "key" or "value"');
    const pos = by === 'key' ? 0 : 1;
    const cs = truthy(arg(a, 'case_sensitive'));
    const pairs = dictKeys(v).map((k) => new PyTuple([k, ownValue(v, k)]));
    return sortBy(pairs, (t) => {
      const x = (t as PyTuple).items[pos];
      return cs ? x : ignoreCase(x);
    }, truthy(arg(a, 'reverse')), rt);
  })],
  ['escape', def([], (v) => escapeHtml(pyStr(v)))],
  ['e', def([], (v) => escapeHtml(pyStr(v)))],
  ['first', def([], (v, _a, rt) => {
    const all = rt.iterate(v);
    return all.length > 0 ? all[0] : new Undefined('No first item, sequence was empty.', undefined);
  })],
  ['last', def([], (v, _a, rt) => {
    if (v instanceof PyIter && v.typeName === 'generator') throw typeError("'generator' object is not reversible");
    const all = rt.iterate(v);
    return all.length > 0 ? all[all.length - 1] : new Undefined('No last item, sequence was empty.', undefined);
  })],
  ['float', def([p('default', new PyFloat(0))], (v, a) => {
    if (isNumeric(v)) return mkFloat(toJsNumber(v));
    if (typeof v === 'string') {
      const f = parsePyFloat(v);
      if (f !== null) return mkFloat(f);
    }
    return arg(a, 'default');
  })],
  ['format', def([], (v, a, rt) => {
    const fmt = pyStr(v);
    if (a.extra.size > 0 && a.rest.length > 0) throw typeError("can't handle positional and keyword arguments at the same time");
    if (a.extra.size > 0) return percentFormat(fmt, mkDict(a.extra), rt.maxSize);
    return percentFormat(fmt, new PyTuple(a.rest), rt.maxSize);
  }, { varargs: true, varkw: true })],
  ['indent', def([p('width', 4), p('first', false), p('blank', false)], (v, a, rt) => {
    const width = arg(a, 'width');
    const n = typeof width === 'string' ? 0 : intArg(width);
    if (n > rt.maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'indent width exceeds the template size limit');
    const indention = typeof width === 'string' ? width : ' '.repeat(Math.max(0, n));
    const s = strArg('indent', v) + '\n';
    let out: string;
    if (truthy(arg(a, 'blank'))) {
      out = pySplitLines(s, false).join('\n' + indention);
    } else {
      const lines = pySplitLines(s, false);
      out = lines.shift() ?? '';
      if (lines.length > 0) out += '\n' + lines.map((l) => (l === '' ? l : indention + l)).join('\n');
    }
    if (truthy(arg(a, 'first'))) out = indention + out;
    return checkLength(out, rt);
  })],
  ['int', def([p('default', 0), p('base', 10)], (v, a) => {
    const dflt = arg(a, 'default');
    const base = intArg(arg(a, 'base'));
    if (typeof v === 'string') {
      const n = parsePyInt(v, base);
      if (n !== null) return mkInt(n);
      const f = parsePyFloat(v);
      if (f === null || Number.isNaN(f)) return dflt;
      if (!Number.isFinite(f)) throw new TemplateRuntimeError(TemplateFailure.Overflow, 'cannot convert float infinity to integer');
      return mkInt(BigInt(Math.trunc(f)));
    }
    if (isNumeric(v)) {
      const x = isFloat(v) ? toJsNumber(v) : undefined;
      if (x === undefined) return mkInt(toBigInt(v as number | bigint | boolean));
      if (Number.isNaN(x)) return dflt;
      if (!Number.isFinite(x)) throw new TemplateRuntimeError(TemplateFailure.Overflow, 'cannot convert float infinity to integer');
      return mkInt(BigInt(Math.trunc(x)));
    }
    return dflt;
  })],
  ['items', items],
  ['join', def([p('d', ''), p('attribute', null)], (v, a, rt) => {
    let list = rt.iterate(v);
    const attribute = arg(a, 'attribute');
    if (attribute !== null && attribute !== undefined) list = list.map(attrGetter(rt, attribute));
    const sep = pyStr(arg(a, 'd'));
    let out = '';
    list.forEach((x, i) => {
      if (x instanceof Undefined) failUndefined(x);
      out += (i > 0 ? sep : '') + pyStr(x);
      if (out.length > rt.maxSize) checkLength(out, rt);
    });
    return out;
  })],
  ['list', def([], (v, _a, rt) => [...rt.iterate(v)])],
  ['lower', def([], (v) => pyStr(v).toLowerCase())],
  ['upper', def([], (v) => pyStr(v).toUpperCase())],
  ['map', def([], (v, a, rt) => {
    let fn: (x: unknown) => unknown;
    if (a.rest.length === 0 && a.extra.has('attribute')) {
      const extra = new Map(a.extra);
      const attribute = extra.get('attribute');
      const dflt = extra.get('default');
      extra.delete('attribute');
      extra.delete('default');
      if (extra.size > 0) throw typeError(`Unexpected keyword argument ${pyRepr(extra.keys().next().value)}`);
      fn = attrGetter(rt, attribute, undefined, dflt);
    } else {
      if (a.rest.length === 0) throw typeError('map requires a filter argument');
      const name = strArg('map', a.rest[0]);
      const fargs = a.rest.slice(1);
      fn = (x) => rt.callFilter(name, x, fargs, a.extra);
    }
    return new PyIter('generator', rt.iterate(v).map(fn), 'sync_do_map');
  }, { varargs: true, varkw: true })],
  ['max', def([p('case_sensitive', false), p('attribute', null)], (v, a, rt) => minOrMax(v, a, rt, true))],
  ['min', def([p('case_sensitive', false), p('attribute', null)], (v, a, rt) => minOrMax(v, a, rt, false))],
  ['pprint', def([], (v) => pyPformat(v))],
  ['reject', def([], (v, a, rt) => selectOrReject(v, a, rt, false, false), { varargs: true, varkw: true })],
  ['rejectattr', def([], (v, a, rt) => selectOrReject(v, a, rt, true, false), { varargs: true, varkw: true })],
  ['select', def([], (v, a, rt) => selectOrReject(v, a, rt, false, true), { varargs: true, varkw: true })],
  ['selectattr', def([], (v, a, rt) => selectOrReject(v, a, rt, true, true), { varargs: true, varkw: true })],
  ['replace', def([p('old'), p('new'), p('count', null)], (v, a, rt) => {
    const count = arg(a, 'count');
    return pyReplace(pyStr(v), pyStr(arg(a, 'old')), pyStr(arg(a, 'new')), count === null ? -1 : intArg(count), rt.maxSize);
  })],
  ['reverse', def([], (v, _a, rt) => {
    if (typeof v === 'string') return codePoints(v).reverse().join('');
    const all = [...rt.iterate(v)].reverse();
    if (Array.isArray(v)) return new PyIter('list_reverseiterator', all);
    return all;
  })],
  ['round', def([p('precision', 0), p('method', 'common')], (v, a) => {
    const method = arg(a, 'method');
    if (method !== 'common' && method !== 'ceil' && method !== 'floor') throw valueError('method must be common, ceil or floor');
    const precision = intArg(arg(a, 'precision'));
    if (!isNumeric(v)) throw typeError(`type ${typeName(v)} doesn't define __round__ method`);
    if (method === 'common') {
      if (!isFloat(v)) {
        const n = toBigInt(v as number | bigint | boolean);
        if (precision >= 0) return mkInt(n);
        const unit = 10n ** BigInt(-precision);
        const q = n / unit;
        const r = n - q * unit;
        const twice = (r < 0n ? -r : r) * 2n;
        let rounded = q;
        if (twice > unit || (twice === unit && q % 2n !== 0n)) rounded += n < 0n ? -1n : 1n;
        return mkInt(rounded * unit);
      }
      return mkFloat(pyRoundFloat(toJsNumber(v), precision));
    }
    const scale = 10 ** precision;
    const f = method === 'ceil' ? Math.ceil : Math.floor;
    return mkFloat(f(toJsNumber(v) * scale) / scale);
  })],
  ['sort', def([p('reverse', false), p('case_sensitive', false), p('attribute', null)], (v, a, rt) => {
    const key = multiAttrGetter(rt, arg(a, 'attribute'), truthy(arg(a, 'case_sensitive')) ? undefined : ignoreCase);
    return sortBy(rt.iterate(v), key, truthy(arg(a, 'reverse')), rt);
  })],
  ['string', def([], (v) => pyStr(v))],
  ['sum', def([p('attribute', null), p('start', 0)], (v, a, rt) => {
    let list = rt.iterate(v);
    const attribute = arg(a, 'attribute');
    if (attribute !== null && attribute !== undefined) list = list.map(attrGetter(rt, attribute));
    let total = arg(a, 'start');
    for (const x of list) total = addNumbers(total, x);
    return total;
  })],
  ['title', def([], (v) => pyStr(v).split(/([-\s({[<]+)/u).filter((w) => w !== '').map((w) => {
    const cps = codePoints(w);
    return (cps[0] ?? '').toUpperCase() + cps.slice(1).join('').toLowerCase();
  }).join(''))],
  ['tojson', def([p('indent', null)], (v, a, rt) => pyJsonDumps(v, { sortKeys: true, indent: jsonIndent(arg(a, 'indent'), rt) })
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027'))],
  ['trim', def([p('chars', null)], (v, a) => {
    const chars = arg(a, 'chars');
    return pyStrip(pyStr(v), chars === null || chars === undefined ? null : strArg('trim', chars));
  })],
  ['truncate', def([p('length', 255), p('killwords', false), p('end', '...'), p('leeway', null)], (v, a) => {
    const s = strArg('truncate', v);
    const length = intArg(arg(a, 'length'));
    const end = strArg('truncate', arg(a, 'end'));
    const leewayArg = arg(a, 'leeway');
    const leeway = leewayArg === null || leewayArg === undefined ? 5 : intArg(leewayArg);
    if (length < strLen(end)) throw valueError(`expected length >= ${strLen(end)}, got ${length}`);
    if (leeway < 0) throw valueError(`expected leeway >= 0, got ${leeway}`);
    const cps = codePoints(s);
    if (cps.length <= length + leeway) return s;
    const head = cps.slice(0, length - strLen(end)).join('');
    if (truthy(arg(a, 'killwords'))) return head + end;
    const cut = head.lastIndexOf(' ');
    return (cut < 0 ? head : head.slice(0, cut)) + end;
  })],
  ['unique', def([p('case_sensitive', false), p('attribute', null)], (v, a, rt) => {
    const key = attrGetter(rt, arg(a, 'attribute'), truthy(arg(a, 'case_sensitive')) ? undefined : ignoreCase);
    const seen = new Set<string>();
    const out: unknown[] = [];
    for (const item of rt.iterate(v)) {
      const h = hashKey(key(item));
      if (seen.has(h)) continue;
      seen.add(h);
      out.push(item);
    }
    return new PyIter('generator', out, 'do_unique');
  })],
  ['wordcount', def([], (v) => (pyStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length)],
  // EDA's filters (ansible_rulebook/jinja/filters.py)
  ['regex_replace', def(
    [p('pattern'), p('replacement'), p('count', 0), p('ignore_case', false), p('multiline', false), p('mandatory_count', 0)],
    (v, a, rt) => {
      if (v === null) return '';
      const pattern = arg(a, 'pattern');
      const replacement = arg(a, 'replacement');
      if (typeof pattern !== 'string') throw typeError('first argument must be string or compiled pattern');
      if (typeof replacement !== 'string') throw typeError(`expected str instance, ${typeName(replacement)} found`);
      const count = intArg(arg(a, 'count'));
      if (count < 0) return pyStr(v);
      const compiled = compilePythonRegex(pattern, { ignoreCase: truthy(arg(a, 'ignore_case')), multiline: truthy(arg(a, 'multiline')) });
      const input = pyStr(v);
      rt.tick(Math.ceil(input.length / 64));
      const result = pythonRegexSub(compiled, replacement, input, count, rt.maxSize);
      const mandatory = intArg(arg(a, 'mandatory_count'));
      if (mandatory > 0 && result.replaced < mandatory) {
        throw valueError(`Regex replace failed: expected at least ${mandatory} replacements, but only found ${result.replaced}.`);
      }
      return result.text;
    },
  )],
  ['basename', def([], (v) => {
    const s = pathArg(v);
    return s === null ? '' : posixBasename(s);
  })],
  ['dirname', def([], (v) => {
    const s = pathArg(v);
    return s === null ? '' : posixDirname(s);
  })],
  ['normpath', def([], (v) => {
    const s = pathArg(v);
    return s === null ? '' : posixNormpath(s);
  })],
  ['bool', def([], (v) => edaBool(v))],
  // autoheal extensions (Ansible's filters of the same name; not available upstream)
  ['to_json', def([p('indent', null), p('sort_keys', false), p('ensure_ascii', true)], (v, a, rt) =>
    pyJsonDumps(v, { indent: jsonIndent(arg(a, 'indent'), rt), sortKeys: truthy(arg(a, 'sort_keys')), ensureAscii: truthy(arg(a, 'ensure_ascii')) }))],
  ['to_nice_json', def([p('indent', 4), p('sort_keys', true), p('ensure_ascii', true)], (v, a, rt) =>
    pyJsonDumps(v, { indent: jsonIndent(arg(a, 'indent'), rt), sortKeys: truthy(arg(a, 'sort_keys')), ensureAscii: truthy(arg(a, 'ensure_ascii')), separators: [',', ': '] }))],
  ['dict2items', def([p('key_name', 'key'), p('value_name', 'value')], (v, a) => {
    if (!isDict(v)) throw typeError(`dict2items requires a dictionary, got ${typeName(v)} instead.`);
    const kn = strArg('dict2items', arg(a, 'key_name'));
    const vn = strArg('dict2items', arg(a, 'value_name'));
    return dictKeys(v).map((k) => mkDict([[kn, k], [vn, ownValue(v, k)]]));
  })],
]);

function addNumbers(a: unknown, b: unknown): unknown {
  if (a instanceof Undefined) failUndefined(a);
  if (b instanceof Undefined) failUndefined(b);
  if (!isNumeric(a) || !isNumeric(b)) throw typeError(`unsupported operand type(s) for +: '${typeName(a)}' and '${typeName(b)}'`);
  if (isFloat(a) || isFloat(b)) return mkFloat(toJsNumber(a) + toJsNumber(b));
  return mkInt(toBigInt(a as number | bigint | boolean) + toBigInt(b as number | bigint | boolean));
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');
}
