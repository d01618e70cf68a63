/**
 * @module Python `re` patterns on the JS regex engine, for EDA's `regex_replace` filter
 * (`re.subn`). The pattern is translated, not passed through, because the dialects differ:
 * Python's `\d \w \s \b` are Unicode-aware, `$` also matches before a final newline, `.`
 * excludes only `\n`, named groups are `(?P<n>…)`, `{` is literal unless it forms a quantifier,
 * unknown escapes of punctuation are literals. The replacement uses Python's template syntax
 * (`\1`, `\g<1>`, `\g<name>`, `\n`), and unmatched groups expand to ''.
 *
 * Not supported (a clear error instead of a silent difference): atomic groups, possessive
 * quantifiers, conditionals `(?(1)…)`, `\N{name}`, scoped `(?i:…)`. Note that patterns come from
 * the rulebook author; a catastrophically backtracking pattern is not bounded by the template
 * step budget.
 */

import { TemplateFailure, TemplateRuntimeError } from './python-values.js';

export interface PyRegexFlags {
  readonly ignoreCase?: boolean;
  readonly multiline?: boolean;
  readonly dotAll?: boolean;
  readonly verbose?: boolean;
  readonly ascii?: boolean;
}

export interface CompiledPyRegex {
  /** Global + unicode; `lastIndex` is reset by every user of it. */
  readonly regex: RegExp;
  readonly groupCount: number;
  readonly groupNames: ReadonlyMap<string, number>;
  /**
   * Sticky variant that only matches non-empty at `lastIndex`, for Python's rule that after an
   * empty match the next match at the same position must advance. Its groups are shifted by one.
   */
  readonly nonEmpty: RegExp;
}

function reError(message: string, pos?: number): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Value, pos === undefined ? message : `${message} at position ${pos}`);
}

function unsupported(what: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Unsupported, `regular expression feature not supported: ${what}`);
}

interface Scope {
  dotAll: boolean;
  multiline: boolean;
  verbose: boolean;
  ascii: boolean;
}

const PY_SPACE_CLASS = '\\t\\n\\v\\f\\r\\u{1c}-\\u{1f} \\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}';
const ASCII_SPACE_CLASS = '\\t\\n\\v\\f\\r ';

/** Class contents (without brackets) for a Python shorthand, per the ASCII flag. */
function shorthand(c: 'd' | 'w' | 's', ascii: boolean): string {
  if (c === 'd') return ascii ? '0-9' : '\\p{Nd}';
  if (c === 'w') return ascii ? 'A-Za-z0-9_' : '\\p{L}\\p{N}_';
  return ascii ? ASCII_SPACE_CLASS : PY_SPACE_CLASS;
}

const HEX = /^[0-9a-fA-F]+$/;
// What verbose mode skips outside classes (sre_parse's WHITESPACE).
const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);

function literal(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (/^[A-Za-z0-9 _]$/.test(ch)) return ch;
  return `\\u{${cp.toString(16)}}`;
}

class Translator {
  private i = 0;
  private out = '';
  private groupCount = 0;
  private readonly names = new Map<string, number>();
  private readonly stack: Scope[] = [];
  /** Where each open group starts, for Python's "missing )" position. */
  private readonly opens: number[] = [];
  private scope: Scope;
  private ignoreCase: boolean;

  constructor(
    private readonly src: string,
    flags: PyRegexFlags,
    /** Added to numbered backreferences, when the output is embedded after other groups. */
    private readonly groupOffset = 0,
  ) {
    this.scope = {
      dotAll: flags.dotAll === true,
      multiline: flags.multiline === true,
      verbose: flags.verbose === true,
      ascii: flags.ascii === true,
    };
    this.ignoreCase = flags.ignoreCase === true;
  }

  /** The JS source and flags; throws on patterns Python rejects. */
  translate(): { source: string; flags: string; groupCount: number; groupNames: Map<string, number> } {
    // Global inline flags must come first (Python 3.11 rejects them elsewhere).
    for (let m = /^\(\?([aiLmsux]+)\)/.exec(this.src.slice(this.i)); m !== null; m = /^\(\?([aiLmsux]+)\)/.exec(this.src.slice(this.i))) {
      for (const f of m[1] ?? '') this.applyFlag(f, true);
      this.i += m[0].length;
    }
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i] ?? '';
      if (this.scope.verbose && VERBOSE_SPACE.has(c)) {
        this.i++;
        continue;
      }
      if (this.scope.verbose && c === '#') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
        continue;
      }
      switch (c) {
        case '\\':
          this.escape();
          break;
        case '[':
          this.charClass();
          break;
        case '(':
          this.group();
          break;
        case ')':
          if (this.stack.length === 0) throw reError('unbalanced parenthesis', this.i);
          this.scope = this.stack.pop() ?? this.scope;
          this.opens.pop();
          this.out += ')';
          this.i++;
          break;
        case '.':
          this.out += this.scope.dotAll ? '[\\s\\S]' : '[^\\n]';
          this.i++;
          break;
        case '^':
          this.out += this.scope.multiline ? '(?<![^\\n])' : '(?<![\\s\\S])';
          this.i++;
          break;
        case '$':
          this.out += this.scope.multiline ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))';
          this.i++;
          break;
        case '*':
        case '+':
        case '?':
          this.out += c;
          this.i++;
          this.quantifierSuffix();
          break;
        case '{':
          this.brace();
          break;
        case '|':
          this.out += '|';
          this.i++;
          break;
        default: {
          const cp = src.codePointAt(this.i) ?? 0;
          this.out += literal(cp);
          this.i += cp > 0xffff ? 2 : 1;
        }
      }
    }
    if (this.stack.length > 0) throw reError('missing ), unterminated subpattern', this.opens[this.opens.length - 1]);
    return { source: this.out, flags: this.ignoreCase ? 'iu' : 'u', groupCount: this.groupCount, groupNames: this.names };
  }

  private applyFlag(f: string, on: boolean): void {
    switch (f) {
      case 'i':
        this.ignoreCase = on;
        break;
      case 'm':
        this.scope.multiline = on;
        break;
      case 's':
        this.scope.dotAll = on;
        break;
      case 'x':
        this.scope.verbose = on;
        break;
      case 'a':
        this.scope.ascii = on;
        break;
      case 'u':
        break;
      default:
        throw unsupported(`flag (?${f})`);
    }
  }

  private quantifierSuffix(): void {
    const next = this.src[this.i];
    if (next === '?') {
      this.out += '?';
      this.i++;
    } else if (next === '+') {
      throw unsupported('possessive quantifier');
    }
  }

  private brace(): void {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i));
    if (m === null || this.src[this.i + 1] === '}') {
      this.out += '\\{';
      this.i++;
      return;
    }
    const lo = m[1] ?? '';
    const hi = m[2] === undefined ? lo : (m[3] ?? '');
    const min = lo === '' ? 0 : Number(lo);
    if (hi !== '' && Number(hi) < min) throw reError('min repeat greater than max repeat', this.i + 1);
    this.out += hi === '' ? `{${min},}` : `{${min},${Number(hi)}}`;
    this.i += m[0].length;
    this.quantifierSuffix();
  }

  private wordClass(): string {
    return `[${shorthand('w', this.scope.ascii)}]`;
  }

  private escape(): void {
    const src = this.src;
    const start = this.i;
    const c = src[this.i + 1];
    if (c === undefined) throw reError('bad escape (end of pattern)', start);
    this.i += 2;
    switch (c) {
      case 'A':
        this.out += '(?<![\\s\\S])';
        return;
      case 'Z':
        this.out += '(?![\\s\\S])';
        return;
      case 'b': {
        const w = this.wordClass();
        this.out += `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`;
        return;
      }
      case 'B': {
        // Python's \B never matches in an empty string.
        const w = this.wordClass();
        this.out += `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[\\s\\S])|(?=[\\s\\S])))`;
        return;
      }
      case 'd':
      case 'w':
      case 's':
        this.out += `[${shorthand(c, this.scope.ascii)}]`;
        return;
      case 'D':
      case 'W':
      case 'S':
        this.out += `[^${shorthand(c.toLowerCase() as 'd' | 'w' | 's', this.scope.ascii)}]`;
        return;
      default:
    }
    if (c >= '0' && c <= '9') {
      this.out += this.numericEscape(c, start);
      return;
    }
    const cp = this.charEscape(c, start);
    this.out += literal(cp);
  }

  /** `\0`, `\12`, `\123`: an octal literal or a backreference, by Python's rules. */
  private numericEscape(first: string, start: number): string {
    const src = this.src;
    if (first === '0') {
      let digits = '0';
      while (digits.length < 3 && /[0-7]/.test(src[this.i] ?? '')) digits += src[this.i++];
      return literal(parseInt(digits, 8));
    }
    let digits = first;
    if (/[0-9]/.test(src[this.i] ?? '')) {
      digits += src[this.i++];
      if (/[0-7]/.test(first) && /[0-7]/.test(digits[1] ?? '') && /[0-7]/.test(src[this.i] ?? '')) {
        digits += src[this.i++];
        const value = parseInt(digits, 8);
        if (value > 0o377) throw reError(`octal escape value \\${digits} outside of range 0-0o377`, start);
        return literal(value);
      }
    }
    const group = Number(digits);
    if (group > this.groupCount) throw reError(`invalid group reference ${group}`, start + 1);
    return `(?:\\${group + this.groupOffset})`;
  }

  /** Escapes that stand for one character (shared with classes). */
  private charEscape(c: string, start: number): number {
    const src = this.src;
    const simple: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    const s = simple[c];
    if (s !== undefined) return s;
    const width = c === 'x' ? 2 : c === 'u' ? 4 : c === 'U' ? 8 : 0;
    if (width > 0) {
      const h = src.slice(this.i, this.i + width);
      if (h.length !== width || !HEX.test(h)) throw reError(`incomplete escape \\${c}${h.replace(/[^0-9a-fA-F].*$/, '')}`, start);
      this.i += width;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) throw reError(`bad escape \\${c}${h}`, start);
      return cp;
    }
    if (c === 'N') throw unsupported('\\N{name} escapes');
    if (/[A-Za-z0-9]/.test(c)) throw reError(`bad escape \\${c}`, start);
    const cp = src.codePointAt(this.i - 1) ?? 0;
    if (cp > 0xffff) this.i++;
    return cp;
  }

  private charClass(): void {
    const src = this.src;
    const start = this.i;
    this.i++;
    let negate = false;
    if (src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    let items = '';
    const negSets: string[] = [];
    let first = true;
    for (;;) {
      if (this.i >= src.length) throw reError('unterminated character set', start);
      if (src[this.i] === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      const atom = this.classAtom();
      if (atom.kind === 'char' && src[this.i] === '-' && src[this.i + 1] !== ']' && this.i + 1 < src.length) {
        this.i++;
        const hi = this.classAtom();
        if (hi.kind !== 'char') throw reError('bad character range', this.i);
        if (hi.cp < atom.cp) throw reError('bad character range', this.i);
        items += `${literal(atom.cp)}-${literal(hi.cp)}`;
        continue;
      }
      if (atom.kind === 'char') items += literal(atom.cp);
      else if (atom.kind === 'set') items += atom.js;
      else negSets.push(atom.js);
    }
    if (negSets.length === 0) {
      this.out += `[${negate ? '^' : ''}${items}]`;
      return;
    }
    // A negated shorthand inside a class (`[\W\d]`) has no class form without the v flag.
    const union = `(?:${[...(items === '' ? [] : [`[${items}]`]), ...negSets].join('|')})`;
    this.out += negate ? `(?:(?!${union})[\\s\\S])` : union;
  }

  private classAtom(): { kind: 'char'; cp: number } | { kind: 'set' | 'negset'; js: string } {
    const src = this.src;
    const c = src[this.i] ?? '';
    if (c !== '\\') {
      const cp = src.codePointAt(this.i) ?? 0;
      this.i += cp > 0xffff ? 2 : 1;
      return { kind: 'char', cp };
    }
    const start = this.i;
    const e = src[this.i + 1];
    if (e === undefined) throw reError('bad escape (end of pattern)', start);
    this.i += 2;
    switch (e) {
      case 'd':
      case 'w':
      case 's':
        return { kind: 'set', js: shorthand(e, this.scope.ascii) };
      case 'D':
      case 'W':
      case 'S':
        return { kind: 'negset', js: `[^${shorthand(e.toLowerCase() as 'd' | 'w' | 's', this.scope.ascii)}]` };
      case 'b':
        return { kind: 'char', cp: 8 };
      default:
    }
    if (e >= '0' && e <= '7') {
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(src[this.i] ?? '')) digits += src[this.i++];
      const value = parseInt(digits, 8);
      if (value > 0o377) throw reError(`octal escape value \\${digits} outside of range 0-0o377`, start);
      return { kind: 'char', cp: value };
    }
    return { kind: 'char', cp: this.charEscape(e, start) };
  }

  private group(): void {
    const src = this.src;
    const start = this.i;
    const rest = src.slice(this.i);
    const push = (open: string, len: number): void => {
      this.stack.push({ ...this.scope });
      this.opens.push(start);
      this.out += open;
      this.i += len;
    };
    if (!rest.startsWith('(?')) {
      this.groupCount++;
      push('(', 1);
      return;
    }
    let m = /^\(\?P<([^>]*)>/.exec(rest);
    if (m !== null) {
      const name = m[1] ?? '';
      if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) throw reError(`bad character in group name '${name}'`, start + 4);
      if (this.names.has(name)) throw reError(`redefinition of group name '${name}' as group ${this.groupCount + 1}`, start + 4);
      this.groupCount++;
      this.names.set(name, this.groupCount);
      push(`(?<${name}>`, m[0].length);
      return;
    }
    m = /^\(\?P=([^)]*)\)/.exec(rest);
    if (m !== null) {
      const name = m[1] ?? '';
      if (!this.names.has(name)) throw reError(`unknown group name '${name}'`, start + 4);
      this.out += `(?:\\k<${name}>)`;
      this.i += m[0].length;
      return;
    }
    if (rest.startsWith('(?#')) {
      const end = src.indexOf(')', this.i);
      if (end < 0) throw reError('missing ), unterminated comment', start);
      this.i = end + 1;
      return;
    }
    for (const open of ['(?:', '(?=', '(?!', '(?<=', '(?<!']) {
      if (rest.startsWith(open)) {
        push(open, open.length);
        return;
      }
    }
    if (rest.startsWith('(?>')) throw unsupported('atomic group');
    if (rest.startsWith('(?(')) throw unsupported('conditional group');
    m = /^\(\?([aiLmsux]*)(?:-([imsx]*))?(:|\))/.exec(rest);
    if (m !== null) {
      if (m[3] === ')') throw reError('global flags not at the start of the expression', start);
      const on = m[1] ?? '';
      const off = m[2] ?? '';
      if ((on.includes('i') && !this.ignoreCase) || (off.includes('i') && this.ignoreCase)) throw unsupported('scoped (?i:...)');
      if (on.includes('L')) throw unsupported('flag (?L)');
      this.stack.push({ ...this.scope });
      this.opens.push(start);
      for (const f of on) if (f !== 'i' && f !== 'u') this.applyFlag(f, true);
      for (const f of off) if (f !== 'i') this.applyFlag(f, false);
      this.out += '(?:';
      this.i += m[0].length;
      return;
    }
    throw reError(`unknown extension ${rest.slice(0, 3)}`, start + 1);
  }
}

const CACHE_LIMIT = 256;
const cache = new Map<string, CompiledPyRegex>();

/**
 * Translates a Python pattern and compiles it; compiled patterns are memoised (pure, bounded).
 *
 * @throws TemplateRuntimeError (value_error) on a pattern Python rejects, (unsupported) on a
 *   Python feature JS cannot express.
 */
export function compilePythonRegex(pattern: string, flags: PyRegexFlags = {}): CompiledPyRegex {
  const key = `${flags.ignoreCase === true ? 'i' : ''}${flags.multiline === true ? 'm' : ''}${flags.dotAll === true ? 's' : ''}${flags.verbose === true ? 'x' : ''}${flags.ascii === true ? 'a' : ''}:${pattern}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const t = new Translator(pattern, flags).translate();
  let compiled: CompiledPyRegex;
  try {
    const shifted = new Translator(pattern, flags, 1).translate();
    compiled = {
      regex: new RegExp(t.source, `g${t.flags}`),
      groupCount: t.groupCount,
      groupNames: t.groupNames,
      // Group 1 captures the rest of the input at the start; `(?!\1$)` at the end then means
      // "the end is not where we started", i.e. the match is not empty.
      nonEmpty: new RegExp(`(?=([\\s\\S]*))(?:${shifted.source})(?!\\1$)`, `y${t.flags}`),
    };
  } catch (e) {
    throw reError(`invalid pattern (${e instanceof Error ? e.message : String(e)})`);
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, compiled);
  return compiled;
}

type TemplatePart = string | number;

/** Parses a Python replacement template into literal text and group numbers. */
function parseReplacement(repl: string, compiled: CompiledPyRegex): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  const addGroup = (index: number, pos: number): void => {
    if (index > compiled.groupCount) throw reError(`invalid group reference ${index}`, pos);
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(index);
  };
  const escapes: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  for (let i = 0; i < repl.length; i++) {
    const ch = repl[i] ?? '';
    if (ch !== '\\') {
      lit += ch;
      continue;
    }
    const c = repl[i + 1];
    if (c === undefined) throw reError('bad escape (end of pattern)', i);
    i++;
    if (c === 'g') {
      if (repl[i + 1] !== '<') throw reError('missing <', i + 1);
      const end = repl.indexOf('>', i + 2);
      if (end < 0) throw reError('missing >, unterminated name', i + 2);
      const name = repl.slice(i + 2, end);
      let index: number;
      if (/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) {
        const found = compiled.groupNames.get(name);
        if (found === undefined) throw reError(`unknown group name '${name}'`);
        index = found;
      } else if (/^[0-9]+$/.test(name)) {
        index = Number(name);
      } else {
        throw reError(`bad character in group name '${name}'`, i + 2);
      }
      addGroup(index, i + 2);
      i = end;
    } else if (c === '0') {
      let digits = '0';
      while (digits.length < 3 && /[0-7]/.test(repl[i + 1] ?? '')) digits += repl[++i];
      lit += String.fromCharCode(parseInt(digits, 8) & 0xff);
    } else if (c >= '1' && c <= '9') {
      let digits = c;
      let octal = false;
      if (/[0-9]/.test(repl[i + 1] ?? '')) {
        digits += repl[++i];
        if (/[0-7]/.test(c) && /[0-7]/.test(digits[1] ?? '') && /[0-7]/.test(repl[i + 1] ?? '')) {
          digits += repl[++i];
          const value = parseInt(digits, 8);
          if (value > 0o377) throw reError(`octal escape value \\${digits} outside of range 0-0o377`, i);
          lit += String.fromCharCode(value);
          octal = true;
        }
      }
      if (!octal) addGroup(Number(digits), i);
    } else if (escapes[c] !== undefined) {
      lit += escapes[c];
    } else if (/[A-Za-z]/.test(c)) {
      throw reError(`bad escape \\${c}`, i - 1);
    } else {
      lit += '\\' + c;
    }
  }
  if (lit !== '') parts.push(lit);
  return parts;
}

/**
 * Python `re.subn(pattern, repl, text, count)`: replaces the first `count` matches (0 = all),
 * with Python's handling of empty matches (an empty match right after a non-empty one is
 * replaced too, since 3.7).
 *
 * @param maxSize largest result allowed, in UTF-16 units.
 * @returns the new text and the number of replacements made.
 */
export function pythonRegexSub(
  compiled: CompiledPyRegex,
  repl: string,
  text: string,
  count: number,
  maxSize: number,
): { readonly text: string; readonly replaced: number } {
  const parts = parseReplacement(repl, compiled);
  const re = compiled.regex;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let replaced = 0;
  let mustAdvance = false;
  while (count <= 0 || replaced < count) {
    let m: RegExpExecArray | null = null;
    let groupShift = 0;
    if (mustAdvance) {
      // After an empty match Python retries at the same position, wanting a non-empty match.
      compiled.nonEmpty.lastIndex = re.lastIndex;
      m = compiled.nonEmpty.exec(text);
      groupShift = 1;
      if (m === null) {
        if (re.lastIndex >= text.length) break;
        const cp = text.codePointAt(re.lastIndex) ?? 0;
        re.lastIndex += cp > 0xffff ? 2 : 1;
        groupShift = 0;
      }
    }
    if (m === null) m = re.exec(text);
    if (m === null) break;
    out += text.slice(last, m.index);
    for (const p of parts) out += typeof p === 'number' ? (m[p === 0 ? 0 : p + groupShift] ?? '') : p;
    if (out.length > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'regex_replace result exceeds the template size limit');
    last = m.index + m[0].length;
    re.lastIndex = last;
    replaced++;
    mustAdvance = m[0].length === 0;
  }
  out += text.slice(last);
  re.lastIndex = 0;
  if (out.length > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'regex_replace result exceeds the template size limit');
  return { text: out, replaced };
}
