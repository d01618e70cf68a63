/**
 * @module The Python methods templates may call: str methods (`event.name.split('.')`,
 * `x.startswith('db')`, `'{}-{}'.format(a, b)`), dict `get`/`keys`/`values`/`items` and list/tuple
 * `count`/`index`. Only these names resolve; nothing else on a value is reachable.
 */

import { strFormat } from './python-format.js';
import { pyRepr } from './python-repr.js';
import {
  PyCallable,
  PyIter,
  PyTuple,
  TemplateFailure,
  TemplateRuntimeError,
  Undefined,
  codePoints,
  dictKeys,
  failUndefined,
  isDict,
  isInt,
  isNumeric,
  ownValue,
  pyEquals,
  strLen,
  toBigInt,
  typeError,
  typeName,
  valueError,
  type PyDict,
} from './python-values.js';

/** Python's whitespace (str.isspace() and `\s`). */
export const PY_WHITESPACE = new Set([
  '\t', '\n', '\u000b', '\u000c', '\r', '\u001c', '\u001d', '\u001e', '\u001f', ' ', '\u0085', '\u00a0', '\u1680',
  '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
  '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
]);

export function isPySpace(ch: string): boolean {
  return PY_WHITESPACE.has(ch);
}

/** `s.strip(chars)` / lstrip / rstrip; `chars` null means whitespace. */
export function pyStrip(s: string, chars: string | null, side: 'both' | 'left' | 'right' = 'both'): string {
  const cps = codePoints(s);
  const set = chars === null ? PY_WHITESPACE : new Set(codePoints(chars));
  let start = 0;
  let end = cps.length;
  if (side !== 'right') while (start < end && set.has(cps[start] ?? '')) start++;
  if (side !== 'left') while (end > start && set.has(cps[end - 1] ?? '')) end--;
  return cps.slice(start, end).join('');
}

/** `s.split(sep, maxsplit)`. */
export function pySplit(s: string, sep: string | null, maxsplit: number): string[] {
  const limit = maxsplit < 0 ? Infinity : maxsplit;
  if (sep === null) {
    const cps = codePoints(s);
    const out: string[] = [];
    let i = 0;
    for (;;) {
      while (i < cps.length && isPySpace(cps[i] ?? '')) i++;
      if (i >= cps.length) break;
      if (out.length >= limit) {
        out.push(cps.slice(i).join(''));
        break;
      }
      let j = i;
      while (j < cps.length && !isPySpace(cps[j] ?? '')) j++;
      out.push(cps.slice(i, j).join(''));
      i = j;
    }
    return out;
  }
  if (sep === '') throw valueError('empty separator');
  const out: string[] = [];
  let pos = 0;
  while (out.length < limit) {
    const at = s.indexOf(sep, pos);
    if (at < 0) break;
    out.push(s.slice(pos, at));
    pos = at + sep.length;
  }
  out.push(s.slice(pos));
  return out;
}

/** `s.rsplit(sep, maxsplit)`. */
export function pyRsplit(s: string, sep: string | null, maxsplit: number): string[] {
  const limit = maxsplit < 0 ? Infinity : maxsplit;
  if (sep === null) {
    const cps = codePoints(s);
    const out: string[] = [];
    let i = cps.length;
    for (;;) {
      while (i > 0 && isPySpace(cps[i - 1] ?? '')) i--;
      if (i <= 0) break;
      if (out.length >= limit) {
        out.push(cps.slice(0, i).join(''));
        break;
      }
      let j = i;
      while (j > 0 && !isPySpace(cps[j - 1] ?? '')) j--;
      out.push(cps.slice(j, i).join(''));
      i = j;
    }
    return out.reverse();
  }
  if (sep === '') throw valueError('empty separator');
  const out: string[] = [];
  let end = s.length;
  while (out.length < limit) {
    const at = end - sep.length < 0 ? -1 : s.lastIndexOf(sep, end - sep.length);
    if (at < 0) break;
    out.push(s.slice(at + sep.length, end));
    end = at;
  }
  out.push(s.slice(0, end));
  return out.reverse();
}

/** `s.replace(old, new, count)`, by code points (an empty `old` inserts between them). */
export function pyReplace(s: string, old: string, repl: string, count: number, maxSize: number): string {
  const limit = count < 0 ? Infinity : count;
  let out = '';
  let n = 0;
  if (old === '') {
    const cps = codePoints(s);
    for (let i = 0; i <= cps.length; i++) {
      if (n < limit) {
        out += repl;
        n++;
      }
      if (i < cps.length) out += cps[i];
      if (out.length > maxSize) break;
    }
  } else {
    let pos = 0;
    while (n < limit) {
      const at = s.indexOf(old, pos);
      if (at < 0) break;
      out += s.slice(pos, at) + repl;
      pos = at + old.length;
      n++;
      if (out.length > maxSize) break;
    }
    out += s.slice(pos);
  }
  if (out.length > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'string exceeds the template size limit');
  return out;
}

/** Python str.splitlines(keepends). */
export function pySplitLines(s: string, keepends: boolean): string[] {
  const out: string[] = [];
  const re = /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    const at = m.index ?? 0;
    out.push(s.slice(last, keepends ? at + m[0].length : at));
    last = at + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;

/** Python str.title(): upper-case a cased letter that follows an uncased character. */
export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    out += prevCased ? ch.toLowerCase() : ch.toUpperCase();
    prevCased = CASED.test(ch);
  }
  return out;
}

/** Python str.capitalize(). */
export function pyCapitalize(s: string): string {
  const cps = codePoints(s);
  if (cps.length === 0) return s;
  return (cps[0] ?? '').toUpperCase() + cps.slice(1).join('').toLowerCase();
}

/** Python str.center(width, fill). */
export function pyCenter(s: string, width: number, fill: string, maxSize: number): string {
  const len = strLen(s);
  if (width <= len) return s;
  checkWidth(width, maxSize);
  const marg = width - len;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
}

function checkWidth(width: number, maxSize: number): void {
  if (width > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'width exceeds the template size limit');
}

function cased(s: string, upper: boolean): boolean {
  let any = false;
  for (const ch of s) {
    if (!CASED.test(ch)) continue;
    if (upper ? ch !== ch.toUpperCase() || ch === ch.toLowerCase() : ch !== ch.toLowerCase() || ch === ch.toUpperCase()) {
      return false;
    }
    any = true;
  }
  return any;
}

function allChars(s: string, re: RegExp): boolean {
  if (s === '') return false;
  for (const ch of s) if (!re.test(ch)) return false;
  return true;
}

type Args = readonly unknown[];
type Kwargs = ReadonlyMap<string, unknown>;

function arity(name: string, args: Args, kwargs: Kwargs, min: number, max: number, keywords: readonly string[] = []): unknown[] {
  for (const k of kwargs.keys()) {
    if (!keywords.includes(k)) {
      throw typeError(keywords.length === 0 ? `${name}() takes no keyword arguments` : `${name}() got an unexpected keyword argument '${k}'`);
    }
  }
  const out = [...args];
  keywords.forEach((k, i) => {
    if (kwargs.has(k)) {
      if (i < args.length) throw typeError(`argument for ${name}() given by name ('${k}') and position (${i + 1})`);
      out[i] = kwargs.get(k);
    }
  });
  const given = Math.max(args.length, ...keywords.map((k, i) => (kwargs.has(k) ? i + 1 : 0)));
  if (given < min || given > max) {
    throw typeError(min === max ? `${name}() takes exactly ${min} argument${min === 1 ? '' : 's'} (${given} given)` : `${name}() takes at most ${max} arguments (${given} given)`);
  }
  for (const v of out) if (v instanceof Undefined) failUndefined(v);
  return out;
}

function str(name: string, v: unknown, what = 'argument'): string {
  if (typeof v !== 'string') throw typeError(`${name}() ${what} must be str, not ${typeName(v)}`);
  return v;
}

function strOrNone(name: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return str(name, v);
}

function int(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean' || isInt(v)) return Number(toBigInt(v));
  throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer`);
}

/** Resolves Python slice-style `start`/`end` (code points) to UTF-16 offsets in `s`. */
function window(s: string, startArg: unknown, endArg: unknown): [number, number] {
  const cps = codePoints(s);
  const n = cps.length;
  const norm = (v: unknown, d: number): number => {
    if (v === undefined || v === null) return d;
    let i = int(v, d);
    if (i < 0) i = Math.max(0, i + n);
    return Math.min(i, n);
  };
  const a = norm(startArg, 0);
  const b = norm(endArg, n);
  const unit = (cp: number): number => cps.slice(0, cp).join('').length;
  return [unit(a), unit(Math.max(a, b))];
}

function unitToCp(s: string, unit: number): number {
  return strLen(s.slice(0, unit));
}

function affixes(name: string, v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (v instanceof PyTuple) return v.items.map((x) => str(name, x, 'tuple item'));
  throw typeError(`${name} first arg must be str or a tuple of str, not ${typeName(v)}`);
}

function strMethod(s: string, name: string, maxSize: number): PyCallable | undefined {
  const m = (fn: (args: Args, kwargs: Kwargs) => unknown): PyCallable => new PyCallable(name, fn, 'str');
  switch (name) {
    case 'lower':
    case 'casefold':
      return m((a, k) => (arity(name, a, k, 0, 0), s.toLowerCase()));
    case 'upper':
      return m((a, k) => (arity(name, a, k, 0, 0), s.toUpperCase()));
    case 'swapcase':
      return m((a, k) => {
        arity(name, a, k, 0, 0);
        let out = '';
        for (const ch of s) out += ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase();
        return out;
      });
    case 'capitalize':
      return m((a, k) => (arity(name, a, k, 0, 0), pyCapitalize(s)));
    case 'title':
      return m((a, k) => (arity(name, a, k, 0, 0), pyTitle(s)));
    case 'strip':
    case 'lstrip':
    case 'rstrip':
      return m((a, k) => {
        const [chars] = arity(name, a, k, 0, 1);
        const side = name === 'strip' ? 'both' : name === 'lstrip' ? 'left' : 'right';
        return pyStrip(s, strOrNone(name, chars), side);
      });
    case 'split':
    case 'rsplit':
      return m((a, k) => {
        const [sep, maxsplit] = arity(name, a, k, 0, 2, ['sep', 'maxsplit']);
        const fn = name === 'split' ? pySplit : pyRsplit;
        return fn(s, strOrNone(name, sep), int(maxsplit, -1));
      });
    case 'splitlines':
      return m((a, k) => {
        const [keep] = arity(name, a, k, 0, 1, ['keepends']);
        return pySplitLines(s, keep === true || (isNumeric(keep) && keep !== 0));
      });
    case 'join':
      return m((a, k) => {
        const [items] = arity(name, a, k, 1, 1);
        const list = Array.isArray(items) ? items : items instanceof PyTuple || items instanceof PyIter ? items.items : typeof items === 'string' ? codePoints(items) : isDict(items) ? dictKeys(items) : undefined;
        if (list === undefined) throw typeError('can only join an iterable');
        const parts = list.map((x, i) => {
          if (typeof x !== 'string') throw typeError(`sequence item ${i}: expected str instance, ${typeName(x)} found`);
          return x;
        });
        const out = parts.join(s);
        if (out.length > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'string exceeds the template size limit');
        return out;
      });
    case 'replace':
      return m((a, k) => {
        const [old, repl, count] = arity(name, a, k, 2, 3, ['old', 'new', 'count']);
        return pyReplace(s, str(name, old), str(name, repl), int(count, -1), maxSize);
      });
    case 'startswith':
    case 'endswith':
      return m((a, k) => {
        const [affix, start, end] = arity(name, a, k, 1, 3);
        const [from, to] = window(s, start, end);
        const part = s.slice(from, to);
        return affixes(name, affix).some((p) => (name === 'startswith' ? part.startsWith(p) : part.endsWith(p)));
      });
    case 'find':
    case 'rfind':
    case 'index':
    case 'rindex':
      return m((a, k) => {
        const [sub, start, end] = arity(name, a, k, 1, 3);
        const needle = str(name, sub);
        const [from, to] = window(s, start, end);
        const part = s.slice(from, to);
        const at = name === 'find' || name === 'index' ? part.indexOf(needle) : part.lastIndexOf(needle);
        if (at < 0) {
          if (name === 'index' || name === 'rindex') throw valueError('substring not found');
          return -1;
        }
        return unitToCp(s, from + at);
      });
    case 'count':
      return m((a, k) => {
        const [sub, start, end] = arity(name, a, k, 1, 3);
        const needle = str(name, sub);
        const [from, to] = window(s, start, end);
        const part = s.slice(from, to);
        if (needle === '') return strLen(part) + 1;
        return part.split(needle).length - 1;
      });
    case 'partition':
    case 'rpartition':
      return m((a, k) => {
        const [sepArg] = arity(name, a, k, 1, 1);
        const sep = str(name, sepArg);
        if (sep === '') throw valueError('empty separator');
        const at = name === 'partition' ? s.indexOf(sep) : s.lastIndexOf(sep);
        if (at < 0) return new PyTuple(name === 'partition' ? [s, '', ''] : ['', '', s]);
        return new PyTuple([s.slice(0, at), sep, s.slice(at + sep.length)]);
      });
    case 'removeprefix':
      return m((a, k) => {
        const [p] = arity(name, a, k, 1, 1);
        const prefix = str(name, p);
        return prefix !== '' && s.startsWith(prefix) ? s.slice(prefix.length) : s;
      });
    case 'removesuffix':
      return m((a, k) => {
        const [p] = arity(name, a, k, 1, 1);
        const suffix = str(name, p);
        return suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
      });
    case 'zfill':
      return m((a, k) => {
        const [w] = arity(name, a, k, 1, 1);
        const width = int(w, 0);
        const len = strLen(s);
        if (width <= len) return s;
        checkWidth(width, maxSize);
        const signed = s.startsWith('-') || s.startsWith('+');
        return signed ? s[0] + '0'.repeat(width - len) + s.slice(1) : '0'.repeat(width - len) + s;
      });
    case 'center':
    case 'ljust':
    case 'rjust':
      return m((a, k) => {
        const [w, f] = arity(name, a, k, 1, 2);
        const width = int(w, 0);
        const fill = f === undefined ? ' ' : str(name, f);
        if (strLen(fill) !== 1) throw typeError('The fill character must be exactly one character long');
        if (name === 'center') return pyCenter(s, width, fill, maxSize);
        const len = strLen(s);
        if (width <= len) return s;
        checkWidth(width, maxSize);
        return name === 'ljust' ? s + fill.repeat(width - len) : fill.repeat(width - len) + s;
      });
    case 'isdigit':
      return m((a, k) => (arity(name, a, k, 0, 0), allChars(s, /[\p{Nd}\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792]/u)));
    case 'isdecimal':
      return m((a, k) => (arity(name, a, k, 0, 0), allChars(s, /\p{Nd}/u)));
    case 'isnumeric':
      return m((a, k) => (arity(name, a, k, 0, 0), allChars(s, /\p{N}/u)));
    case 'isalpha':
      return m((a, k) => (arity(name, a, k, 0, 0), allChars(s, /\p{L}/u)));
    case 'isalnum':
      return m((a, k) => (arity(name, a, k, 0, 0), allChars(s, /[\p{L}\p{N}]/u)));
    case 'isspace':
      return m((a, k) => (arity(name, a, k, 0, 0), s !== '' && codePoints(s).every(isPySpace)));
    case 'islower':
      return m((a, k) => (arity(name, a, k, 0, 0), cased(s, false)));
    case 'isupper':
      return m((a, k) => (arity(name, a, k, 0, 0), cased(s, true)));
    case 'istitle':
      return m((a, k) => (arity(name, a, k, 0, 0), s !== pyTitle(s).toLowerCase() && s === pyTitle(s) && CASED.test(s)));
    case 'format':
      return m((a, k) => {
        for (const v of a) if (v instanceof Undefined) failUndefined(v);
        return strFormat(s, a, k, maxSize);
      });
    default:
      return undefined;
  }
}

const DICT_METHODS = new Set(['get', 'keys', 'values', 'items']);

function dictMethod(d: PyDict, name: string): PyCallable | undefined {
  if (!DICT_METHODS.has(name)) return undefined;
  return new PyCallable(
    name,
    (a, k) => {
      switch (name) {
        case 'get': {
          const [key, dflt] = arity(name, a, k, 1, 2);
          if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(d, key)) return ownValue(d, key);
          return dflt === undefined ? null : dflt;
        }
        case 'keys':
          arity(name, a, k, 0, 0);
          return new PyIter('dict_keys', dictKeys(d));
        case 'values':
          arity(name, a, k, 0, 0);
          return new PyIter('dict_values', dictKeys(d).map((key) => ownValue(d, key)));
        default:
          arity(name, a, k, 0, 0);
          return new PyIter('dict_items', dictKeys(d).map((key) => new PyTuple([key, ownValue(d, key)])));
      }
    },
    'dict',
  );
}

function seqMethod(items: readonly unknown[], owner: string, name: string): PyCallable | undefined {
  if (name === 'count') {
    return new PyCallable(name, (a, k) => {
      const [x] = arity(name, a, k, 1, 1);
      return items.filter((item) => pyEquals(item, x)).length;
    }, owner);
  }
  if (name === 'index') {
    return new PyCallable(name, (a, k) => {
      const [x, start, end] = arity(name, a, k, 1, 3);
      const from = start === undefined ? 0 : int(start, 0);
      const to = end === undefined ? items.length : int(end, items.length);
      const lo = from < 0 ? Math.max(0, from + items.length) : from;
      const hi = to < 0 ? Math.max(0, to + items.length) : Math.min(to, items.length);
      for (let i = lo; i < hi; i++) if (pyEquals(items[i], x)) return i;
      throw valueError(owner === 'list' ? `${pyRepr(x)} is not in list` : 'tuple.index(x): x not in tuple');
    }, owner);
  }
  return undefined;
}

/**
 * The bound method `obj.name`, or undefined when Python has no such (supported) method. Python
 * looks methods up before dict keys, so `d.items` is the method even if `d` has a key `items`.
 *
 * @param maxSize largest string a method may build.
 */
export function getMethod(obj: unknown, name: string, maxSize: number): PyCallable | undefined {
  if (typeof obj === 'string') return strMethod(obj, name, maxSize);
  if (Array.isArray(obj)) return seqMethod(obj, 'list', name);
  if (obj instanceof PyTuple) return seqMethod(obj.items, 'tuple', name);
  if (isDict(obj)) return dictMethod(obj, name);
  return undefined;
}

/** Parses Python's `int(text, base)`; null when Python would raise ValueError. */
export function parsePyInt(text: string, base: number): bigint | null {
  let s = pyStrip(text, null);
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  let b = base;
  const prefix = s.slice(0, 2).toLowerCase();
  const prefixBase = prefix === '0x' ? 16 : prefix === '0o' ? 8 : prefix === '0b' ? 2 : 0;
  if (b === 0) {
    if (prefixBase !== 0) {
      b = prefixBase;
      s = s.slice(2);
      if (s.startsWith('_')) s = s.slice(1);
    } else {
      b = 10;
      if (/^0+[1-9]/.test(s.replace(/_/g, ''))) return null;
    }
  } else if (prefixBase === b) {
    s = s.slice(2);
    if (s.startsWith('_')) s = s.slice(1);
  }
  // Python raises ValueError here, which every caller treats as "not an int".
  if (b < 2 || b > 36) return null;
  if (s === '' || s.startsWith('_') || s.endsWith('_') || s.includes('__')) return null;
  const digits = s.replace(/_/g, '').toLowerCase();
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  let value = 0n;
  const bigBase = BigInt(b);
  for (const ch of digits) {
    // Python accepts any Unicode decimal digit; map them through their numeric value.
    let d = alphabet.indexOf(ch);
    if (d < 0 && /\p{Nd}/u.test(ch)) d = unicodeDigit(ch);
    if (d < 0 || d >= b) return null;
    value = value * bigBase + BigInt(d);
  }
  if (b === 10 && digits.length > 4300) throw valueError('Exceeds the limit (4300 digits) for integer string conversion');
  return negative ? -value : value;
}

function unicodeDigit(ch: string): number {
  // Decimal digits come in runs of ten from 0 to 9; count back to the run's start.
  const cp = ch.codePointAt(0) ?? 0;
  let zero = cp;
  while (zero > cp - 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
  return cp - zero;
}

/** Parses Python's `float(text)`; null when Python would raise ValueError. */
export function parsePyFloat(text: string): number | null {
  const s = pyStrip(text, null).toLowerCase();
  const m = /^([+-]?)(?:(inf|infinity)|(nan)|((?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:e[+-]?\d(?:_?\d)*)?))$/.exec(s);
  if (m === null) return null;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[2] !== undefined) return sign * Infinity;
  if (m[3] !== undefined) return NaN;
  const body = (m[4] ?? '').replace(/_/g, '');
  if (!/\d/.test(body.split('e')[0] ?? '')) return null;
  if (/^\.?e/.test(body)) return null;
  return sign * Number(body);
}
