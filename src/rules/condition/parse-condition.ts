/**
 * @module The condition parser: a hand-written tokenizer and recursive-descent parser that accepts
 * the language of ansible-rulebook's pyparsing grammar (shared/spec/rulebook-language.md §2.1)
 * and produces the AST of `ast.ts`.
 *
 * Precedence, loosest first: `<<` (only at the start), `and`/`or` (one level, left to right),
 * unary `not`, `in`/`not in`/`contains`/`not contains`, `is`/`is not`, comparisons, `+`/`-`.
 * Upstream spreads the six comparisons over five levels, but every chain of comparisons fails
 * when ansible-rulebook loads it, so here a comparison simply cannot be chained. Checks that
 * upstream only makes when loading (a comparison used as a value, a number used as a
 * condition, `*`) are made here, so every error points at a column.
 *
 * Deliberate differences in corners where upstream behaves by accident: keywords need a word
 * boundary (`nothing == x` is the bare word "nothing", not `not ("hing" == x)`), bare words
 * that start like a literal (`nullable`, `trueish`) are strings rather than a parse error,
 * `is not`/`not in` may have any whitespace between their words, `[]` is an empty list, a
 * `vars` list may contain lists, `events["x"]` is accepted, and unknown search options or extra
 * `select(…)` arguments are errors even where upstream silently ignores them.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import {
  BinaryOp,
  FieldRoot,
  SearchKind,
  type Expr,
  type FieldRef,
  type ListLiteral,
  type Literal,
  type ParsedCondition,
  type PathSegment,
  type SearchTest,
  type SelectAttrOp,
  type SelectAttrTest,
  type SelectOp,
  type SelectTest,
  type Span,
} from './ast.js';

/** How a condition string is turned into an AST. */
export interface ParseConditionOptions {
  /**
   * The values `vars.a.b` resolves to (`--vars` / `--env-vars`). A missing key throws
   * `AH_VARS_KEY_MISSING`. Default: no variables.
   */
  readonly vars?: Readonly<Record<string, unknown>>;
  /**
   * Renders Jinja in string literals (applied when the text contains both `{{` and `}}`, as
   * upstream does). Default: literals are taken as written.
   */
  readonly renderString?: (s: string) => string;
}

const SELECT_OPS: readonly SelectOp[] = ['==', '!=', '>', '>=', '<', '<=', 'regex', 'search', 'match'];
const SELECTATTR_OPS: readonly SelectAttrOp[] = [...SELECT_OPS, 'in', 'not in', 'contains', 'not contains'];
const COMPARISON_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const ROOTS = new Set<string>(Object.values(FieldRoot));
const TESTS = 'defined, search(…), match(…), regex(…), select(…) or selectattr(…)';

type TokenKind = 'word' | 'number' | 'string' | 'op' | 'invalid' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** Source text of the token. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Strings: the decoded value (`\n`, `\t`, `\f`, `\r` converted). */
  readonly value?: string;
  /** Whitespace precedes the token (paths and signed numbers must be written without). */
  readonly spaced: boolean;
  /** Invalid tokens: why. */
  readonly problem?: string;
}

const OPERATORS = ['==', '!=', '>=', '<=', '<<', '<', '>', '+', '-', '*', '/', '(', ')', '[', ']', ',', '.', '='];
// pyparsing_common.identifier: Latin-1 identifier characters.
const WORD_START = /[A-Za-z_\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]/;
const WORD_BODY = /[A-Za-z0-9_\u00AA\u00B5\u00B7\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]/;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (true) {
    let spaced = false;
    while (pos < text.length && WHITESPACE.test(text[pos] as string)) {
      pos++;
      spaced = true;
    }
    if (pos >= text.length) {
      tokens.push({ kind: 'eof', text: '', start: text.length, end: text.length, spaced });
      return tokens;
    }
    const start = pos;
    const c = text[pos] as string;
    if (WORD_START.test(c)) {
      pos++;
      while (pos < text.length && WORD_BODY.test(text[pos] as string)) pos++;
      tokens.push({ kind: 'word', text: text.slice(start, pos), start, end: pos, spaced });
      continue;
    }
    NUMBER.lastIndex = pos;
    const num = NUMBER.exec(text);
    if (num !== null) {
      pos += num[0].length;
      tokens.push({ kind: 'number', text: num[0], start, end: pos, spaced });
      continue;
    }
    if (c === '"' || c === "'") {
      let end = pos + 1;
      while (end < text.length && text[end] !== c && text[end] !== '\n' && text[end] !== '\r') end++;
      if (text[end] !== c) {
        tokens.push({ kind: 'invalid', text: text.slice(start, end), start, end, spaced, problem: `a string that is not closed (no matching ${c})` });
        pos = end;
        continue;
      }
      const raw = text.slice(pos + 1, end);
      pos = end + 1;
      tokens.push({ kind: 'string', text: text.slice(start, pos), start, end: pos, spaced, value: unescapeWhitespace(raw) });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, pos));
    if (op !== undefined) {
      pos += op.length;
      tokens.push({ kind: 'op', text: op, start, end: pos, spaced });
      continue;
    }
    const cp = text.codePointAt(pos) as number;
    const ch = String.fromCodePoint(cp);
    pos += ch.length;
    tokens.push({ kind: 'invalid', text: ch, start, end: pos, spaced });
  }
}

/** pyparsing's QuotedString converts `\t \n \f \r` and nothing else (no `\"`). */
function unescapeWhitespace(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    const n = raw[i + 1];
    if (c === '\\' && (n === 't' || n === 'n' || n === 'f' || n === 'r')) {
      out += n === 't' ? '\t' : n === 'n' ? '\n' : n === 'f' ? '\f' : '\r';
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of condition';
    case 'invalid':
      return t.problem ?? JSON.stringify(t.text);
    default:
      return JSON.stringify(t.text);
  }
}

function span(start: number, end: number): Span {
  return { start, end };
}

function isConditionNode(e: Expr): boolean {
  switch (e.kind) {
    case 'field':
      return true;
    case 'literal':
      return typeof e.value === 'boolean' || typeof e.value === 'string';
    case 'list':
      return false;
    case 'binary':
      return e.op !== BinaryOp.Add && e.op !== BinaryOp.Sub;
    default:
      return true;
  }
}

function isValueNode(e: Expr): boolean {
  switch (e.kind) {
    case 'field':
    case 'literal':
    case 'list':
      return true;
    case 'binary':
      return e.op === BinaryOp.Add || e.op === BinaryOp.Sub;
    default:
      return false;
  }
}

function describeNode(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      if (e.value === null) return 'null';
      if (typeof e.value === 'number' || typeof e.value === 'bigint') return `the number ${String(e.value)}`;
      return JSON.stringify(e.value);
    case 'list':
      return 'a list';
    case 'binary':
      if (e.op === BinaryOp.Add || e.op === BinaryOp.Sub) return 'an arithmetic expression';
      if (COMPARISON_OPS.has(e.op)) return `a comparison (${e.op})`;
      if (e.op === BinaryOp.And || e.op === BinaryOp.Or) return `an ${e.op}-expression`;
      return `a membership test (${e.op})`;
    case 'not':
      return 'a not-expression';
    case 'defined':
      return 'an is defined test';
    case 'search':
      return `an is ${e.searchKind}(…) test`;
    case 'select':
      return 'an is select(…) test';
    case 'selectattr':
      return 'an is selectattr(…) test';
    case 'field':
      return 'a field';
  }
}

class ConditionParser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly options: ParseConditionOptions,
  ) {
    this.tokens = tokenize(text);
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isOp(t: Token, text: string): boolean {
    return t.kind === 'op' && t.text === text;
  }

  private isWord(t: Token, word: string, caseless = false): boolean {
    return t.kind === 'word' && (caseless ? t.text.toLowerCase() === word : t.text === word);
  }

  private fail(at: number, expected: string, found: string, hint?: string): never {
    const message = `expected ${expected}, found ${found} at column ${at + 1}${hint ? ` (${hint})` : ''}`;
    throw new AutohealError(ErrorCode.ConditionSyntax, message, { details: { offset: at, expected, found } });
  }

  private failAt(t: Token, expected: string, hint?: string): never {
    return this.fail(t.start, expected, describeToken(t), hint ?? this.hintFor(t));
  }

  private hintFor(t: Token): string | undefined {
    if (t.kind === 'op' && t.text === '=') return 'use == to compare';
    if (t.kind === 'op' && (t.text === '*' || t.text === '/')) {
      return 'multiplication and division are not supported: ansible-rulebook rejects them when loading';
    }
    if (t.kind === 'invalid' && (t.text === '&' || t.text === '|')) return 'use and / or';
    if (t.kind === 'invalid' && t.text === '!') return 'use not, or != to compare';
    if (this.isWord(t, 'AND') || this.isWord(t, 'OR')) return 'and/or are lower case';
    return undefined;
  }

  private expectOp(text: string, expected = JSON.stringify(text)): Token {
    const t = this.peek();
    if (!this.isOp(t, text)) this.failAt(t, expected);
    return this.next();
  }

  private requireCondition(e: Expr): void {
    if (!isConditionNode(e)) {
      this.fail(e.span.start, 'a condition (a comparison, a test or a field)', describeNode(e));
    }
  }

  private requireValue(e: Expr, op: Token): void {
    if (!isValueNode(e)) {
      this.fail(e.span.start, `a value before ${JSON.stringify(op.text)}`, describeNode(e), 'conditions cannot be compared or chained; join them with and / or');
    }
  }

  private requireOperand(e: Expr, op: Token): void {
    if (!isValueNode(e)) {
      this.fail(e.span.start, `a value after ${JSON.stringify(op.text)}`, describeNode(e), 'conditions cannot be compared or chained; join them with and / or');
    }
  }

  parse(): ParsedCondition {
    const first = this.parseOrAnd();
    let alias: string | undefined;
    let expr = first;
    if (this.isOp(this.peek(), '<<')) {
      const op = this.next();
      alias = this.assignmentName(first, op);
      expr = this.parseOrAnd();
      if (this.isOp(this.peek(), '<<')) this.failAt(this.peek(), 'an operator or end of condition', '<< may appear only once');
    }
    const end = this.peek();
    if (end.kind !== 'eof') this.failAt(end, 'an operator or end of condition');
    this.requireCondition(expr);
    return alias === undefined ? { text: this.text, expr } : { text: this.text, alias, expr };
  }

  /** `events.NAME << …`: exactly `events.` or `facts.` and one name. */
  private assignmentName(lhs: Expr, op: Token): string {
    const written = this.text.slice(lhs.span.start, lhs.span.end);
    const m = /^(?:events|facts)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(written);
    if (lhs.kind !== 'field' || m === null) {
      this.fail(lhs.span.start, `events.NAME or facts.NAME before ${JSON.stringify(op.text)}`, JSON.stringify(written));
    }
    return m[1] as string;
  }

  private parseOrAnd(): Expr {
    let left = this.parseNot();
    for (;;) {
      const t = this.peek();
      if (!this.isWord(t, 'and') && !this.isWord(t, 'or')) return left;
      this.next();
      this.requireCondition(left);
      const right = this.parseNot();
      this.requireCondition(right);
      const op = t.text === 'and' ? BinaryOp.And : BinaryOp.Or;
      left = { kind: 'binary', op, left, right, span: span(left.span.start, right.span.end) };
    }
  }

  private parseNot(): Expr {
    const t = this.peek();
    if (this.isWord(t, 'not') && this.startsOperand(this.peek(1))) {
      this.next();
      const operand = this.parseNot();
      this.requireCondition(operand);
      return { kind: 'not', operand, span: span(t.start, operand.span.end) };
    }
    return this.parseMembership();
  }

  private startsOperand(t: Token): boolean {
    if (t.kind === 'word' || t.kind === 'number' || t.kind === 'string') return true;
    return t.kind === 'op' && (t.text === '(' || t.text === '[' || t.text === '+' || t.text === '-');
  }

  /** `in`, `not in`, `contains`, `not contains`, case-insensitive; returns the operator and its token count. */
  private membershipOp(): { op: BinaryOp; width: number } | undefined {
    const t = this.peek();
    if (this.isWord(t, 'in', true)) return { op: BinaryOp.In, width: 1 };
    if (this.isWord(t, 'contains', true)) return { op: BinaryOp.Contains, width: 1 };
    if (this.isWord(t, 'not', true)) {
      const n = this.peek(1);
      if (this.isWord(n, 'in', true)) return { op: BinaryOp.NotIn, width: 2 };
      if (this.isWord(n, 'contains', true)) return { op: BinaryOp.NotContains, width: 2 };
    }
    return undefined;
  }

  private parseMembership(): Expr {
    let left = this.parseIs();
    for (;;) {
      const m = this.membershipOp();
      if (m === undefined) return left;
      const opTok = this.peek();
      for (let k = 0; k < m.width; k++) this.next();
      this.requireValue(left, opTok);
      const right = this.parseIs();
      this.requireOperand(right, opTok);
      left = { kind: 'binary', op: m.op, left, right, span: span(left.span.start, right.span.end) };
    }
  }

  private parseIs(): Expr {
    let left = this.parseComparison();
    while (this.isWord(this.peek(), 'is')) {
      const isTok = this.next();
      let negated = false;
      if (this.isWord(this.peek(), 'not')) {
        this.next();
        negated = true;
      }
      this.requireValue(left, isTok);
      const t = this.peek();
      if (this.isWord(t, 'defined')) {
        this.next();
        if (left.kind !== 'field') this.fail(left.span.start, 'a field before is defined', describeNode(left));
        left = { kind: 'defined', negated, operand: left, span: span(left.span.start, t.end) };
      } else if (t.kind === 'word' && (t.text === 'search' || t.text === 'match' || t.text === 'regex') && this.isOp(this.peek(1), '(')) {
        left = this.parseSearch(left, negated);
      } else if (this.isWord(t, 'select') && this.isOp(this.peek(1), '(')) {
        left = this.parseSelect(left, negated);
      } else if (this.isWord(t, 'selectattr') && this.isOp(this.peek(1), '(')) {
        left = this.parseSelectAttr(left, negated);
      } else {
        this.failAt(t, `${TESTS} after ${negated ? 'is not' : 'is'}`);
      }
    }
    return left;
  }

  private parseComparison(): Expr {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t.kind !== 'op' || !COMPARISON_OPS.has(t.text)) return left;
    this.next();
    this.requireValue(left, t);
    const right = this.parseAdditive();
    this.requireOperand(right, t);
    const after = this.peek();
    if (after.kind === 'op' && COMPARISON_OPS.has(after.text)) {
      this.failAt(after, 'and, or or end of condition', 'comparisons cannot be chained; join them with and');
    }
    return { kind: 'binary', op: t.text as BinaryOp, left, right, span: span(left.span.start, right.span.end) };
  }

  private parseAdditive(): Expr {
    let left = this.parseAtom();
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, '*') || this.isOp(t, '/')) this.failAt(t, 'an operator or end of condition');
      if (!this.isOp(t, '+') && !this.isOp(t, '-')) return left;
      this.next();
      this.requireValue(left, t);
      const right = this.parseAtom();
      this.requireOperand(right, t);
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, span: span(left.span.start, right.span.end) };
    }
  }

  private parseAtom(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'op':
        if (t.text === '(') return this.parseParenthesised();
        if (t.text === '[') return this.parseList();
        if ((t.text === '+' || t.text === '-') && this.peek(1).kind === 'number' && !this.peek(1).spaced) return this.parseNumber();
        return this.failAt(t, 'a value');
      case 'number':
        return this.parseNumber();
      case 'string':
        this.next();
        return this.stringLiteral(t.value as string, span(t.start, t.end));
      case 'word':
        return this.parseWord();
      default:
        return this.failAt(t, 'a value');
    }
  }

  private parseParenthesised(): Expr {
    this.next();
    const inner = this.parseOrAnd();
    const close = this.peek();
    if (this.isOp(close, '<<')) this.failAt(close, '")"', '<< is allowed only at the start of a condition');
    if (!this.isOp(close, ')')) this.failAt(close, 'an operator or ")"');
    this.next();
    return inner;
  }

  private parseNumber(): Literal {
    const first = this.next();
    let sign = '';
    let numTok = first;
    if (first.kind === 'op') {
      sign = first.text;
      numTok = this.next();
    }
    const text = numTok.text;
    const isInt = /^\d+$/.test(text);
    let value: number | bigint;
    if (isInt) {
      const n = Number(sign + text);
      value = Number.isSafeInteger(n) ? n : BigInt(sign + text);
    } else {
      value = Number(sign + text);
    }
    return { kind: 'literal', value, span: span(first.start, numTok.end) };
  }

  private stringLiteral(raw: string, sp: Span): Literal {
    return { kind: 'literal', value: this.render(raw), span: sp };
  }

  private render(s: string): string {
    const render = this.options.renderString;
    return render !== undefined && s.includes('{{') && s.includes('}}') ? render(s) : s;
  }

  private parseWord(): Expr {
    const t = this.next();
    const w = t.text;
    const sp = span(t.start, t.end);
    if (w === 'null') return { kind: 'literal', value: null, span: sp };
    if (w === 'true' || w === 'True') return { kind: 'literal', value: true, span: sp };
    if (w === 'false' || w === 'False') return { kind: 'literal', value: false, span: sp };
    if (ROOTS.has(w) || w === 'vars') return this.parsePath(t);
    if (['select', 'selectattr', 'search', 'match', 'regex'].includes(w) && this.isOp(this.peek(), '(')) {
      this.fail(t.start, 'a value', `${w}(`, `${w}(…) can only follow is or is not`);
    }
    if (!/^[A-Za-z0-9]+$/.test(w)) {
      this.fail(t.start, 'a value', JSON.stringify(w), 'unquoted words may contain only letters and digits; put the string in quotes');
    }
    // A bare word is a string, as upstream: `event.level == warning` compares with "warning".
    return { kind: 'literal', value: w, span: sp };
  }

  /** `event.a.b["c"][0]`: accessors must follow without whitespace. */
  private parsePath(rootTok: Token): Expr {
    const path: PathSegment[] = [];
    let end = rootTok.end;
    for (;;) {
      const t = this.peek();
      if (t.spaced) break;
      if (this.isOp(t, '.')) {
        const name = this.peek(1);
        if (name.kind !== 'word' || name.spaced) this.failAt(name, `a field name after ${JSON.stringify(this.text.slice(rootTok.start, t.end))}`);
        this.next();
        this.next();
        path.push(name.text);
        end = name.end;
      } else if (this.isOp(t, '[')) {
        this.next();
        const key = this.peek();
        if (key.spaced) this.failAt(key, 'a quoted key or an integer index right after "["');
        if (key.kind === 'string') {
          this.next();
          path.push(key.text.slice(1, -1));
        } else {
          const signed = (this.isOp(key, '-') || this.isOp(key, '+')) && this.peek(1).kind === 'number' && !this.peek(1).spaced;
          const numTok = signed ? this.peek(1) : key;
          if (numTok.kind !== 'number') this.failAt(key, 'a quoted key or an integer index after "["');
          if (!/^\d+$/.test(numTok.text)) this.fail(numTok.start, 'an integer index', JSON.stringify(numTok.text));
          this.next();
          if (signed) this.next();
          path.push(Number((signed ? key.text : '') + numTok.text));
        }
        const close = this.peek();
        if (!this.isOp(close, ']') || close.spaced) this.failAt(close, '"]"');
        this.next();
        end = close.end;
      } else {
        break;
      }
    }
    const root = rootTok.text;
    const sp = span(rootTok.start, end);
    if (path.length === 0) {
      this.fail(rootTok.start, `${root}.NAME`, JSON.stringify(root), `${root} on its own is not a value; name a field such as ${root}.x`);
    }
    if (root === 'vars') return this.substituteVar(path, sp);
    return { kind: 'field', root: root as FieldRoot, path, span: sp };
  }

  /** `vars.a.b` becomes the typed value of the variable, at parse time (as upstream's load). */
  private substituteVar(path: readonly PathSegment[], sp: Span): Expr {
    const keyText = path.map((p) => String(p)).join('.');
    let cur: unknown = this.options.vars ?? {};
    for (const seg of path) {
      let nextValue: unknown;
      if (typeof seg === 'number') {
        if (Array.isArray(cur)) nextValue = cur[seg < 0 ? cur.length + seg : seg];
      } else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) {
        nextValue = (cur as Record<string, unknown>)[seg];
      }
      if (nextValue === undefined) {
        throw new AutohealError(ErrorCode.VarsKeyMissing, `vars does not contain key: ${keyText} (at column ${sp.start + 1})`, {
          details: { offset: sp.start, key: keyText },
        });
      }
      cur = nextValue;
    }
    return this.varToExpr(cur, sp, keyText);
  }

  private varToExpr(value: unknown, sp: Span, keyText: string): Literal | ListLiteral {
    switch (typeof value) {
      case 'string':
        return this.stringLiteral(value, sp);
      case 'number':
      case 'bigint':
      case 'boolean':
        return { kind: 'literal', value, span: sp };
      case 'object':
        if (value === null) return { kind: 'literal', value: null, span: sp };
        if (Array.isArray(value)) return { kind: 'list', items: value.map((v) => this.varToExpr(v, sp, keyText)), span: sp };
        break;
      default:
        break;
    }
    const what = value !== null && typeof value === 'object' ? 'a mapping' : typeof value;
    return this.fail(sp.start, 'a string, number, boolean, null or list variable', `vars.${keyText}, which is ${what}`, 'mappings cannot be used in conditions; name one of their keys');
  }

  private parseList(): ListLiteral {
    const open = this.next();
    const items: Expr[] = [];
    if (this.isOp(this.peek(), ']')) {
      const close = this.next();
      return { kind: 'list', items, span: span(open.start, close.end) };
    }
    for (;;) {
      items.push(this.parseListItem());
      const t = this.peek();
      if (this.isOp(t, ',')) {
        this.next();
        continue;
      }
      if (this.isOp(t, ']')) {
        this.next();
        return { kind: 'list', items, span: span(open.start, t.end) };
      }
      this.failAt(t, '"," or "]"');
    }
  }

  private parseListItem(): Expr {
    const t = this.peek();
    if (t.kind === 'word' && !ROOTS.has(t.text) && t.text !== 'vars' && !['null', 'true', 'True', 'false', 'False'].includes(t.text)) {
      this.failAt(t, 'a number, string, boolean, null or vars. reference', 'put strings in lists in quotes');
    }
    if (this.isOp(t, '[') || this.isOp(t, '(')) this.failAt(t, 'a number, string, boolean, null or vars. reference');
    const item = this.parseAtom();
    if (item.kind === 'field') this.fail(item.span.start, 'a number, string, boolean, null or vars. reference', 'a field', 'lists may contain only constants');
    return item;
  }

  private parseArgsOpen(name: Token): Token {
    this.next();
    return this.expectOp('(', `"(" after ${name.text}`);
  }

  private parseSearch(operand: Expr, negated: boolean): SearchTest {
    const kindTok = this.peek();
    this.parseArgsOpen(kindTok);
    const patTok = this.peek();
    let pattern: Expr;
    if (patTok.kind === 'string') {
      this.next();
      pattern = this.stringLiteral(patTok.value as string, span(patTok.start, patTok.end));
    } else if (patTok.kind === 'word' && (ROOTS.has(patTok.text) || patTok.text === 'vars')) {
      pattern = this.parsePath(this.next());
      if (pattern.kind !== 'field' && !(pattern.kind === 'literal' && typeof pattern.value === 'string')) {
        this.fail(patTok.start, 'a string pattern', describeNode(pattern));
      }
    } else {
      return this.failAt(patTok, `a pattern (a quoted string or a field) in ${kindTok.text}(…)`);
    }
    let ignorecase = false;
    let multiline = false;
    for (;;) {
      const t = this.peek();
      if (this.isOp(t, ')')) {
        this.next();
        return {
          kind: 'search',
          negated,
          operand,
          searchKind: kindTok.text as SearchKind,
          pattern,
          ignorecase,
          multiline,
          span: span(operand.span.start, t.end),
        };
      }
      if (!this.isOp(t, ',')) this.failAt(t, '"," or ")"');
      this.next();
      const name = this.peek();
      if (name.kind !== 'word') this.failAt(name, 'an option: ignorecase=… or multiline=…');
      if (name.text !== 'ignorecase' && name.text !== 'multiline') {
        this.failAt(name, 'ignorecase or multiline', `${kindTok.text}(…) has no option ${name.text}`);
      }
      this.next();
      this.expectOp('=', `"=" after ${name.text}`);
      const v = this.peek();
      if (!(v.kind === 'word' && ['true', 'True', 'false', 'False'].includes(v.text))) this.failAt(v, `true or false for ${name.text}`);
      this.next();
      const on = v.text.toLowerCase() === 'true';
      if (name.text === 'ignorecase') ignorecase = on;
      else multiline = on;
    }
  }

  /** The operator string of select / selectattr. */
  private parseSelectOp<T extends string>(allowed: readonly T[]): T {
    const t = this.peek();
    if (t.kind !== 'string') this.failAt(t, `an operator in quotes: ${allowed.join(', ')}`);
    this.next();
    const op = (t.value as string).trim();
    if (!(allowed as readonly string[]).includes(op)) {
      this.fail(t.start, `one of ${allowed.join(', ')}`, JSON.stringify(op));
    }
    return op as T;
  }

  /** A select value: a literal, a list, a field or a vars. reference (no bare words). */
  private parseSelectValue(): Expr {
    const t = this.peek();
    if (t.kind === 'word' && !ROOTS.has(t.text) && t.text !== 'vars' && !['null', 'true', 'True', 'false', 'False'].includes(t.text)) {
      this.failAt(t, 'a number, string, boolean, null, list or field', 'put strings in quotes');
    }
    if (this.isOp(t, '(')) this.failAt(t, 'a number, string, boolean, null, list or field');
    return this.parseAtom();
  }

  private parseSelect(operand: Expr, negated: boolean): SelectTest {
    this.parseArgsOpen(this.peek());
    const op = this.parseSelectOp(SELECT_OPS);
    this.expectOp(',', '"," and a value');
    const value = this.parseSelectValue();
    const close = this.expectOp(')', '")"');
    return { kind: 'select', negated, operand, op, value, span: span(operand.span.start, close.end) };
  }

  private parseSelectAttr(operand: Expr, negated: boolean): SelectAttrTest {
    this.parseArgsOpen(this.peek());
    const keyTok = this.peek();
    if (keyTok.kind !== 'string') this.failAt(keyTok, 'an attribute name in quotes, e.g. "person.age"');
    this.next();
    const key = this.render(keyTok.value as string).trim().split('.');
    this.expectOp(',', '"," and an operator');
    const op = this.parseSelectOp(SELECTATTR_OPS);
    this.expectOp(',', '"," and a value');
    const value = this.parseSelectValue();
    const close = this.expectOp(')', '")"');
    return { kind: 'selectattr', negated, operand, key, op, value, span: span(operand.span.start, close.end) };
  }
}

/**
 * Parses one condition string (ansible-rulebook syntax) into an AST.
 *
 * `vars.x` references are replaced by their values; Jinja in string literals is rendered with
 * `options.renderString` when given.
 * @throws AutohealError `AH_CONDITION_SYNTAX` with `details: { offset, expected, found }`
 *   (offset 0-based into `text`) when the text is not a valid condition.
 * @throws AutohealError `AH_VARS_KEY_MISSING` with `details: { offset, key }` for an unknown `vars.` key.
 */
export function parseCondition(text: string, options: ParseConditionOptions = {}): ParsedCondition {
  return new ConditionParser(text, options).parse();
}
