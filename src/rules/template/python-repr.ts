/**
 * @module Python's `repr()`, `str()` and `pprint.pformat()` of template values, byte for byte:
 * `print_event` and `debug` print them and upstream's e2e tests grep the output
 * (shared/spec/rulebook-language.md §3.3, §3.5).
 */

import { pyFloatRepr } from './python-float.js';
import {
  PyCallable,
  PyFloat,
  PyIter,
  PyNamespace,
  PyRange,
  PyTuple,
  Undefined,
  compareStr,
  dictKeys,
  failUndefined,
  isDict,
  ownValue,
  strLen,
} from './python-values.js';

// Not printable per Python's str.isprintable(): categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs.
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const NEEDS_ESCAPE = /[\\'"\u0000-\u001f\u007f-\uffff]/;

/** Python `repr(s)` of a str: quote choice and escapes exactly as CPython's unicode_repr. */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  if (!NEEDS_ESCAPE.test(s)) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x7f) out += ch;
    else if (!NON_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += '\\x' + hex(cp, 2);
    else if (cp <= 0xffff) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + quote;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Python `repr()` of a scalar, or undefined when the value is a container. */
function scalarRepr(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isSafeInteger(v) ? String(v) : pyFloatRepr(v);
    case 'string':
      return strRepr(v);
    default:
  }
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (v instanceof PyRange) {
    return v.step === 1 ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  }
  if (v instanceof PyCallable) {
    return v.ownerType === '' ? `<built-in function ${v.name}>` : `<built-in method ${v.name} of ${v.ownerType} object>`;
  }
  if (v instanceof PyNamespace) return v.text;
  if (v instanceof Undefined) return v.lenient ? 'Undefined' : failUndefined(v);
  return undefined;
}

function reprWith(v: unknown, sortKeys: boolean): string {
  const s = scalarRepr(v);
  if (s !== undefined) return s;
  if (Array.isArray(v)) return `[${v.map((x) => reprWith(x, sortKeys)).join(', ')}]`;
  if (v instanceof PyTuple) return tupleRepr(v.items.map((x) => reprWith(x, sortKeys)));
  if (v instanceof PyIter) {
    const items = v.items.map((x) => reprWith(x, sortKeys)).join(', ');
    if (v.typeName.startsWith('dict_')) return `${v.typeName}([${items}])`;
    if (v.typeName === 'generator') return `<generator object ${v.label}>`;
    return `<${v.typeName} object>`;
  }
  if (isDict(v)) {
    const keys = dictKeys(v);
    if (sortKeys) keys.sort(compareStr);
    return `{${keys.map((k) => `${strRepr(k)}: ${reprWith(ownValue(v, k), sortKeys)}`).join(', ')}}`;
  }
  if (typeof v === 'function') return '<function>';
  if (typeof v === 'object' && v !== null) {
    // Not JSON-like (a class instance): show its own enumerable fields as a dict.
    return reprWith(Object.fromEntries(Object.entries(v)), sortKeys);
  }
  return strRepr(String(v));
}

function tupleRepr(items: readonly string[]): string {
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/**
 * Python `repr()` of a JSON-like value: `{'a': 1, 'b': [True, None, 'x']}`. Dicts keep
 * insertion order; integers (safe numbers and bigints) print as digits, other numbers as
 * Python floats (`1e+20`, `0.1`). `undefined` prints as `None`.
 */
export function pyRepr(value: unknown): string {
  return reprWith(value, false);
}

/** Python `str()`: strings as they are, everything else as {@link pyRepr}. */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Undefined && value.lenient) return '';
  return reprWith(value, false);
}

// Python's str.splitlines() line boundaries.
const LINE_BREAK = /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/g;
// Python's \s for str patterns (str.isspace()).
const PY_SPACE = '\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD_PARTS = new RegExp(`[^${PY_SPACE}]*[${PY_SPACE}]*`, 'g');

function splitLinesKeepEnds(s: string): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of s.matchAll(LINE_BREAK)) {
    const end = (m.index ?? 0) + m[0].length;
    out.push(s.slice(last, end));
    last = end;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

/** Python's `pprint.PrettyPrinter` (indent 1, compact off, sort_dicts on), for one call. */
class PrettyPrinter {
  private out = '';

  constructor(private readonly width: number) {}

  format(v: unknown): string {
    this.out = '';
    this.fmt(v, 0, 0, 0);
    return this.out;
  }

  private fmt(v: unknown, indent: number, allowance: number, level: number): void {
    const rep = reprWith(v, true);
    const maxWidth = this.width - indent - allowance;
    if (strLen(rep) > maxWidth) {
      if (isDict(v)) return this.dict(v, indent, allowance, level + 1);
      if (Array.isArray(v)) return this.items('[', v, ']', indent, allowance, level + 1);
      if (v instanceof PyTuple) {
        const end = v.items.length === 1 ? ',)' : ')';
        return this.items('(', v.items, end, indent, allowance, level + 1);
      }
      if (typeof v === 'string') return this.str(v, indent, allowance, level + 1);
    }
    this.out += rep;
  }

  private dict(d: Readonly<Record<string, unknown>>, indent: number, allowance: number, level: number): void {
    this.out += '{';
    const keys = dictKeys(d).sort(compareStr);
    const inner = indent + 1;
    const itemAllowance = allowance + 1;
    keys.forEach((k, i) => {
      const last = i === keys.length - 1;
      const rep = strRepr(k);
      this.out += rep + ': ';
      this.fmt(ownValue(d, k), inner + strLen(rep) + 2, last ? itemAllowance : 1, level);
      if (!last) this.out += ',\n' + ' '.repeat(inner);
    });
    this.out += '}';
  }

  private items(open: string, items: readonly unknown[], close: string, indent: number, allowance: number, level: number): void {
    this.out += open;
    const inner = indent + 1;
    const itemAllowance = allowance + close.length;
    items.forEach((item, i) => {
      const last = i === items.length - 1;
      if (i > 0) this.out += ',\n' + ' '.repeat(inner);
      this.fmt(item, inner, last ? itemAllowance : 1, level);
    });
    this.out += close;
  }

  private str(s: string, indent: number, allowance: number, level: number): void {
    if (s === '') {
      this.out += "''";
      return;
    }
    const lines = splitLinesKeepEnds(s);
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const maxWidth = this.width - indent;
    let maxWidth1 = maxWidth;
    const chunks: string[] = [];
    let rep = '';
    lines.forEach((line, i) => {
      rep = strRepr(line);
      const lastLine = i === lines.length - 1;
      if (lastLine) maxWidth1 -= allowance;
      if (strLen(rep) <= maxWidth1) {
        chunks.push(rep);
        return;
      }
      const parts = line.match(WORD_PARTS) ?? [];
      // The pattern matches the empty string at the end; pprint drops that last part.
      if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
      let maxWidth2 = maxWidth;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
        if (strLen(strRepr(candidate)) > maxWidth2) {
          if (current !== '') chunks.push(strRepr(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current !== '') chunks.push(strRepr(current));
    });
    if (chunks.length === 1) {
      this.out += rep;
      return;
    }
    if (level === 1) this.out += '(';
    chunks.forEach((c, i) => {
      if (i > 0) this.out += '\n' + ' '.repeat(indent);
      this.out += c;
    });
    if (level === 1) this.out += ')';
  }
}

/**
 * Python `pprint.pformat(value, width=width)`: dict keys sorted, containers wrapped one item
 * per line when their repr exceeds the width, long strings split into adjacent literals, with
 * pprint's exact indentation. Widths count code points, as Python's `len()` does.
 */
export function pyPformat(value: unknown, width = 80): string {
  return new PrettyPrinter(width).format(value);
}
