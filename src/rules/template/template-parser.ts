/**
 * @module Jinja2's parser (`jinja2/parser.py`) for the subset autoheal renders: output
 * `{{ }}`, `if/elif/else`, `for … in … [if …] / else`, `set` (both forms), `print`, and the full
 * expression grammar with Jinja's precedences (filters and tests bind tighter than arithmetic,
 * `**` is left-associative, `and`/`or`/`not` as in Python). Unknown filters and tests are
 * rejected here, at compile time, as Jinja does.
 */

import type { ArithOp, CallArgs, CompareOp, Expr, Keyword, Stmt, Target, TemplateAst } from './template-ast.js';
import { normaliseSource, syntaxError, tokenize, type Token, type TokenType } from './template-lexer.js';
import { mkFloat } from './python-values.js';

/** Names the parser accepts after `|` and `is`; checked at compile time as Jinja does. */
export interface KnownNames {
  readonly filters: ReadonlySet<string>;
  readonly tests: ReadonlySet<string>;
}

const COMPARE_TOKENS: Partial<Record<TokenType, CompareOp>> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  lteq: '<=',
  gt: '>',
  gteq: '>=',
};

const TOKEN_DESCRIPTIONS: Partial<Record<TokenType, string>> = {
  variable_end: 'end of print statement',
  block_end: 'end of statement block',
  eof: 'end of template',
};

const UNSUPPORTED_TAGS = new Set([
  'block', 'extends', 'macro', 'include', 'from', 'import', 'call', 'filter', 'with', 'autoescape', 'trans', 'do',
  'break', 'continue',
]);

type EndRule = string; // "name:endfor" or a token type

class Parser {
  private pos = 0;

  constructor(
    private readonly toks: readonly Token[],
    private readonly source: string,
    private readonly known: KnownNames,
  ) {}

  // ------------------------------------------------------------------ token stream

  /** A method, not a getter, so that TypeScript does not narrow it across `next()` calls. */
  private cur(): Token {
    return this.toks[this.pos] ?? (this.toks[this.toks.length - 1] as Token);
  }

  private look(): Token {
    return this.toks[this.pos + 1] ?? (this.toks[this.toks.length - 1] as Token);
  }

  private next(): Token {
    const t = this.cur();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  private test(rule: EndRule, tok: Token = this.cur()): boolean {
    if (rule.startsWith('name:')) return tok.type === 'name' && tok.value === rule.slice(5);
    return tok.type === rule;
  }

  private skipIf(rule: EndRule): boolean {
    if (this.test(rule)) {
      this.next();
      return true;
    }
    return false;
  }

  private describe(tok: Token): string {
    if (tok.type === 'name') return String(tok.value);
    return TOKEN_DESCRIPTIONS[tok.type] ?? (tok.type === 'data' ? 'template data' : String(tok.value));
  }

  private fail(message: string, tok: Token = this.cur()): never {
    throw syntaxError(message, tok.start, this.source);
  }

  private expect(rule: EndRule): Token {
    if (!this.test(rule)) {
      const want = rule.startsWith('name:') ? rule.slice(5) : (TOKEN_DESCRIPTIONS[rule as TokenType] ?? rule);
      if (this.cur().type === 'eof') this.fail(`unexpected end of template, expected '${want}'`);
      this.fail(`expected token '${want}', got '${this.describe(this.cur())}'`);
    }
    return this.next();
  }

  private prevEnd(): number {
    return (this.toks[this.pos - 1] ?? this.cur()).end;
  }

  private span(startTok: Token): { start: number; end: number } {
    const prev = this.toks[this.pos - 1] ?? startTok;
    return { start: startTok.start, end: Math.max(startTok.end, prev.end) };
  }

  // ------------------------------------------------------------------ template structure

  parseTemplate(): Stmt[] {
    const body = this.subparse([]);
    if (this.cur().type !== 'eof') this.fail(`unexpected '${this.describe(this.cur())}'`);
    return body;
  }

  private subparse(endTokens: readonly EndRule[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const tok = this.cur();
      if (tok.type === 'eof') return body;
      if (tok.type === 'data') {
        this.next();
        body.push({ kind: 'data', text: String(tok.value) });
      } else if (tok.type === 'variable_begin') {
        this.next();
        body.push({ kind: 'output', expr: this.parseTuple({ withCondexpr: true }) });
        this.expect('variable_end');
      } else if (tok.type === 'block_begin') {
        this.next();
        if (endTokens.some((r) => this.test(r))) return body;
        body.push(this.parseStatement(endTokens));
        this.expect('block_end');
      } else {
        this.fail(`unexpected '${this.describe(tok)}'`);
      }
    }
  }

  private parseStatements(endTokens: readonly EndRule[], block: string, dropNeedle = false): Stmt[] {
    this.skipIf('colon');
    this.expect('block_end');
    const body = this.subparse(endTokens);
    if (this.cur().type === 'eof') {
      const names = endTokens.map((r) => `'${r.slice(5)}'`).join(' or ');
      this.fail(`Unexpected end of template. Jinja was looking for the following tags: ${names}. The innermost block that needs to be closed is '${block}'.`);
    }
    if (dropNeedle) this.next();
    return body;
  }

  private parseStatement(endTokens: readonly EndRule[]): Stmt {
    const tok = this.cur();
    if (tok.type !== 'name') this.fail('tag name expected');
    const name = String(tok.value);
    switch (name) {
      case 'if':
        return this.parseIf();
      case 'for':
        return this.parseFor();
      case 'set':
        return this.parseSet();
      case 'print': {
        this.next();
        return { kind: 'output', expr: this.parseTuple({ withCondexpr: true }) };
      }
      default:
    }
    if (UNSUPPORTED_TAGS.has(name)) this.fail(`the '${name}' tag is not supported in autoheal templates`);
    const looking = endTokens.length > 0 ? ` Jinja was looking for the following tags: ${endTokens.map((r) => `'${r.slice(5)}'`).join(' or ')}.` : '';
    this.fail(`Encountered unknown tag '${name}'.${looking}`);
  }

  private parseIf(): Stmt {
    this.expect('name:if');
    const branches: { test: Expr; body: Stmt[] }[] = [];
    let elseBody: Stmt[] = [];
    for (;;) {
      const test = this.parseTuple({ withCondexpr: false });
      const body = this.parseStatements(['name:elif', 'name:else', 'name:endif'], 'if');
      branches.push({ test, body });
      const tok = this.next();
      if (this.test('name:elif', tok)) continue;
      if (this.test('name:else', tok)) elseBody = this.parseStatements(['name:endif'], 'if', true);
      break;
    }
    return { kind: 'if', branches, else: elseBody };
  }

  private parseFor(): Stmt {
    const start = this.expect('name:for');
    const target = this.parseAssignTarget(['name:in']);
    this.expect('name:in');
    const iter = this.parseTuple({ withCondexpr: false, extraEndRules: ['name:recursive'] });
    let filter: Expr | undefined;
    if (this.skipIf('name:if')) filter = this.parseExpression(true);
    if (this.test('name:recursive')) this.fail("recursive loops are not supported in autoheal templates");
    const span = this.span(start);
    const body = this.parseStatements(['name:endfor', 'name:else'], 'for');
    let elseBody: Stmt[] = [];
    if (this.next().value !== 'endfor') elseBody = this.parseStatements(['name:endfor'], 'for', true);
    return filter === undefined
      ? { kind: 'for', target, iter, body, else: elseBody, span }
      : { kind: 'for', target, iter, filter, body, else: elseBody, span };
  }

  private parseSet(): Stmt {
    const start = this.next();
    if (this.look().type === 'dot') this.fail('namespace assignment is not supported in autoheal templates');
    const target = this.parseAssignTarget([]);
    if (this.skipIf('assign')) {
      const value = this.parseTuple({ withCondexpr: true });
      return { kind: 'set', target, value, span: this.span(start) };
    }
    const filters: Extract<Expr, { kind: 'filter' }>[] = [];
    const placeholder: Expr = { kind: 'const', value: '', span: { start: start.start, end: start.end } };
    while (this.cur().type === 'pipe') {
      const f = this.parseFilter(placeholder);
      if (f.kind === 'filter') filters.push(f);
    }
    const body = this.parseStatements(['name:endset'], 'set', true);
    return { kind: 'setblock', target, filters, body, span: this.span(start) };
  }

  private parseAssignTarget(extraEndRules: readonly EndRule[]): Target {
    const startTok = this.cur();
    const expr = this.parseTuple({ simplified: true, extraEndRules });
    const toTarget = (e: Expr): Target => {
      if (e.kind === 'name') return { kind: 'name', name: e.name, span: e.span };
      if (e.kind === 'tuple') return { kind: 'tuple', items: e.items.map(toTarget), span: e.span };
      return this.fail(`can't assign to '${e.kind}'`, startTok);
    };
    return toTarget(expr);
  }

  // ------------------------------------------------------------------ expressions

  private parseExpression(withCondexpr: boolean): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    const start = this.cur();
    let expr1 = this.parseOr();
    while (this.skipIf('name:if')) {
      const test = this.parseOr();
      const elseExpr = this.skipIf('name:else') ? this.parseCondexpr() : undefined;
      expr1 = elseExpr === undefined
        ? { kind: 'cond', test, then: expr1, span: this.span(start) }
        : { kind: 'cond', test, then: expr1, else: elseExpr, span: this.span(start) };
    }
    return expr1;
  }

  private parseOr(): Expr {
    const start = this.cur();
    let left = this.parseAnd();
    while (this.skipIf('name:or')) {
      const right = this.parseAnd();
      left = { kind: 'or', left, right, span: this.span(start) };
    }
    return left;
  }

  private parseAnd(): Expr {
    const start = this.cur();
    let left = this.parseNot();
    while (this.skipIf('name:and')) {
      const right = this.parseNot();
      left = { kind: 'and', left, right, span: this.span(start) };
    }
    return left;
  }

  private parseNot(): Expr {
    const start = this.cur();
    if (this.test('name:not')) {
      this.next();
      const operand = this.parseNot();
      return { kind: 'not', operand, span: this.span(start) };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const start = this.cur();
    const first = this.parseMath1();
    const ops: { op: CompareOp; expr: Expr }[] = [];
    for (;;) {
      const op = COMPARE_TOKENS[this.cur().type];
      if (op !== undefined) {
        this.next();
        ops.push({ op, expr: this.parseMath1() });
      } else if (this.skipIf('name:in')) {
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.test('name:not') && this.test('name:in', this.look())) {
        this.next();
        this.next();
        ops.push({ op: 'not in', expr: this.parseMath1() });
      } else {
        break;
      }
    }
    if (ops.length === 0) return first;
    return { kind: 'compare', first, ops, span: this.span(start) };
  }

  private binary(parseOperand: () => Expr, ops: Partial<Record<TokenType, ArithOp>>): Expr {
    const start = this.cur();
    let left = parseOperand();
    for (let op = ops[this.cur().type]; op !== undefined; op = ops[this.cur().type]) {
      this.next();
      const right = parseOperand();
      left = { kind: 'binop', op, left, right, span: this.span(start) };
    }
    return left;
  }

  private parseMath1(): Expr {
    return this.binary(() => this.parseConcat(), { add: '+', sub: '-' });
  }

  private parseConcat(): Expr {
    const start = this.cur();
    const items = [this.parseMath2()];
    while (this.skipIf('tilde')) items.push(this.parseMath2());
    if (items.length === 1) return items[0] as Expr;
    return { kind: 'concat', items, span: this.span(start) };
  }

  private parseMath2(): Expr {
    return this.binary(() => this.parsePow(), { mul: '*', div: '/', floordiv: '//', mod: '%' });
  }

  private parsePow(): Expr {
    return this.binary(() => this.parseUnary(true), { pow: '**' });
  }

  private parseUnary(withFilter: boolean): Expr {
    const start = this.cur();
    let node: Expr;
    if (start.type === 'sub' || start.type === 'add') {
      this.next();
      const operand = this.parseUnary(false);
      node = { kind: start.type === 'sub' ? 'neg' : 'pos', operand, span: this.span(start) };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): Expr {
    const tok = this.cur();
    switch (tok.type) {
      case 'name': {
        this.next();
        const name = String(tok.value);
        const span = { start: tok.start, end: tok.end };
        if (name === 'true' || name === 'True') return { kind: 'const', value: true, span };
        if (name === 'false' || name === 'False') return { kind: 'const', value: false, span };
        if (name === 'none' || name === 'None') return { kind: 'const', value: null, span };
        return { kind: 'name', name, span };
      }
      case 'string': {
        this.next();
        let value = String(tok.value);
        while (this.cur().type === 'string') value += String(this.next().value);
        return { kind: 'const', value, span: this.span(tok) };
      }
      case 'integer':
        this.next();
        return { kind: 'const', value: tok.value, span: { start: tok.start, end: tok.end } };
      case 'float':
        this.next();
        return { kind: 'const', value: mkFloat(Number(tok.value)), span: { start: tok.start, end: tok.end } };
      case 'lparen': {
        this.next();
        const node = this.parseTuple({ explicitParentheses: true });
        this.expect('rparen');
        return node;
      }
      case 'lbracket':
        return this.parseList();
      case 'lbrace':
        return this.parseDict();
      default:
        return this.fail(`unexpected '${this.describe(tok)}'`);
    }
  }

  private parseTuple(opts: {
    simplified?: boolean;
    withCondexpr?: boolean;
    extraEndRules?: readonly EndRule[];
    explicitParentheses?: boolean;
  }): Expr {
    const start = this.cur();
    const parse = opts.simplified === true
      ? () => this.parsePrimary()
      : () => this.parseExpression(opts.withCondexpr ?? true);
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length > 0) this.expect('comma');
      if (this.isTupleEnd(opts.extraEndRules)) break;
      items.push(parse());
      if (this.cur().type === 'comma') isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (items.length > 0) return items[0] as Expr;
      if (opts.explicitParentheses !== true) {
        this.fail(`Expected an expression, got '${this.describe(this.cur())}'`);
      }
    }
    return { kind: 'tuple', items, span: this.span(start) };
  }

  private isTupleEnd(extra?: readonly EndRule[]): boolean {
    const t = this.cur().type;
    if (t === 'variable_end' || t === 'block_end' || t === 'rparen') return true;
    return extra !== undefined && extra.some((r) => this.test(r));
  }

  private parseList(): Expr {
    const start = this.expect('lbracket');
    const items: Expr[] = [];
    while (this.cur().type !== 'rbracket') {
      if (items.length > 0) this.expect('comma');
      if (this.cur().type === 'rbracket') break;
      items.push(this.parseExpression(true));
    }
    this.expect('rbracket');
    return { kind: 'list', items, span: this.span(start) };
  }

  private parseDict(): Expr {
    const start = this.expect('lbrace');
    const entries: [Expr, Expr][] = [];
    while (this.cur().type !== 'rbrace') {
      if (entries.length > 0) this.expect('comma');
      if (this.cur().type === 'rbrace') break;
      const key = this.parseExpression(true);
      this.expect('colon');
      entries.push([key, this.parseExpression(true)]);
    }
    this.expect('rbrace');
    return { kind: 'dict', entries, span: this.span(start) };
  }

  private parsePostfix(node: Expr): Expr {
    let n = node;
    for (;;) {
      const t = this.cur().type;
      if (t === 'dot' || t === 'lbracket') n = this.parseSubscript(n);
      else if (t === 'lparen') n = this.parseCall(n);
      else return n;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    let n = node;
    for (;;) {
      const t = this.cur();
      if (t.type === 'pipe') n = this.parseFilter(n);
      else if (t.type === 'name' && t.value === 'is') n = this.parseTest(n);
      else if (t.type === 'lparen') n = this.parseCall(n);
      else return n;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const tok = this.next();
    const spanOf = (): { start: number; end: number } => ({ start: node.span.start, end: this.span(tok).end });
    if (tok.type === 'dot') {
      const attr = this.cur();
      this.next();
      if (attr.type === 'name') return { kind: 'getattr', obj: node, attr: String(attr.value), span: spanOf() };
      if (attr.type !== 'integer') this.fail('expected name or number', attr);
      const index: Expr = { kind: 'const', value: attr.value, span: { start: attr.start, end: attr.end } };
      return { kind: 'getitem', obj: node, index, span: spanOf() };
    }
    // '['
    const args: Expr[] = [];
    while (this.cur().type !== 'rbracket') {
      if (args.length > 0) this.expect('comma');
      args.push(this.parseSubscribed());
    }
    this.expect('rbracket');
    const index: Expr = args.length === 1 ? (args[0] as Expr) : { kind: 'tuple', items: args, span: this.span(tok) };
    return { kind: 'getitem', obj: node, index, span: spanOf() };
  }

  private parseSubscribed(): Expr {
    const start = this.cur();
    const parts: (Expr | undefined)[] = [];
    if (this.cur().type === 'colon') {
      this.next();
      parts.push(undefined);
    } else {
      const node = this.parseExpression(true);
      if (this.cur().type !== 'colon') return node;
      this.next();
      parts.push(node);
    }
    if (this.cur().type === 'colon') parts.push(undefined);
    else if (this.cur().type !== 'rbracket' && this.cur().type !== 'comma') parts.push(this.parseExpression(true));
    else parts.push(undefined);
    if (this.cur().type === 'colon') {
      this.next();
      if (this.cur().type !== 'rbracket' && this.cur().type !== 'comma') parts.push(this.parseExpression(true));
      else parts.push(undefined);
    } else {
      parts.push(undefined);
    }
    const [s, e, st] = parts;
    return {
      kind: 'slice',
      ...(s === undefined ? {} : { start: s }),
      ...(e === undefined ? {} : { stop: e }),
      ...(st === undefined ? {} : { step: st }),
      span: this.span(start),
    };
  }

  private parseCallArgs(): CallArgs {
    const open = this.expect('lparen');
    const args: Expr[] = [];
    const kwargs: Keyword[] = [];
    let dynArgs: Expr | undefined;
    let dynKwargs: Expr | undefined;
    let requireComma = false;
    const ensure = (ok: boolean): void => {
      if (!ok) this.fail('invalid syntax for function call expression', open);
    };
    while (this.cur().type !== 'rparen') {
      if (requireComma) {
        this.expect('comma');
        if (this.cur().type === 'rparen') break;
      }
      if (this.cur().type === 'mul') {
        ensure(dynArgs === undefined && dynKwargs === undefined);
        this.next();
        dynArgs = this.parseExpression(true);
      } else if (this.cur().type === 'pow') {
        ensure(dynKwargs === undefined);
        this.next();
        dynKwargs = this.parseExpression(true);
      } else if (this.cur().type === 'name' && this.look().type === 'assign') {
        ensure(dynKwargs === undefined);
        const name = String(this.cur().value);
        this.next();
        this.next();
        kwargs.push({ name, value: this.parseExpression(true) });
      } else {
        ensure(dynArgs === undefined && dynKwargs === undefined && kwargs.length === 0);
        args.push(this.parseExpression(true));
      }
      requireComma = true;
    }
    this.expect('rparen');
    return {
      args,
      kwargs,
      ...(dynArgs === undefined ? {} : { dynArgs }),
      ...(dynKwargs === undefined ? {} : { dynKwargs }),
    };
  }

  private parseCall(node: Expr): Expr {
    const call = this.parseCallArgs();
    return { kind: 'call', fn: node, ...call, span: { start: node.span.start, end: this.prevEnd() } };
  }

  private dottedName(): { name: string; tok: Token } {
    const tok = this.expect('name');
    let name = String(tok.value);
    while (this.cur().type === 'dot') {
      this.next();
      name += '.' + String(this.expect('name').value);
    }
    return { name, tok };
  }

  private parseFilter(node: Expr): Expr {
    this.expect('pipe');
    const { name, tok } = this.dottedName();
    if (!this.known.filters.has(name)) this.fail(`No filter named '${name}'.`, tok);
    const call: CallArgs = this.cur().type === 'lparen' ? this.parseCallArgs() : { args: [], kwargs: [] };
    return { kind: 'filter', node, name, ...call, span: { start: node.span.start, end: this.span(tok).end } };
  }

  private parseTest(node: Expr): Expr {
    const isTok = this.next();
    const negated = this.skipIf('name:not');
    const { name, tok } = this.dottedName();
    if (!this.known.tests.has(name)) this.fail(`No test named '${name}'.`, tok);
    let call: CallArgs = { args: [], kwargs: [] };
    const cur = this.cur();
    if (cur.type === 'lparen') {
      call = this.parseCallArgs();
    } else if (
      ['name', 'string', 'integer', 'float', 'lparen', 'lbracket', 'lbrace'].includes(cur.type) &&
      !['name:else', 'name:or', 'name:and'].some((r) => this.test(r))
    ) {
      if (this.test('name:is')) this.fail('You cannot chain multiple tests with is');
      let arg = this.parsePrimary();
      arg = this.parsePostfix(arg);
      call = { args: [arg], kwargs: [] };
    }
    const span = { start: node.span.start, end: this.span(isTok).end };
    const test: Expr = { kind: 'test', node, name, ...call, span };
    return negated ? { kind: 'not', operand: test, span } : test;
  }
}

/**
 * Parses a template source into its syntax tree.
 *
 * @throws AutohealError AH_TEMPLATE_SYNTAX with the offset (into the newline-normalised source).
 */
export function parseTemplate(source: string, known: KnownNames): TemplateAst {
  const normalised = normaliseSource(source);
  const toks = tokenize(normalised);
  const body = new Parser(toks, normalised, known).parseTemplate();
  return { source: normalised, body };
}
