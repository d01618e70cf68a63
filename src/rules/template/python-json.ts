/**
 * @module Python's `json.dumps`, for Jinja's `tojson` (sorted keys, HTML-safe) and the
 * Ansible-style `to_json`/`to_nice_json` filters: Python's separators (`', '`, `': '`), floats as
 * `repr()` (`1.0`, `NaN`, `Infinity`), `ensure_ascii` escaping, and `indent` layout.
 */

import { pyFloatRepr } from './python-float.js';
import {
  PyFloat,
  PyTuple,
  Undefined,
  compareStr,
  dictKeys,
  failUndefined,
  isDict,
  ownValue,
  typeError,
  typeName,
} from './python-values.js';

export interface JsonDumpsOptions {
  /** null: one line. A number: that many spaces per level. A string: used as is per level. */
  readonly indent?: number | string | null;
  readonly sortKeys?: boolean;
  readonly ensureAscii?: boolean;
  /** [item separator, key separator]; default `[', ', ': ']`, or `[',', ': ']` when indenting. */
  readonly separators?: readonly [string, string];
}

function quote(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    const code = s.charCodeAt(i);
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\f':
        out += '\\f';
        break;
      default:
        if (code < 0x20 || (ensureAscii && code > 0x7e)) out += '\\u' + code.toString(16).padStart(4, '0');
        else out += ch;
    }
  }
  return out + '"';
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

/**
 * Python `json.dumps(value, …)`.
 *
 * @throws TemplateRuntimeError (TypeError) for values JSON cannot hold (ranges, generators).
 */
export function pyJsonDumps(value: unknown, options: JsonDumpsOptions = {}): string {
  const indentUnit = options.indent === undefined || options.indent === null
    ? null
    : typeof options.indent === 'number'
      ? ' '.repeat(Math.max(0, options.indent))
      : options.indent;
  const [itemSep, keySep] = options.separators ?? (indentUnit === null ? [', ', ': '] : [',', ': ']);
  const ensureAscii = options.ensureAscii ?? true;
  const sortKeys = options.sortKeys ?? false;

  const enc = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : floatText(v);
    if (v instanceof PyFloat) return floatText(v.value);
    if (typeof v === 'string') return quote(v, ensureAscii);
    if (v instanceof Undefined) failUndefined(v);
    const open = (items: string[], o: string, c: string): string => {
      if (items.length === 0) return o + c;
      if (indentUnit === null) return o + items.join(itemSep) + c;
      const inner = '\n' + indentUnit.repeat(level + 1);
      return o + inner + items.join(itemSep + inner) + '\n' + indentUnit.repeat(level) + c;
    };
    if (Array.isArray(v) || v instanceof PyTuple) {
      const items = Array.isArray(v) ? v : v.items;
      return open(items.map((x) => enc(x, level + 1)), '[', ']');
    }
    if (isDict(v)) {
      const keys = dictKeys(v);
      if (sortKeys) keys.sort(compareStr);
      return open(keys.map((k) => quote(k, ensureAscii) + keySep + enc(ownValue(v, k), level + 1)), '{', '}');
    }
    throw typeError(`Object of type ${typeName(v)} is not JSON serializable`);
  };
  return enc(value, 0);
}
