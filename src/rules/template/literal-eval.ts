/**
 * @module Python's `ast.literal_eval(ast.parse(text, mode="eval"))`, which Jinja's
 * NativeEnvironment applies to every rendered string (`native_concat`): a result that reads as a
 * Python literal becomes that value (`"86"` → 86, `"[1, 2]"` → list, `"None"` → null).
 *
 * The accepted language is exactly literal_eval's: numbers (with `_`, `0x`/`0o`/`0b`), strings
 * (prefixes, escapes, triple quotes, implicit concatenation), `True`/`False`/`None`, tuples,
 * lists, dicts, sets, and a unary sign on a number. Python's tokenizer rules apply: leading
 * indentation is an error, comments and trailing newlines are fine, brackets join lines.
 *
 * Values JSON has no shape for are reported as not convertible (the caller keeps the string):
 * complex numbers, bytes, Ellipsis, `\N{name}` escapes. Tuples and sets become arrays; dict keys
 * that are not strings are turned into the text `json.dumps` would give them.
 */

import { pyRepr } from './python-repr.js';
import { PyTuple, hashKey, isDict, mkDict, mkInt, ownValue } from './python-values.js';

export type LiteralResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

const NOT_LITERAL: LiteralResult = { ok: false };
// Python 3.11+ refuses to convert int literals longer than this (sys.int_info.default_max_str_digits).
const MAX_INT_DIGITS = 4300;
// CPython's tokenizer limit on nested brackets.
const MAX_NESTING = 200;

type Tok =
  | { readonly t: 'num'; readonly v: unknown }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'name'; readonly v: string }
  | { readonly t: 'op'; readonly v: string }
  | { readonly t: 'end' };

class NotLiteral extends Error {}

const fail = (): never => {
  throw new NotLiteral();
};

/**
 * Parses `text` as a Python literal. Returns `{ok: false}` where literal_eval would raise
 * ValueError or SyntaxError (the caller then keeps the string).
 *
 * @throws TemplateRuntimeError (TypeError) for an unhashable dict key or set item, as
 *   literal_eval raises TypeError there (which NativeEnvironment does not catch).
 */
export function literalEval(text: string): LiteralResult {
  if (text.length === 0 || text.includes('\0')) return NOT_LITERAL;
  // Most rendered strings are prose ("restart rsyslog on web1"): a text that opens with a name
  // other than True/False/None or a string prefix is no literal. Rejecting it here spares the
  // tokenizer's exception, which dominated rendering in bench/ingest.
  if (/^[A-Za-z_]/.test(text) && !/^(?:True|False|None|[rRbBuUfF]{1,2}['"])/.test(text)) return NOT_LITERAL;
  try {
    const toks = tokenize(text.replace(/\r\n?/g, '\n'));
    const p = new Parser(toks);
    const value = p.parseTop();
    return { ok: true, value };
  } catch (e) {
    if (e instanceof NotLiteral) return NOT_LITERAL;
    throw e;
  }
}

const DIGITS = '[0-9](?:_?[0-9])*';
const NUMBER_RE = new RegExp(
  [
    '0[xX](?:_?[0-9a-fA-F])+',
    '0[oO](?:_?[0-7])+',
    '0[bB](?:_?[01])+',
    // floats: pointfloat / exponentfloat, optionally imaginary
    `(?:(?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.)(?:[eE][+-]?${DIGITS})?[jJ]?`,
    `${DIGITS}[eE][+-]?${DIGITS}[jJ]?`,
    `${DIGITS}[jJ]`,
    '[1-9](?:_?[0-9])*',
    '0+(?:_?0)*',
  ].join('|'),
  'y',
);
const NAME_RE = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING_PREFIX = /^(?:[rRuUfFbB]|[rR][bBfF]|[bBfF][rR])$/;

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let depth = 0;
  let sawLogicalLine = false;
  let atLineStart = true;
  const n = src.length;
  while (i < n) {
    if (atLineStart && depth === 0) {
      // Measure indentation; blank and comment-only lines are ignored by Python's tokenizer.
      let j = i;
      let col = 0;
      while (j < n && (src[j] === ' ' || src[j] === '\t' || src[j] === '\f')) {
        col = src[j] === '\f' ? 0 : col + 1;
        j++;
      }
      if (j >= n || src[j] === '\n' || src[j] === '#') {
        while (j < n && src[j] !== '\n') j++;
        i = j + 1;
        continue;
      }
      if (sawLogicalLine) fail(); // a second statement
      if (col !== 0) fail(); // IndentationError: unexpected indent
      sawLogicalLine = true;
      atLineStart = false;
      i = j;
    }
    const c = src[i] ?? '';
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      // A line continuation must be followed by more source (else: unexpected EOF).
      if (src[i + 1] === '\n' && /\S/.test(src.slice(i + 2))) {
        i += 2;
        continue;
      }
      fail();
    }
    if (c === '\n') {
      i++;
      if (depth === 0) atLineStart = true;
      continue;
    }
    // Numbers (a leading '.' only when followed by a digit).
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(src);
      if (m === null) fail();
      const text = (m as RegExpExecArray)[0];
      i += text.length;
      // "1_", "0x", "1abc", "01": Python rejects a number glued to a name character or digit.
      if (/[\p{L}\p{N}_.]/u.test(src[i] ?? '')) fail();
      toks.push({ t: 'num', v: parseNumber(text) });
      continue;
    }
    NAME_RE.lastIndex = i;
    const nm = NAME_RE.exec(src);
    if (nm !== null) {
      const name = nm[0];
      const next = src[i + name.length];
      if ((next === "'" || next === '"') && STRING_PREFIX.test(name)) {
        const r = readString(src, i + name.length, name.toLowerCase());
        toks.push({ t: 'str', v: r.value });
        i = r.end;
        continue;
      }
      toks.push({ t: 'name', v: name });
      i += name.length;
      continue;
    }
    if (c === "'" || c === '"') {
      const r = readString(src, i, '');
      toks.push({ t: 'str', v: r.value });
      i = r.end;
      continue;
    }
    if ('([{'.includes(c)) {
      depth++;
      if (depth > MAX_NESTING) fail();
    } else if (')]}'.includes(c)) {
      depth--;
      if (depth < 0) fail();
    } else if (!',:+-'.includes(c)) {
      fail(); // any other operator makes the expression non-literal
    }
    toks.push({ t: 'op', v: c });
    i++;
  }
  if (depth !== 0) fail();
  toks.push({ t: 'end' });
  return toks;
}

/** A Python number literal's value; complex numbers are not representable. */
function parseNumber(text: string): unknown {
  if (/[jJ]$/.test(text)) fail();
  const clean = text.replace(/_/g, '');
  const lower = clean.toLowerCase();
  if (lower.startsWith('0x') || lower.startsWith('0o') || lower.startsWith('0b')) {
    return mkInt(BigInt(clean.slice(0, 2).toLowerCase() + clean.slice(2)));
  }
  if (/[.eE]/.test(clean)) return Number(clean);
  if (clean.length > MAX_INT_DIGITS) fail();
  return mkInt(BigInt(clean));
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Reads one string literal starting at its opening quote. */
function readString(src: string, start: number, prefix: string): { value: string; end: number } {
  const raw = prefix.includes('r');
  if (prefix.includes('f') || prefix.includes('b')) fail(); // f-strings and bytes: not representable
  const q = src[start] ?? '';
  const triple = src.startsWith(q.repeat(3), start);
  const close = triple ? q.repeat(3) : q;
  let i = start + close.length;
  let body = '';
  for (;;) {
    if (i >= src.length) fail();
    if (src.startsWith(close, i)) {
      i += close.length;
      break;
    }
    const c = src[i] ?? '';
    if (c === '\n' && !triple) fail();
    if (c === '\\') {
      const next = src[i + 1];
      if (next === undefined) fail();
      body += c + next;
      i += 2;
      continue;
    }
    body += c;
    i++;
  }
  return { value: raw ? body : unescapePython(body), end: i };
}

/** Python string-literal escapes (unknown escapes keep their backslash). */
export function unescapePython(body: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    i++;
    if (e === '\n') continue;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    if (e >= '0' && e <= '7') {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) {
        digits += body[i + 1] ?? '';
        i++;
      }
      out += String.fromCodePoint(parseInt(digits, 8));
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (width > 0) {
      const hexText = body.slice(i + 1, i + 1 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hexText)) fail();
      const cp = parseInt(hexText, 16);
      if (cp > 0x10ffff) fail();
      out += String.fromCodePoint(cp);
      i += width;
      continue;
    }
    if (e === 'N') fail(); // \N{name}: no Unicode name table here
    out += '\\' + e;
  }
  return out;
}

interface Parsed {
  readonly value: unknown;
  /** A bare number, possibly parenthesised: the only operand literal_eval allows a sign on. */
  readonly numeric: boolean;
}

class Parser {
  private pos = 0;

  constructor(private readonly toks: readonly Tok[]) {}

  private peek(): Tok {
    return this.toks[this.pos] ?? { t: 'end' };
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) fail();
    this.pos++;
  }

  parseTop(): unknown {
    const first = this.expr().value;
    if (this.isOp(',')) {
      const items = [first];
      while (this.isOp(',')) {
        this.pos++;
        if (this.peek().t === 'end') break;
        items.push(this.expr().value);
      }
      if (this.peek().t !== 'end') fail();
      return untuple(new PyTuple(items));
    }
    if (this.peek().t !== 'end') fail();
    return untuple(first);
  }

  /** One element: an atom, or a sign applied to a numeric atom. Nothing may follow it. */
  private expr(): Parsed {
    if (this.isOp('-') || this.isOp('+')) {
      const neg = this.isOp('-');
      this.pos++;
      const { value, numeric } = this.atom();
      if (!numeric) fail();
      this.noTrailer();
      if (!neg) return { value, numeric: false };
      if (typeof value === 'bigint') return { value: mkInt(-value), numeric: false };
      return { value: -(value as number), numeric: false };
    }
    const parsed = this.atom();
    this.noTrailer();
    return parsed;
  }

  /** A call, subscript, attribute or binary operator after an atom is not a literal. */
  private noTrailer(): void {
    const t = this.peek();
    if (t.t === 'end') return;
    if (t.t === 'op' && (t.v === ',' || t.v === ':' || t.v === ')' || t.v === ']' || t.v === '}')) return;
    fail();
  }

  private atom(): Parsed {
    const t = this.peek();
    this.pos++;
    switch (t.t) {
      case 'num':
        return { value: t.v, numeric: true };
      case 'str': {
        let s = t.v;
        for (let n = this.peek(); n.t === 'str'; n = this.peek()) {
          s += n.v;
          this.pos++;
        }
        return { value: s, numeric: false };
      }
      case 'name':
        if (t.v === 'True') return { value: true, numeric: false };
        if (t.v === 'False') return { value: false, numeric: false };
        if (t.v === 'None') return { value: null, numeric: false };
        return fail();
      case 'op':
        if (t.v === '(') return this.paren();
        if (t.v === '[') return { value: this.seq(), numeric: false };
        if (t.v === '{') return { value: this.brace(), numeric: false };
        return fail();
      default:
        return fail();
    }
  }

  private paren(): Parsed {
    if (this.isOp(')')) {
      this.pos++;
      return { value: new PyTuple([]), numeric: false };
    }
    const first = this.expr();
    if (this.isOp(')')) {
      this.pos++;
      return first; // parentheses alone make no tuple
    }
    const items = [first.value];
    while (this.isOp(',')) {
      this.pos++;
      if (this.isOp(')')) break;
      items.push(this.expr().value);
    }
    this.expectOp(')');
    return { value: new PyTuple(items), numeric: false };
  }

  private seq(): unknown[] {
    const items: unknown[] = [];
    while (!this.isOp(']')) {
      items.push(this.expr().value);
      if (this.isOp(',')) this.pos++;
      else if (!this.isOp(']')) fail();
    }
    this.pos++;
    return items;
  }

  private brace(): unknown {
    if (this.isOp('}')) {
      this.pos++;
      return {};
    }
    const first = this.expr().value;
    if (this.isOp(':')) {
      const entries: [string, unknown][] = [];
      this.pos++;
      entries.push([dictKey(first), this.expr().value]);
      while (this.isOp(',')) {
        this.pos++;
        if (this.isOp('}')) break;
        const k = this.expr().value;
        this.expectOp(':');
        entries.push([dictKey(k), this.expr().value]);
      }
      this.expectOp('}');
      return mkDict(entries);
    }
    const items = [first];
    while (this.isOp(',')) {
      this.pos++;
      if (this.isOp('}')) break;
      items.push(this.expr().value);
    }
    this.expectOp('}');
    // A set: hashable items only, duplicates dropped (Python's own set order is not reproducible).
    const seen = new Set<string>();
    return items.filter((x) => {
      const h = hashKey(x);
      if (seen.has(h)) return false;
      seen.add(h);
      return true;
    });
  }
}

/** Dict keys as `json.dumps` would spell them; unhashable keys are a TypeError, as in Python. */
function dictKey(k: unknown): string {
  hashKey(k);
  if (typeof k === 'string') return k;
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number' || typeof k === 'bigint') return pyRepr(k);
  return pyRepr(k);
}

/** Tuples were kept apart from lists only for hashability; callers get arrays. */
function untuple(v: unknown): unknown {
  if (v instanceof PyTuple) return v.items.map(untuple);
  if (Array.isArray(v)) return v.map(untuple);
  if (isDict(v)) return mkDict(Object.keys(v).map((k) => [k, untuple(ownValue(v, k))]));
  return v;
}
