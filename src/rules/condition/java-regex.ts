/**
 * @module Java regular expressions (java.util.regex) translated to JavaScript RegExps.
 *
 * ansible-rulebook hands `search`/`match`/`regex` patterns to Java, so rulebooks use Java syntax
 * and semantics: inline flags anywhere (`(?i)`, `(?s)`, `(?m)`, `(?x)`, scoped `(?i:…)`),
 * `\A` `\Z` `\z`, possessive quantifiers and atomic groups, `\Q…\E`, POSIX `\p{Alpha}`, ASCII-only
 * case folding unless `(?u)`, and `$` matching before a final line terminator. The pattern is
 * parsed into a small tree and re-emitted as a `u`-mode RegExp that needs no JS flags:
 * - flags are applied while parsing (case-insensitive letters become `[aA]`, `.`/`^`/`$` become
 *   explicit classes and lookarounds), so scoped flags work on Node 20, which lacks `(?i:…)`;
 * - atomic groups and possessive quantifiers use the exact emulation `(?=(X))\N`;
 * - whatever cannot be expressed (`\G`, `\X`, Unicode blocks `\p{InGreek}`, `(?U)`) throws
 *   {@link JavaRegexError} naming the construct.
 */

/** Flags given outside the pattern (`ignorecase=true`, `multiline=true`). */
export interface JavaRegexFlags {
  readonly ignoreCase?: boolean;
  readonly multiline?: boolean;
}

/** A pattern Java would reject, or one JavaScript cannot run. `index` is 0-based in the pattern. */
export class JavaRegexError extends Error {
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.name = 'JavaRegexError';
    this.index = index;
  }
}

interface Flags {
  i: boolean; // CASE_INSENSITIVE (ASCII only unless u)
  d: boolean; // UNIX_LINES
  m: boolean; // MULTILINE
  s: boolean; // DOTALL
  u: boolean; // UNICODE_CASE
  x: boolean; // COMMENTS
}

type RNode =
  | { readonly t: 'seq'; readonly items: readonly RNode[] }
  | { readonly t: 'alt'; readonly alts: readonly RNode[] }
  | { readonly t: 'raw'; readonly js: string }
  | {
      readonly t: 'group';
      readonly kind: 'capture' | 'named' | 'noncap' | 'ahead' | 'nahead' | 'behind' | 'nbehind' | 'atomic';
      readonly name?: string;
      readonly userIndex?: number;
      readonly body: RNode;
    }
  | { readonly t: 'quant'; readonly body: RNode; readonly min: number; readonly max: number; readonly mode: 'greedy' | 'lazy' | 'possessive' }
  | { readonly t: 'backref'; readonly userIndex: number };

const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
const LINE_TERMINATORS = '\\n\\r\\u0085\\u2028\\u2029';
const H_SPACE = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const V_SPACE = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

/** POSIX classes of java.util.regex (US-ASCII only), as JS class bodies. */
const POSIX: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: JAVA_SPACE,
};

/** java.lang.Character classes, approximated by the nearest Unicode property. */
const JAVA_CHAR_CLASSES: Readonly<Record<string, string>> = {
  javaLowerCase: '\\p{Lowercase}',
  javaUpperCase: '\\p{Uppercase}',
  javaAlphabetic: '\\p{Alphabetic}',
  javaLetter: '\\p{L}',
  javaDigit: '\\p{Nd}',
  javaLetterOrDigit: '\\p{L}\\p{Nd}',
  javaWhitespace: '\\t\\n\\x0B\\f\\r\\x1C-\\x1F\\p{Zs}\\p{Zl}\\p{Zp}',
  javaSpaceChar: '\\p{Zs}\\p{Zl}\\p{Zp}',
  javaTitleCase: '\\p{Lt}',
  javaIdeographic: '\\p{Ideographic}',
};

const BINARY_PROPERTIES: Readonly<Record<string, string>> = {
  alphabetic: 'Alphabetic',
  ideographic: 'Ideographic',
  letter: 'L',
  lowercase: 'Lowercase',
  uppercase: 'Uppercase',
  titlecase: 'Lt',
  punctuation: 'P',
  control: 'Cc',
  white_space: 'White_Space',
  whitespace: 'White_Space',
  digit: 'Nd',
  hex_digit: 'Hex_Digit',
  hexdigit: 'Hex_Digit',
  join_control: 'Join_Control',
  joincontrol: 'Join_Control',
  noncharacter_code_point: 'Noncharacter_Code_Point',
  noncharactercodepoint: 'Noncharacter_Code_Point',
  assigned: 'Assigned',
  emoji: 'Emoji',
};

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** A code point written so it is literal both inside and outside a `u`-mode class. */
function lit(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f || cp === 0x20) {
    return String.fromCharCode(cp);
  }
  return hex(cp);
}

function validJsProperty(body: string): boolean {
  try {
    new RegExp(`\\p{${body}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Case variants of a code point: ASCII letters only, or every simple case mapping with `(?u)`. */
function caseVariants(cp: number, unicode: boolean): number[] {
  if (cp >= 0x41 && cp <= 0x5a) return [cp, cp + 32];
  if (cp >= 0x61 && cp <= 0x7a) return [cp, cp - 32];
  if (!unicode || cp < 0x80) return [cp];
  const s = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const c = v.codePointAt(0);
    if (c !== undefined && String.fromCodePoint(c) === v) out.add(c);
  }
  return [...out];
}

/** Ranges (inclusive) plus their case counterparts. */
function expandRange(lo: number, hi: number, flags: Flags): Array<[number, number]> {
  const out: Array<[number, number]> = [[lo, hi]];
  if (!flags.i) return out;
  const lower: [number, number] = [Math.max(lo, 0x61), Math.min(hi, 0x7a)];
  if (lower[0] <= lower[1]) out.push([lower[0] - 32, lower[1] - 32]);
  const upper: [number, number] = [Math.max(lo, 0x41), Math.min(hi, 0x5a)];
  if (upper[0] <= upper[1]) out.push([upper[0] + 32, upper[1] + 32]);
  // Unicode case mapping of large ranges is not attempted: Java's default folding is ASCII-only.
  if (flags.u && hi - lo <= 512) {
    for (let cp = Math.max(lo, 0x80); cp <= hi; cp++) for (const v of caseVariants(cp, true)) if (v !== cp) out.push([v, v]);
  }
  return out;
}

interface ClassUnion {
  body: string;
  matchers: string[];
}

function emitUnion(u: ClassUnion): string {
  if (u.matchers.length === 0) return `[${u.body}]`;
  const alts = u.body === '' ? u.matchers : [`[${u.body}]`, ...u.matchers];
  return alts.length === 1 ? (alts[0] as string) : `(?:${alts.join('|')})`;
}

class JavaRegexParser {
  private pos = 0;
  private groupCount = 0;

  constructor(private readonly src: string) {}

  parse(initial: Flags): RNode {
    const node = this.parseAlt({ ...initial });
    if (this.pos < this.src.length) throw this.error(`unmatched closing ')'`);
    return node;
  }

  private error(message: string, at = this.pos): JavaRegexError {
    return new JavaRegexError(`${message} at index ${at} of regular expression ${JSON.stringify(this.src)}`, at);
  }

  private peekCp(): number | undefined {
    return this.src.codePointAt(this.pos);
  }

  private nextCp(): number {
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) throw this.error('unexpected end of pattern');
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  /** COMMENTS mode: whitespace and `#…` to the end of the line are not part of the pattern. */
  private skipComments(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\x0B') {
        this.pos++;
      } else if (c === '#') {
        while (this.pos < this.src.length && !/[\n\r\u0085\u2028\u2029]/.test(this.src[this.pos] as string)) this.pos++;
      } else {
        return;
      }
    }
  }

  private parseAlt(flags: Flags): RNode {
    const alts: RNode[] = [this.parseSeq(flags)];
    while (this.src[this.pos] === '|') {
      this.pos++;
      alts.push(this.parseSeq(flags));
    }
    return alts.length === 1 ? (alts[0] as RNode) : { t: 'alt', alts };
  }

  private parseSeq(flags: Flags): RNode {
    const items: RNode[] = [];
    for (;;) {
      this.skipComments(flags);
      const c = this.src[this.pos];
      if (c === undefined || c === '|' || c === ')') break;
      const atomStart = this.pos;
      const atom = this.parseAtom(flags);
      this.skipComments(flags);
      const quantified = this.parseQuantifier(atom, atomStart, flags);
      if (quantified !== undefined) items.push(quantified);
    }
    return items.length === 1 ? (items[0] as RNode) : { t: 'seq', items };
  }

  private parseQuantifier(atom: RNode | undefined, atomStart: number, flags: Flags): RNode | undefined {
    let node = atom;
    for (;;) {
      const c = this.src[this.pos];
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        min = c === '+' ? 1 : 0;
        max = c === '?' ? 1 : Infinity;
        this.pos++;
      } else if (c === '{') {
        const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('illegal repetition');
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
        if (max < min) throw this.error('illegal repetition range');
        this.pos += m[0].length;
      } else {
        return node;
      }
      if (node === undefined) throw this.error(`dangling meta character '${c}'`, atomStart);
      let mode: 'greedy' | 'lazy' | 'possessive' = 'greedy';
      if (this.src[this.pos] === '?') {
        mode = 'lazy';
        this.pos++;
      } else if (this.src[this.pos] === '+') {
        mode = 'possessive';
        this.pos++;
      }
      node = { t: 'quant', body: node, min, max, mode };
      this.skipComments(flags);
      const next = this.src[this.pos];
      if (next === '*' || next === '+' || next === '?' || next === '{') throw this.error(`dangling meta character '${next}'`);
    }
  }

  private parseAtom(flags: Flags): RNode | undefined {
    const c = this.src[this.pos];
    switch (c) {
      case '(':
        return this.parseGroup(flags);
      case '[':
        return { t: 'raw', js: this.parseClass(flags) };
      case '.':
        this.pos++;
        return { t: 'raw', js: flags.s ? '[^]' : flags.d ? '[^\\n]' : `[^${LINE_TERMINATORS}]` };
      case '^':
        this.pos++;
        return { t: 'raw', js: this.caret(flags) };
      case '$':
        this.pos++;
        return { t: 'raw', js: this.dollar(flags) };
      case '\\':
        return this.parseEscape(flags);
      case '*':
      case '+':
      case '?':
        throw this.error(`dangling meta character '${c}'`);
      case '{':
        throw this.error('illegal repetition');
      default:
        return this.charNode(this.nextCp(), flags);
    }
  }

  private caret(flags: Flags): string {
    if (!flags.m) return '^';
    return flags.d ? '(?:^|(?<=\\n)(?=[^]))' : '(?:^|(?<=[\\n\\u0085\\u2028\\u2029]|\\r(?!\\n))(?=[^]))';
  }

  private dollar(flags: Flags): string {
    if (flags.m) return flags.d ? '(?=\\n|$)' : `(?:(?=[${LINE_TERMINATORS}]|$)(?!(?<=\\r)\\n))`;
    return this.endOrFinalTerminator(flags);
  }

  /** Java's non-multiline `$` and `\Z`: end of input, or just before a final line terminator. */
  private endOrFinalTerminator(flags: Flags): string {
    return flags.d ? '(?=\\n?$)' : `(?=(?:\\r\\n|[${LINE_TERMINATORS}])?$)`;
  }

  private charNode(cp: number, flags: Flags): RNode {
    if (flags.i) {
      const variants = caseVariants(cp, flags.u);
      if (variants.length > 1) return { t: 'raw', js: `[${variants.map(lit).join('')}]` };
    }
    return { t: 'raw', js: lit(cp) };
  }

  private parseGroup(flags: Flags): RNode | undefined {
    const open = this.pos;
    this.pos++; // (
    let kind: Extract<RNode, { t: 'group' }>['kind'] = 'capture';
    let name: string | undefined;
    const inner = { ...flags };
    if (this.src[this.pos] === '?') {
      this.pos++;
      if (this.startsWith(':')) {
        kind = 'noncap';
        this.pos++;
      } else if (this.startsWith('=')) {
        kind = 'ahead';
        this.pos++;
      } else if (this.startsWith('!')) {
        kind = 'nahead';
        this.pos++;
      } else if (this.startsWith('<=')) {
        kind = 'behind';
        this.pos += 2;
      } else if (this.startsWith('<!')) {
        kind = 'nbehind';
        this.pos += 2;
      } else if (this.startsWith('>')) {
        kind = 'atomic';
        this.pos++;
      } else if (this.startsWith('<')) {
        const m = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('named capturing group has an invalid name');
        kind = 'named';
        name = m[1];
        this.pos += m[0].length;
      } else {
        const m = /^([idmsuxU]*)(?:-([idmsuxU]*))?([:)])/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('unknown inline modifier', this.pos);
        const target = m[3] === ')' ? flags : inner;
        applyFlags(target, m[1] ?? '', true, () => this.error('the inline flag (?U) (UNICODE_CHARACTER_CLASS) is not supported', open));
        applyFlags(target, m[2] ?? '', false, () => this.error('the inline flag (?U) (UNICODE_CHARACTER_CLASS) is not supported', open));
        this.pos += m[0].length;
        if (m[3] === ')') return undefined;
        kind = 'noncap';
      }
    }
    const userIndex = kind === 'capture' || kind === 'named' ? ++this.groupCount : undefined;
    const body = this.parseAlt(inner);
    if (this.src[this.pos] !== ')') throw this.error('unclosed group', open);
    this.pos++;
    return { t: 'group', kind, name, userIndex, body };
  }

  private parseEscape(flags: Flags): RNode {
    const start = this.pos;
    this.pos++; // backslash
    const c = this.src[this.pos];
    if (c === undefined) throw this.error('unexpected end of pattern after \\', start);
    if (c >= '1' && c <= '9') return this.parseBackref();
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 'b':
      case 'B':
        this.pos++;
        if (c === 'b' && this.src[this.pos] === '{') throw this.error('\\b{…} boundaries are not supported', start);
        return { t: 'raw', js: `\\${c}` };
      case 's':
        this.pos++;
        return { t: 'raw', js: `[${JAVA_SPACE}]` };
      case 'S':
        this.pos++;
        return { t: 'raw', js: `[^${JAVA_SPACE}]` };
      case 'h':
        this.pos++;
        return { t: 'raw', js: `[${H_SPACE}]` };
      case 'H':
        this.pos++;
        return { t: 'raw', js: `[^${H_SPACE}]` };
      case 'v':
        this.pos++;
        return { t: 'raw', js: `[${V_SPACE}]` };
      case 'V':
        this.pos++;
        return { t: 'raw', js: `[^${V_SPACE}]` };
      case 'R':
        this.pos++;
        return { t: 'raw', js: `(?:\\r\\n|[${V_SPACE}])` };
      case 'A':
        this.pos++;
        return { t: 'raw', js: '^' };
      case 'z':
        this.pos++;
        return { t: 'raw', js: '$' };
      case 'Z':
        this.pos++;
        return { t: 'raw', js: this.endOrFinalTerminator(flags) };
      case 'p':
      case 'P': {
        const cls = this.parseProperty();
        return { t: 'raw', js: cls.negated ? `[^${cls.body}]` : `[${cls.body}]` };
      }
      case 'Q': {
        this.pos++;
        const end = this.src.indexOf('\\E', this.pos);
        const text = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end < 0 ? this.src.length : end + 2;
        const items = [...text].map((ch) => this.charNode(ch.codePointAt(0) as number, flags));
        return items.length === 1 ? (items[0] as RNode) : { t: 'seq', items };
      }
      case 'k': {
        const m = /^k<([a-zA-Z][a-zA-Z0-9]*)>/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('\\k is not followed by <name>', start);
        this.pos += m[0].length;
        return { t: 'raw', js: `\\k<${m[1]}>` };
      }
      case 'G':
      case 'X':
      case 'N':
        throw this.error(`\\${c} is not supported`, start);
      default: {
        const cp = this.parseCharEscape(start);
        return this.charNode(cp, flags);
      }
    }
  }

  private parseBackref(): RNode {
    // Java reads as many digits as still name an existing group.
    let n = Number(this.src[this.pos]);
    this.pos++;
    while (/[0-9]/.test(this.src[this.pos] ?? '')) {
      const candidate = n * 10 + Number(this.src[this.pos]);
      if (candidate > this.groupCount) break;
      n = candidate;
      this.pos++;
    }
    return { t: 'backref', userIndex: n };
  }

  /** A single-character escape (`\t`, `\x41`, `\u00e9`, `\0101`, `\cA`, `\.`); pos is on the char after `\`. */
  private parseCharEscape(start: number): number {
    const c = this.src[this.pos] as string;
    this.pos++;
    switch (c) {
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'f':
        return 0x0c;
      case 'a':
        return 0x07;
      case 'e':
        return 0x1b;
      case '0': {
        const m = /^[0-7]{1,3}/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('illegal octal escape sequence', start);
        let digits = m[0];
        if (digits.length === 3 && Number(digits[0]) > 3) digits = digits.slice(0, 2);
        this.pos += digits.length;
        return parseInt(digits, 8);
      }
      case 'x': {
        const braced = /^\{([0-9a-fA-F]+)\}/.exec(this.src.slice(this.pos));
        if (braced) {
          this.pos += braced[0].length;
          const cp = parseInt(braced[1] as string, 16);
          if (cp > 0x10ffff) throw this.error('hexadecimal code point is out of range', start);
          return cp;
        }
        const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('illegal hexadecimal escape sequence', start);
        this.pos += 2;
        return parseInt(m[0], 16);
      }
      case 'u': {
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.pos));
        if (!m) throw this.error('illegal Unicode escape sequence', start);
        this.pos += 4;
        const unit = parseInt(m[0], 16);
        const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(this.src.slice(this.pos));
        if (unit >= 0xd800 && unit <= 0xdbff && low) {
          this.pos += 6;
          return 0x10000 + ((unit - 0xd800) << 10) + (parseInt(low[1] as string, 16) - 0xdc00);
        }
        return unit;
      }
      case 'c': {
        const ch = this.src.charCodeAt(this.pos);
        if (Number.isNaN(ch)) throw this.error('illegal control escape sequence', start);
        this.pos++;
        return ch ^ 64;
      }
      default:
        if (/[a-zA-Z0-9]/.test(c)) throw this.error(`illegal or unsupported escape sequence \\${c}`, start);
        this.pos--;
        return this.nextCp();
    }
  }

  /** `\p{…}` / `\P{…}` / `\pL`: returns a JS class body (valid inside `[…]`) and its polarity. */
  private parseProperty(): { body: string; negated: boolean } {
    const start = this.pos - 1;
    const negatedEscape = this.src[this.pos] === 'P';
    this.pos++;
    let name: string;
    if (this.src[this.pos] === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) throw this.error('unclosed character family', start);
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      const ch = this.src[this.pos];
      if (ch === undefined) throw this.error('illegal character family', start);
      name = ch;
      this.pos++;
    }
    let negated = negatedEscape;
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const posix = POSIX[name] ?? POSIX[name.startsWith('Is') ? name.slice(2) : ''];
    if (posix !== undefined) return { body: posix, negated };
    const javaClass = JAVA_CHAR_CLASSES[name];
    if (javaClass !== undefined) return { body: javaClass, negated };
    const js = this.unicodeProperty(name, start);
    return { body: `\\p{${js}}`, negated };
  }

  private unicodeProperty(name: string, start: number): string {
    const eq = name.indexOf('=');
    if (eq >= 0) {
      const key = name.slice(0, eq).toLowerCase();
      const value = name.slice(eq + 1);
      if ((key === 'gc' || key === 'general_category') && validJsProperty(`gc=${value}`)) return `gc=${value}`;
      if ((key === 'sc' || key === 'script') && validJsProperty(`sc=${value}`)) return `sc=${value}`;
      if (key === 'blk' || key === 'block') throw this.error(`Unicode blocks (\\p{${name}}) are not supported`, start);
      throw this.error(`unknown character property \\p{${name}}`, start);
    }
    if (name.startsWith('In')) throw this.error(`Unicode blocks (\\p{${name}}) are not supported`, start);
    const bare = name.startsWith('Is') ? name.slice(2) : name;
    const binary = BINARY_PROPERTIES[bare.toLowerCase()];
    if (binary !== undefined) return binary;
    if (validJsProperty(`gc=${bare}`)) return `gc=${bare}`;
    if (validJsProperty(`sc=${bare}`)) return `sc=${bare}`;
    throw this.error(`unknown character property \\p{${name}}`, start);
  }

  /** A character class, returned as one JS atom matching one code point. */
  private parseClass(flags: Flags): string {
    const open = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const operands: string[] = [];
    let union = this.parseClassUnion(flags, true, open);
    let simple = union.matchers.length === 0;
    operands.push(emitUnion(union));
    while (this.startsWith('&&')) {
      this.pos += 2;
      union = this.parseClassUnion(flags, false, open);
      simple = false;
      operands.push(emitUnion(union));
    }
    if (this.src[this.pos] !== ']') throw this.error('unclosed character class', open);
    this.pos++;
    if (simple) return negated ? `[^${union.body}]` : `[${union.body}]`;
    const last = operands.pop() as string;
    const matcher = operands.length === 0 ? last : `(?:${operands.map((o) => `(?=${o})`).join('')}${last})`;
    return negated ? `(?:(?!${matcher})[^])` : matcher;
  }

  private parseClassUnion(flags: Flags, first: boolean, open: number): ClassUnion {
    const u: ClassUnion = { body: '', matchers: [] };
    let atStart = first;
    for (;;) {
      this.skipComments(flags);
      const c = this.src[this.pos];
      if (c === undefined) throw this.error('unclosed character class', open);
      if (c === ']' && !atStart) return u;
      if (this.startsWith('&&')) return u;
      atStart = false;
      if (c === '[') {
        u.matchers.push(this.parseClass(flags));
        continue;
      }
      let lo: number;
      if (c === '\\') {
        const special = this.parseClassEscape(flags, u);
        if (special) continue;
        this.pos++;
        lo = this.parseCharEscape(this.pos - 1);
      } else {
        lo = this.nextCp();
      }
      // A range `lo-hi`, unless the dash is last or followed by a nested class.
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== '[' && this.src[this.pos + 1] !== undefined) {
        const dash = this.pos;
        this.pos++;
        let hi: number;
        if (this.src[this.pos] === '\\') {
          this.pos++;
          hi = this.parseCharEscape(this.pos - 1);
        } else {
          hi = this.nextCp();
        }
        if (hi < lo) throw this.error('illegal character range', dash);
        for (const [a, b] of expandRange(lo, hi, flags)) u.body += a === b ? lit(a) : `${lit(a)}-${lit(b)}`;
      } else {
        for (const [a, b] of expandRange(lo, lo, flags)) u.body += a === b ? lit(a) : `${lit(a)}-${lit(b)}`;
      }
    }
  }

  /** Class escapes that are sets, not single characters. Returns false (pos unchanged) otherwise. */
  private parseClassEscape(flags: Flags, u: ClassUnion): boolean {
    const c = this.src[this.pos + 1];
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        u.body += `\\${c}`;
        break;
      case 's':
        u.body += JAVA_SPACE;
        break;
      case 'h':
        u.body += H_SPACE;
        break;
      case 'v':
        u.body += V_SPACE;
        break;
      case 'S':
        u.matchers.push(`[^${JAVA_SPACE}]`);
        break;
      case 'H':
        u.matchers.push(`[^${H_SPACE}]`);
        break;
      case 'V':
        u.matchers.push(`[^${V_SPACE}]`);
        break;
      case 'p':
      case 'P': {
        this.pos++;
        const p = this.parseProperty();
        if (p.negated) u.matchers.push(`[^${p.body}]`);
        else u.body += p.body;
        return true;
      }
      case 'Q': {
        this.pos += 2;
        const end = this.src.indexOf('\\E', this.pos);
        const text = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        this.pos = end < 0 ? this.src.length : end + 2;
        for (const ch of text) {
          const cp = ch.codePointAt(0) as number;
          for (const [a, b] of expandRange(cp, cp, flags)) u.body += a === b ? lit(a) : `${lit(a)}-${lit(b)}`;
        }
        return true;
      }
      case 'b':
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
      case 'R':
      case 'X':
      case 'k':
        throw this.error(`\\${c} is not allowed in a character class`);
      default:
        return false;
    }
    this.pos += 2;
    return true;
  }
}

function applyFlags(target: Flags, letters: string, on: boolean, unsupported: () => Error): void {
  for (const l of letters) {
    if (l === 'U') throw unsupported();
    target[l as keyof Flags] = on;
  }
}

class Emitter {
  private count = 0;
  private readonly userToEmitted = new Map<number, number>();

  emit(node: RNode): string {
    const out = this.node(node);
    // Backreferences are resolved last: Java allows forward references, and helper groups for
    // atomic groups shift the numbering.
    return out.replace(/\u0000(\d+)\u0000/g, (_, n: string) => {
      const idx = this.userToEmitted.get(Number(n));
      return idx === undefined ? '(?!)' : `(?:\\${idx})`;
    });
  }

  private node(n: RNode): string {
    switch (n.t) {
      case 'raw':
        return n.js;
      case 'seq':
        return n.items.map((i) => this.node(i)).join('');
      case 'alt':
        return n.alts.map((a) => this.node(a)).join('|');
      case 'backref':
        return `\u0000${n.userIndex}\u0000`;
      case 'group':
        return this.group(n);
      case 'quant':
        return this.quant(n);
    }
  }

  private group(n: Extract<RNode, { t: 'group' }>): string {
    switch (n.kind) {
      case 'capture':
      case 'named': {
        const idx = ++this.count;
        if (n.userIndex !== undefined) this.userToEmitted.set(n.userIndex, idx);
        const body = this.node(n.body);
        return n.kind === 'named' ? `(?<${n.name}>${body})` : `(${body})`;
      }
      case 'noncap':
        return `(?:${this.node(n.body)})`;
      case 'ahead':
        return `(?=${this.node(n.body)})`;
      case 'nahead':
        return `(?!${this.node(n.body)})`;
      case 'behind':
        return `(?<=${this.node(n.body)})`;
      case 'nbehind':
        return `(?<!${this.node(n.body)})`;
      case 'atomic': {
        const helper = ++this.count;
        return `(?:(?=(${this.node(n.body)}))\\${helper})`;
      }
    }
  }

  private quant(n: Extract<RNode, { t: 'quant' }>): string {
    const q =
      n.min === 0 && n.max === Infinity
        ? '*'
        : n.min === 1 && n.max === Infinity
          ? '+'
          : n.min === 0 && n.max === 1
            ? '?'
            : n.max === Infinity
              ? `{${n.min},}`
              : n.min === n.max
                ? `{${n.min}}`
                : `{${n.min},${n.max}}`;
    if (n.mode === 'possessive') {
      const helper = ++this.count;
      return `(?:(?=(${this.atom(n.body)}${q}))\\${helper})`;
    }
    return `${this.atom(n.body)}${q}${n.mode === 'lazy' ? '?' : ''}`;
  }

  /** The body of a quantifier, wrapped so the quantifier applies to all of it. */
  private atom(n: RNode): string {
    const s = this.node(n);
    if (n.t === 'group' || n.t === 'backref') return s;
    if (n.t === 'raw' && isSingleAtom(s)) return s;
    return `(?:${s})`;
  }
}

function isSingleAtom(js: string): boolean {
  if (/^\\u\{[0-9a-f]+\}$/.test(js) || /^\\[dDwWbB]$/.test(js) || /^[A-Za-z0-9_ ]$/.test(js)) return true;
  if (js.startsWith('[') && js.endsWith(']') && js.indexOf(']') === js.length - 1) return true;
  return false;
}

/**
 * Compiles a Java regular expression to an equivalent JavaScript RegExp (no `g`/`y` flags, so
 * `test()` is stateless and behaves like Java's `Matcher.find()`).
 * @throws JavaRegexError when Java would reject the pattern or JavaScript cannot express it.
 */
export function compileJavaRegex(pattern: string, flags: JavaRegexFlags = {}): RegExp {
  const initial: Flags = { i: flags.ignoreCase === true, d: false, m: flags.multiline === true, s: false, u: false, x: false };
  const tree = new JavaRegexParser(pattern).parse(initial);
  const source = new Emitter().emit(tree);
  try {
    return new RegExp(source, 'u');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new JavaRegexError(`regular expression ${JSON.stringify(pattern)} cannot be run: ${reason}`, 0);
  }
}
