/**
 * @module The value model templates compute with, and Python's semantics over it.
 *
 * Template inputs are JSON-like: `null`, booleans, numbers, `bigint` (integers beyond ±2^53),
 * strings, arrays (lists) and plain objects (dicts). A JS number is a Python int when it is a
 * safe integer and a float otherwise. Python values JSON has no shape for are boxed: an
 * integral float (`2.0`), a tuple, a range, a lazy iterator (generator, `dict_items`), a bound
 * method, and Jinja's StrictUndefined. {@link toPlain} converts boxed values back to JSON-like
 * ones at the edge.
 *
 * Security: attribute and item access only ever reads own data properties of plain objects and
 * in-range array indexes, never prototypes, accessors or functions (see {@link ownValue}).
 */

/** Offsets into the template source: `start` inclusive, `end` exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A float whose value is integral (`2.0`): a bare JS number would read as the int `2`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** `range(start, stop, step)`, lazy so that `range(10**9)` costs nothing until iterated. */
export class PyRange {
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {}

  get length(): number {
    const { start, stop, step } = this;
    if (step > 0 ? start >= stop : start <= stop) return 0;
    return Math.floor((stop - start - Math.sign(step)) / step) + 1;
  }

  at(i: number): number {
    return this.start + i * this.step;
  }
}

/**
 * A materialised iterator: what Jinja filters such as `map` return (a generator), dict views
 * (`dict_items`), `reversed()`. Only `str()` and truthiness tell them apart from lists.
 */
export class PyIter {
  constructor(
    /** `generator`, `dict_keys`, `dict_values`, `dict_items`, `list_reverseiterator`. */
    readonly typeName: string,
    readonly items: readonly unknown[],
    /** Function name shown in `<generator object NAME>`. */
    readonly label = '',
  ) {}
}

/** Something a template can call: a bound str/dict/list method or a global such as `range`. */
export class PyCallable {
  constructor(
    readonly name: string,
    readonly call: (args: readonly unknown[], kwargs: ReadonlyMap<string, unknown>) => unknown,
    /** For `str()`: `<built-in method NAME of TYPE object>`. */
    readonly ownerType = '',
  ) {}
}

/** Jinja's `loop` variable and similar read-only attribute bags. */
export class PyNamespace {
  constructor(
    readonly typeName: string,
    readonly attrs: ReadonlyMap<string, unknown>,
    readonly text: string,
  ) {}
}

/**
 * Jinja's StrictUndefined: a missing variable, attribute or item. It may be passed around and
 * tested (`is defined`, `| default`), but any other use fails with {@link message}.
 */
export class Undefined {
  constructor(
    /** Upstream's wording: `'dict object' has no attribute 'x'`, `'x' is undefined`. */
    readonly message: string,
    /** The expression that produced it, for error messages. */
    readonly span: Span | undefined,
    /**
     * Jinja's plain (non-strict) Undefined, which an inline `x if c` without `else` yields even
     * under StrictUndefined: it prints as '', is falsy, iterates as empty and has length 0.
     */
    readonly lenient = false,
  ) {}
}

/** Kinds of runtime failure, mirroring the Python exception an upstream render would raise. */
export const TemplateFailure = {
  Undefined: 'undefined',
  Type: 'type_error',
  Value: 'value_error',
  ZeroDivision: 'zero_division',
  Overflow: 'overflow',
  Budget: 'budget',
  Unsupported: 'unsupported',
} as const;
export type TemplateFailure = (typeof TemplateFailure)[keyof typeof TemplateFailure];

/** A failure while evaluating; the renderer adds the template position and wraps it. */
export class TemplateRuntimeError extends Error {
  constructor(
    readonly kind: TemplateFailure,
    message: string,
    readonly span?: Span,
  ) {
    super(message);
    this.name = 'TemplateRuntimeError';
  }
}

export function typeError(message: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Type, message);
}

export function valueError(message: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Value, message);
}

/** Throws the error a StrictUndefined raises when it is used. */
export function failUndefined(u: Undefined): never {
  throw new TemplateRuntimeError(TemplateFailure.Undefined, u.message, u.span);
}

/** A dict: a plain object (prototype Object.prototype or null). */
export type PyDict = Readonly<Record<string, unknown>>;

export function isDict(v: unknown): v is PyDict {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/** Python int: a safe-integer number, a bigint (bool is handled separately by callers). */
export function isInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}

export function isFloat(v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isSafeInteger(v));
}

/** int, float or bool: what Python's numeric operators accept. */
export function isNumeric(v: unknown): v is number | bigint | boolean | PyFloat {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof PyFloat;
}

/** A float result, boxed when integral so that it still prints as `2.0`. */
export function mkFloat(x: number): number | PyFloat {
  return Number.isInteger(x) && Number.isSafeInteger(x) ? new PyFloat(x) : x;
}

/** An int result: a number when safe, else a bigint. */
export function mkInt(x: bigint): number | bigint {
  return x >= -9007199254740991n && x <= 9007199254740991n ? Number(x) : x;
}

/** The numeric value of an int/float/bool as a JS number (precision lost for huge ints). */
export function toJsNumber(v: number | bigint | boolean | PyFloat): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return Number(v);
}

/** The value of an int or bool as a bigint. */
export function toBigInt(v: number | bigint | boolean): bigint {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Python's `type(v).__name__`. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
  }
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyFloat) return 'float';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyRange) return 'range';
  if (v instanceof PyIter) return v.typeName;
  if (v instanceof PyCallable) return 'builtin_function_or_method';
  if (v instanceof PyNamespace) return v.typeName;
  if (v instanceof Undefined) return v.lenient ? 'Undefined' : 'StrictUndefined';
  if (isDict(v)) return 'dict';
  return 'object';
}

/** Jinja's `object_type_repr`, used in undefined messages: `dict object`, `None`. */
export function objectTypeRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  return `${typeName(v)} object`;
}

/** `obj[key]` if it is an own data property, else `undefined` (never prototypes or getters). */
export function ownValue(obj: object, key: string): unknown {
  const desc = Object.getOwnPropertyDescriptor(obj, key);
  if (desc === undefined || !('value' in desc)) return undefined;
  return desc.value;
}

/** Own enumerable string keys of a dict, in insertion order (JS puts integer-like keys first). */
export function dictKeys(d: PyDict): string[] {
  return Object.keys(d);
}

/** Builds a dict from entries; keys such as `__proto__` become ordinary own properties. */
export function mkDict(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Python truthiness; StrictUndefined fails. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return v !== 0; // NaN is truthy in Python, and NaN !== 0
    case 'bigint':
      return v !== 0n;
    case 'string':
      return v.length > 0;
    default:
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Undefined) return v.lenient ? false : failUndefined(v);
  if (v instanceof PyFloat) return v.value !== 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyRange) return v.length > 0;
  if (v instanceof PyIter) return v.typeName === 'generator' || v.typeName.endsWith('iterator') || v.items.length > 0;
  if (isDict(v)) return dictKeys(v).length > 0;
  return true;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Python `len()` of a str: code points, not UTF-16 units. */
export function strLen(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The code points of a string, as strings. */
export function codePoints(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('');
}

/** Compares two strings by code point, as Python does (JS `<` compares UTF-16 units). */
export function compareStr(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** Python `==`. StrictUndefined fails. */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined) return a.lenient ? b instanceof Undefined && b.lenient : failUndefined(a);
  if (b instanceof Undefined) return b.lenient ? false : failUndefined(b);
  if (isNumeric(a) && isNumeric(b)) return numCompare(a, b) === 0;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return seqEquals(a, b);
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEquals(a.items, b.items);
  if (a instanceof PyRange && b instanceof PyRange) {
    return seqEquals(rangeItems(a, Infinity), rangeItems(b, Infinity));
  }
  if (isDict(a) && isDict(b)) {
    const ka = dictKeys(a);
    const kb = dictKeys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      if (!pyEquals(ownValue(a, k), ownValue(b, k))) return false;
    }
    return true;
  }
  return a === b;
}

function seqEquals(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!pyEquals(a[i], b[i])) return false;
  return true;
}

/** Compares two numerics exactly (bigint vs float included); NaN compares as unordered (NaN). */
export function numCompare(a: number | bigint | boolean | PyFloat, b: number | bigint | boolean | PyFloat): number {
  const x = typeof a === 'boolean' ? (a ? 1 : 0) : a instanceof PyFloat ? a.value : a;
  const y = typeof b === 'boolean' ? (b ? 1 : 0) : b instanceof PyFloat ? b.value : b;
  if (typeof x === 'number' && Number.isNaN(x)) return NaN;
  if (typeof y === 'number' && Number.isNaN(y)) return NaN;
  // JS relational operators compare bigint and number mathematically exactly.
  if (x < y) return -1;
  if (x > y) return 1;
  return 0;
}

/** Python ordering for `<`, `>`, `sort`: numbers, strings, lists and tuples; else TypeError. */
export function pyCompare(a: unknown, b: unknown, op = '<'): number {
  if (a instanceof Undefined) failUndefined(a);
  if (b instanceof Undefined) failUndefined(b);
  if (isNumeric(a) && isNumeric(b)) return numCompare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareStr(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return seqCompare(a, b, op);
  if (a instanceof PyTuple && b instanceof PyTuple) return seqCompare(a.items, b.items, op);
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

function seqCompare(a: readonly unknown[], b: readonly unknown[], op: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!pyEquals(a[i], b[i])) return pyCompare(a[i], b[i], op);
  }
  return a.length - b.length;
}

/** Python `len()`; TypeError for unsized values. */
export function pyLen(v: unknown): number {
  if (typeof v === 'string') return strLen(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Undefined) return v.lenient ? 0 : failUndefined(v);
  if (v instanceof PyTuple) return v.items.length;
  if (v instanceof PyRange) return v.length;
  if (v instanceof PyIter && v.typeName.startsWith('dict_')) return v.items.length;
  if (isDict(v)) return dictKeys(v).length;
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

/** True when `iterate` accepts the value. */
export function isIterable(v: unknown): boolean {
  return (
    typeof v === 'string' ||
    Array.isArray(v) ||
    v instanceof PyTuple ||
    v instanceof PyRange ||
    v instanceof PyIter ||
    isDict(v)
  );
}

/**
 * The items `for x in v` yields: characters of a str, keys of a dict. `maxItems` bounds ranges
 * (the caller's budget); anything else is a TypeError.
 */
export function iterate(v: unknown, maxItems: number): readonly unknown[] {
  if (typeof v === 'string') return codePoints(v);
  if (Array.isArray(v)) return v;
  if (v instanceof Undefined) return v.lenient ? [] : failUndefined(v);
  if (v instanceof PyTuple) return v.items;
  if (v instanceof PyIter) return v.items;
  if (v instanceof PyRange) return rangeItems(v, maxItems);
  if (isDict(v)) return dictKeys(v);
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

export function rangeItems(r: PyRange, maxItems: number): number[] {
  const n = r.length;
  if (n > maxItems) {
    throw new TemplateRuntimeError(TemplateFailure.Budget, `range of ${n} items exceeds the template size limit`);
  }
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.at(i);
  return out;
}

/**
 * Python hashability, for dict keys, sets and `unique`: lists, dicts and the like are not
 * hashable. Returns a string key that equal values share (`1`, `1.0` and `True` collide, as
 * in Python).
 */
export function hashKey(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  if (v instanceof Undefined) failUndefined(v);
  if (isNumeric(v)) {
    const n = typeof v === 'bigint' ? v : toJsNumber(v);
    if (typeof n === 'number' && Number.isInteger(n) && !Number.isSafeInteger(n)) return `n${BigInt(n).toString()}`;
    return `n${typeof n === 'bigint' ? n.toString() : String(n)}`;
  }
  if (typeof v === 'string') return `s${v}`;
  if (v instanceof PyTuple) return `t(${v.items.map(hashKey).join(',')})`;
  if (v instanceof PyRange) return `r${v.start},${v.stop},${v.step}`;
  // Lists, dicts and everything else: unhashable (close enough for iterators and callables,
  // which Python hashes by identity but templates never use as keys).
  throw typeError(`unhashable type: '${typeName(v)}'`);
}

/**
 * Converts a computed value back to a JSON-like value for callers: integral floats become
 * numbers, tuples, ranges and iterators become arrays, callables and namespaces their `str()`.
 * Returns the same reference when nothing inside needed converting.
 *
 * @param strOf `str()` for callables and namespaces (passed in to avoid an import cycle).
 */
export function toPlain(v: unknown, maxItems: number, strOf: (v: unknown) => string): unknown {
  if (v === null || typeof v !== 'object') return v === undefined ? null : v;
  if (v instanceof Undefined) return v.lenient ? '' : failUndefined(v);
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return convertList(v.items, maxItems, strOf, true);
  if (v instanceof PyIter) return convertList(v.items, maxItems, strOf, true);
  if (v instanceof PyRange) return rangeItems(v, maxItems);
  if (v instanceof PyCallable || v instanceof PyNamespace) return strOf(v);
  if (Array.isArray(v)) return convertList(v, maxItems, strOf, false);
  if (isDict(v)) {
    let changed = false;
    const entries: [string, unknown][] = [];
    for (const k of dictKeys(v)) {
      const item = ownValue(v, k);
      const conv = toPlain(item, maxItems, strOf);
      if (conv !== item) changed = true;
      entries.push([k, conv]);
    }
    return changed ? mkDict(entries) : v;
  }
  return v;
}

function convertList(
  items: readonly unknown[],
  maxItems: number,
  strOf: (v: unknown) => string,
  forceCopy: boolean,
): unknown[] | readonly unknown[] {
  let out: unknown[] | undefined = forceCopy ? [] : undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const conv = toPlain(item, maxItems, strOf);
    if (out === undefined && conv !== item) out = items.slice(0, i);
    if (out !== undefined) out.push(conv);
  }
  return out ?? items;
}
