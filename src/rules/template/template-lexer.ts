/**
 * @module Jinja2's lexer with the default delimiters: `{{ }}`, `{% %}`, `{# #}`, whitespace
 * control `-`/`+`, `{% raw %}`, no trim_blocks/lstrip_blocks, and a single trailing newline
 * removed (keep_trailing_newline=False). Newlines are normalised to `\n` first, as Jinja does.
 */

import { AutohealError, ErrorCode } from '../../core/index.js';
import { unescapePython } from './literal-eval.js';
import { PY_WHITESPACE } from './python-methods.js';
import { mkInt } from './python-values.js';

export type TokenType =
  | 'data'
  | 'variable_begin'
  | 'variable_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'string'
  | 'integer'
  | 'float'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'floordiv'
  | 'mod'
  | 'pow'
  | 'tilde'
  | 'lbracket'
  | 'rbracket'
  | 'lparen'
  | 'rparen'
  | 'lbrace'
  | 'rbrace'
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gteq'
  | 'lt'
  | 'lteq'
  | 'assign'
  | 'dot'
  | 'colon'
  | 'pipe'
  | 'comma'
  | 'semicolon'
  | 'eof';

export interface Token {
  readonly type: TokenType;
  /** Data text, name, decoded string, or number (number | bigint for ints, number for floats). */
  readonly value: unknown;
  readonly start: number;
  readonly end: number;
}

const OPERATORS: readonly (readonly [string, TokenType])[] = [
  ['//', 'floordiv'],
  ['**', 'pow'],
  ['==', 'eq'],
  ['!=', 'ne'],
  ['>=', 'gteq'],
  ['<=', 'lteq'],
  ['+', 'add'],
  ['-', 'sub'],
  ['/', 'div'],
  ['*', 'mul'],
  ['%', 'mod'],
  ['~', 'tilde'],
  ['[', 'lbracket'],
  [']', 'rbracket'],
  ['(', 'lparen'],
  [')', 'rparen'],
  ['{', 'lbrace'],
  ['}', 'rbrace'],
  ['>', 'gt'],
  ['<', 'lt'],
  ['=', 'assign'],
  ['.', 'dot'],
  [':', 'colon'],
  ['|', 'pipe'],
  [',', 'comma'],
  [';', 'semicolon'],
];

const FLOAT_RE = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?e[+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/iy;
const INTEGER_RE = /0b(?:_?[01])+|0o(?:_?[0-7])+|0x(?:_?[\da-f])+|[1-9](?:_?\d)*|0(?:_?0)*/iy;
const NAME_RE = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\u00b7]+/uy;
const IDENTIFIER = /^[\p{L}\p{Nl}_\u2118\u212e\u309b\u309c][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u00b7\u0387\u1369-\u1371\u19da]*$/u;
const STRING_RE = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const RAW_BEGIN = /\{%[-+]?\s*raw\s*(?:-%\}\s*|%\})/y;
const RAW_END = /\{%([-+]?)\s*endraw\s*(?:\+%\}|-%\}\s*|%\})/g;

/** A template syntax error at `offset` (0-based, into the normalised source). */
export function syntaxError(message: string, offset: number, source: string): AutohealError {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - (before.lastIndexOf('\n') + 1) + 1;
  return new AutohealError(ErrorCode.TemplateSyntax, `${message} (at offset ${offset}, line ${line}, column ${col})`, {
    details: { offset, line, col },
  });
}

/** Jinja's newline handling: `\r\n` and `\r` become `\n`, one trailing newline is dropped. */
export function normaliseSource(source: string): string {
  const lines = source.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

function rstripPy(s: string): string {
  let end = s.length;
  while (end > 0 && PY_WHITESPACE.has(s[end - 1] ?? '')) end--;
  return s.slice(0, end);
}

function skipPySpace(s: string, i: number): number {
  let j = i;
  while (j < s.length && PY_WHITESPACE.has(s[j] ?? '')) j++;
  return j;
}

/**
 * Tokenises a normalised template source.
 *
 * @throws AutohealError AH_TEMPLATE_SYNTAX with the offset of the problem.
 */
export function tokenize(source: string): Token[] {
  const toks: Token[] = [];
  const n = source.length;
  let pos = 0;
  // Text after a `-}}`/`-%}`/`-#}` starts with its whitespace already skipped.
  const pushData = (text: string, start: number): void => {
    if (text !== '') toks.push({ type: 'data', value: text, start, end: start + text.length });
  };
  // Next occurrence of each opening delimiter, recomputed only once passed (keeps lexing linear).
  const openers = ['{{', '{%', '{#'];
  const next = [-1, -1, -1];
  while (pos < n) {
    let at = Infinity;
    openers.forEach((t, i) => {
      if (next[i] !== Infinity && (next[i] ?? -1) < pos) {
        const found = source.indexOf(t, pos);
        next[i] = found < 0 ? Infinity : found;
      }
      at = Math.min(at, next[i] ?? Infinity);
    });
    if (at === Infinity) {
      pushData(source.slice(pos), pos);
      break;
    }
    let text = source.slice(pos, at);
    const tag = source.slice(at, at + 2);
    const sign = source[at + 2] === '-' || source[at + 2] === '+' ? (source[at + 2] ?? '') : '';
    if (sign === '-') text = rstripPy(text);
    pushData(text, pos);
    if (tag === '{%') {
      RAW_BEGIN.lastIndex = at;
      const raw = RAW_BEGIN.exec(source);
      if (raw !== null) {
        pos = lexRaw(source, at, RAW_BEGIN.lastIndex, pushData);
        continue;
      }
    }
    if (tag === '{#') {
      pos = lexComment(source, at + 2 + sign.length, at);
      continue;
    }
    const kind = tag === '{{' ? 'variable' : 'block';
    toks.push({ type: `${kind}_begin`, value: tag + sign, start: at, end: at + 2 + sign.length });
    pos = lexTag(source, at + 2 + sign.length, kind, toks);
  }
  toks.push({ type: 'eof', value: '', start: n, end: n });
  return toks;
}

function lexRaw(source: string, tagStart: number, bodyStart: number, pushData: (t: string, s: number) => void): number {
  RAW_END.lastIndex = bodyStart;
  const m = RAW_END.exec(source);
  if (m === null) throw syntaxError('Missing end of raw directive', tagStart, source);
  let body = source.slice(bodyStart, m.index);
  if (m[1] === '-') body = rstripPy(body);
  pushData(body, bodyStart);
  return m.index + m[0].length;
}

function lexComment(source: string, from: number, tagStart: number): number {
  for (let j = from; j < source.length; j++) {
    if (source.startsWith('+#}', j)) return j + 3;
    if (source.startsWith('-#}', j)) return skipPySpace(source, j + 3);
    if (source.startsWith('#}', j)) return j + 2;
  }
  throw syntaxError('Missing end of comment tag', tagStart, source);
}

function lexTag(source: string, from: number, kind: 'variable' | 'block', toks: Token[]): number {
  const balance: string[] = [];
  let pos = from;
  const n = source.length;
  while (pos < n) {
    // End of the tag, only when brackets are balanced.
    if (balance.length === 0) {
      const close = kind === 'variable' ? '}}' : '%}';
      if (source.startsWith('-' + close, pos)) {
        toks.push({ type: `${kind}_end`, value: '-' + close, start: pos, end: pos + 3 });
        return skipPySpace(source, pos + 3);
      }
      if (kind === 'block' && source.startsWith('+%}', pos)) {
        toks.push({ type: 'block_end', value: '+%}', start: pos, end: pos + 3 });
        return pos + 3;
      }
      if (source.startsWith(close, pos)) {
        toks.push({ type: `${kind}_end`, value: close, start: pos, end: pos + 2 });
        return pos + 2;
      }
    }
    const c = source[pos] ?? '';
    if (PY_WHITESPACE.has(c)) {
      pos++;
      continue;
    }
    FLOAT_RE.lastIndex = pos;
    let m = FLOAT_RE.exec(source);
    if (m !== null) {
      const text = m[0];
      toks.push({ type: 'float', value: Number(text.replace(/_/g, '')), start: pos, end: pos + text.length });
      pos += text.length;
      continue;
    }
    INTEGER_RE.lastIndex = pos;
    m = INTEGER_RE.exec(source);
    if (m !== null) {
      const text = m[0];
      const clean = text.replace(/_/g, '');
      const lower = clean.toLowerCase();
      const value = lower.startsWith('0b') || lower.startsWith('0o') || lower.startsWith('0x')
        ? mkInt(BigInt(lower))
        : mkInt(BigInt(clean));
      toks.push({ type: 'integer', value, start: pos, end: pos + text.length });
      pos += text.length;
      continue;
    }
    NAME_RE.lastIndex = pos;
    m = NAME_RE.exec(source);
    if (m !== null) {
      const text = m[0];
      if (!IDENTIFIER.test(text)) throw syntaxError('Invalid character in identifier', pos, source);
      toks.push({ type: 'name', value: text, start: pos, end: pos + text.length });
      pos += text.length;
      continue;
    }
    STRING_RE.lastIndex = pos;
    m = STRING_RE.exec(source);
    if (m !== null) {
      const body = m[1] ?? m[2] ?? '';
      toks.push({ type: 'string', value: decodeJinjaString(body, pos, source), start: pos, end: pos + m[0].length });
      pos += m[0].length;
      continue;
    }
    const op = OPERATORS.find(([text]) => source.startsWith(text, pos));
    if (op === undefined) throw syntaxError(`unexpected char ${JSON.stringify(c)}`, pos, source);
    const [text, type] = op;
    if (text === '{' || text === '(' || text === '[') {
      balance.push(text === '{' ? '}' : text === '(' ? ')' : ']');
    } else if (text === '}' || text === ')' || text === ']') {
      const expected = balance.pop();
      if (expected === undefined) throw syntaxError(`unexpected '${text}'`, pos, source);
      if (expected !== text) throw syntaxError(`unexpected '${text}', expected '${expected}'`, pos, source);
    }
    toks.push({ type, value: text, start: pos, end: pos + text.length });
    pos += text.length;
  }
  // Jinja's lexer simply stops here; the parser then reports the missing end.
  return pos;
}

/**
 * Jinja decodes string literals with `.encode("ascii", "backslashreplace").decode("unicode-escape")`:
 * Python escapes, unknown escapes kept, and `'\1'` is the character U+0001 (write `'\\1'` for a
 * regex backreference).
 */
function decodeJinjaString(body: string, offset: number, source: string): string {
  // backslashreplace turns non-ASCII characters into escapes that decode back to themselves,
  // except right after a backslash, where the escape's own backslash is then taken literally.
  let ascii = '';
  for (const ch of body) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) ascii += ch;
    else if (cp <= 0xff) ascii += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp <= 0xffff) ascii += '\\u' + cp.toString(16).padStart(4, '0');
    else ascii += '\\U' + cp.toString(16).padStart(8, '0');
  }
  try {
    return unescapePython(ascii);
  } catch {
    throw syntaxError('invalid escape in string literal', offset, source);
  }
}
