import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { Expr } from './ast.js';
import { parseCondition, type ParseConditionOptions } from './parse-condition.js';

/** A compact rendering of the AST, for readable expectations. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'field':
      return `${e.root}${e.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
    case 'literal':
      return typeof e.value === 'bigint' ? `${e.value}n` : JSON.stringify(e.value);
    case 'list':
      return `[${e.items.map(show).join(', ')}]`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'not':
      return `(not ${show(e.operand)})`;
    case 'defined':
      return `(${show(e.operand)} is ${e.negated ? 'not ' : ''}defined)`;
    case 'search':
      return `(${show(e.operand)} is ${e.negated ? 'not ' : ''}${e.searchKind}(${show(e.pattern)}${e.ignorecase ? ', i' : ''}${e.multiline ? ', m' : ''}))`;
    case 'select':
      return `(${show(e.operand)} is ${e.negated ? 'not ' : ''}select(${e.op}, ${show(e.value)}))`;
    case 'selectattr':
      return `(${show(e.operand)} is ${e.negated ? 'not ' : ''}selectattr(${e.key.join('.')}, ${e.op}, ${show(e.value)}))`;
  }
}

function parse(text: string, options?: ParseConditionOptions): string {
  return show(parseCondition(text, options).expr);
}

function syntaxError(text: string, options?: ParseConditionOptions): AutohealError {
  try {
    parseCondition(text, options);
  } catch (err) {
    if (err instanceof AutohealError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseCondition: grammar', () => {
  it.each([
    ['event.i == 1', '(event.i == 1)'],
    ['event.a.b.c != "x"', '(event.a.b.c != "x")'],
    ['73 != event.universe_meaning', '(73 != event.universe_meaning)'],
    ['event.i >= 1 and event.j <= 2', '((event.i >= 1) and (event.j <= 2))'],
    // and/or share one level, left to right
    ['event.a or event.b and event.c', '((event.a or event.b) and event.c)'],
    ['event.a and event.b or event.c', '((event.a and event.b) or event.c)'],
    ['event.a or (event.b and event.c)', '(event.a or (event.b and event.c))'],
    // not binds looser than comparisons and membership
    ['not event.i > 50', '(not (event.i > 50))'],
    ['not event.x in [1, 2]', '(not (event.x in [1, 2]))'],
    ['not not event.b', '(not (not event.b))'],
    ['not (event.i > 50 or event.i < 10)', '(not ((event.i > 50) or (event.i < 10)))'],
    ['event.a and not event.b', '(event.a and (not event.b))'],
    // arithmetic binds tighter than comparisons
    ['event.nested.i == event.nested.j + 1', '(event.nested.i == (event.nested.j + 1))'],
    ['event.i == events.m_0.i + 2 - 1', '(event.i == ((events.m_0.i + 2) - 1))'],
    ['event.i-1 == 0', '((event.i - 1) == 0)'],
    ['event.i == -1', '(event.i == -1)'],
    ['event.i - -1 == 0', '((event.i - -1) == 0)'],
    // a bare word is a string; event.my-key is a subtraction of the string "key"
    ['event.level == warning', '(event.level == "warning")'],
    ['event.my-key == 1', '((event.my - "key") == 1)'],
    ['event.x == and', '(event.x == "and")'],
    ['event.x == nullable', '(event.x == "nullable")'],
    ['event.x == nothing', '(event.x == "nothing")'],
    // deliberate: keywords need a word boundary, any whitespace inside two-word operators, [] is a list
    ['nothing == event.x', '("nothing" == event.x)'],
    ['event.x is  not defined', '(event.x is not defined)'],
    ['event.x not\tin [1]', '(event.x not in [1])'],
    ['event.x in []', '(event.x in [])'],
    ['event.x==1and event.y==2', '((event.x == 1) and (event.y == 2))'],
  ])('%s', (text, expected) => {
    expect(parse(text)).toBe(expected);
  });

  it('parses literals: null, booleans in both cases, numbers, strings', () => {
    expect(parse('event.x == null')).toBe('(event.x == null)');
    expect(parse('event.x == True or event.x == false')).toBe('((event.x == true) or (event.x == false))');
    expect(parse('event.x == 1.5e3')).toBe('(event.x == 1500)');
    expect(parse('event.x == 3.')).toBe('(event.x == 3)');
    expect(parse('event.x == .5')).toBe('(event.x == 0.5)');
    expect(parse('event.x == 2.12345e+2')).toBe('(event.x == 212.345)');
    expect(parse('event.x == -0.61803398875')).toBe('(event.x == -0.61803398875)');
    expect(parse("event.x == 'single' or event.x == \"double\"")).toBe('((event.x == "single") or (event.x == "double"))');
  });

  it('keeps integers beyond 2^53 exact as bigint', () => {
    const big = '20000000000000000426408380189087937446025157425359298935486676996';
    expect(parse(`event.numbers contains ${big}`)).toBe(`(event.numbers contains ${big}n)`);
    expect(parse('event.x == 9007199254740993')).toBe('(event.x == 9007199254740993n)');
    expect(parse('event.x == -9007199254740993')).toBe('(event.x == -9007199254740993n)');
    expect(parse('event.x == 9007199254740991')).toBe('(event.x == 9007199254740991)');
  });

  it('converts \\n \\t \\f \\r in strings and nothing else', () => {
    const e = parseCondition('event.m == "Winter\\nis\\tcoming \\d"').expr;
    expect(e.kind === 'binary' && e.right.kind === 'literal' && e.right.value).toBe('Winter\nis\tcoming \\d');
  });

  it('parses bracket paths, negative indexes, unicode and URL keys', () => {
    expect(parseCondition('event.asd["x"][1][2].a["b"] == 3.1415').expr).toMatchObject({
      left: { kind: 'field', root: 'event', path: ['asd', 'x', 1, 2, 'a', 'b'] },
    });
    expect(parseCondition('event.letters[-1] == "z"').expr).toMatchObject({ left: { path: ['letters', -1] } });
    expect(parseCondition('event["नाम"] is search("മധു", ignorecase=true)').expr).toMatchObject({
      operand: { path: ['नाम'] },
      ignorecase: true,
    });
    expect(parseCondition("event.urls['http://www.example.com'] == \"up\"").expr).toMatchObject({
      left: { path: ['urls', 'http://www.example.com'] },
    });
    expect(parseCondition('event["http://www.example.com"] == "down"').expr).toMatchObject({ left: { path: ['http://www.example.com'] } });
  });

  it('accepts Latin-1 identifiers and keywords as field names', () => {
    expect(parse('event.café == 1 and event.and == 2')).toBe('((event.café == 1) and (event.and == 2))');
  });

  it('parses membership keywords case-insensitively', () => {
    expect(parse('event.x IN [1] and event.y Not In [2] and event.z CONTAINS 3 and event.w not contains 4')).toBe(
      '((((event.x in [1]) and (event.y not in [2])) and (event.z contains 3)) and (event.w not contains 4))',
    );
  });

  it('parses every test after is / is not', () => {
    expect(parse('event.x is defined')).toBe('(event.x is defined)');
    expect(parse('event.x is not defined')).toBe('(event.x is not defined)');
    expect(parse('event.s is match("a", ignorecase=true, multiline=True)')).toBe('(event.s is match("a", i, m))');
    expect(parse('event.s is not search(events.m_0.name)')).toBe('(event.s is not search(events.m_0.name))');
    expect(parse('event.s is regex("x", ignorecase=false)')).toBe('(event.s is regex("x"))');
    expect(parse('event.xs is select(">=", 10)')).toBe('(event.xs is select(>=, 10))');
    expect(parse("event.xs is not select('regex', 'Major St')")).toBe('(event.xs is not select(regex, "Major St"))');
    expect(parse('event.ps is selectattr("person.age", "in", [1, 2])')).toBe('(event.ps is selectattr(person.age, in, [1, 2]))');
    expect(parse('event.ps is not selectattr("a", "not contains", events.m_0.x)')).toBe(
      '(event.ps is not selectattr(a, not contains, events.m_0.x))',
    );
  });

  it('reads the << alias and keeps the whole expression on its right', () => {
    const c = parseCondition('events.first << event.x == 1 and event.y == 2');
    expect(c.alias).toBe('first');
    expect(show(c.expr)).toBe('((event.x == 1) and (event.y == 2))');
    expect(parseCondition('facts.f << fact.custom.idx is defined').alias).toBe('f');
    expect(parseCondition('event.x == 1').alias).toBeUndefined();
  });

  it('records spans as offsets into the text', () => {
    const c = parseCondition('  event.a == 1 and not event.b');
    expect(c.expr.span).toEqual({ start: 2, end: 30 });
    expect(c.expr).toMatchObject({ left: { span: { start: 2, end: 14 } }, right: { kind: 'not', span: { start: 19, end: 30 } } });
  });

  it('accepts true and false as whole conditions', () => {
    expect(parse('true')).toBe('true');
    expect(parse('False')).toBe('false');
  });
});

describe('parseCondition: vars and templates', () => {
  const vars = {
    universe_meaning: 42,
    houses: ['Lannister', 'Stark'],
    custom: { expected_index: 2 },
    flag: true,
    ratio: 2.5,
    big: 20000000000000000426408380189087937446025157425359298935486676996n,
    nested: [[1, 2], 'x'],
    nothing: null,
    mapping: { a: 1 },
    pattern: '(?i)abc',
  };

  it('substitutes typed values at parse time', () => {
    expect(parse('event.best > vars.universe_meaning', { vars })).toBe('(event.best > 42)');
    expect(parse('event.house not in vars.houses', { vars })).toBe('(event.house not in ["Lannister", "Stark"])');
    expect(parse('event.i == vars.custom.expected_index', { vars })).toBe('(event.i == 2)');
    expect(parse('event.b == vars.flag and event.r == vars.ratio', { vars })).toBe('((event.b == true) and (event.r == 2.5))');
    expect(parse('event.n == vars.big', { vars })).toBe('(event.n == 20000000000000000426408380189087937446025157425359298935486676996n)');
    expect(parse('event.n in vars.nested', { vars })).toBe('(event.n in [[1, 2], "x"])');
    expect(parse('event.n == vars.nothing', { vars })).toBe('(event.n == null)');
    expect(parse('event.s is search(vars.pattern)', { vars })).toBe('(event.s is search("(?i)abc"))');
    expect(parse('event.n == vars.houses[1]', { vars })).toBe('(event.n == "Stark")');
  });

  it('fails with AH_VARS_KEY_MISSING naming the key', () => {
    const err = syntaxError('event.i == vars.custom.missing_key', { vars });
    expect(err.code).toBe(ErrorCode.VarsKeyMissing);
    expect(err.message).toContain('vars does not contain key: custom.missing_key');
    expect(err.details).toEqual({ offset: 11, key: 'custom.missing_key' });
    expect(syntaxError('event.i == vars.x').code).toBe(ErrorCode.VarsKeyMissing);
  });

  it('rejects a mapping variable', () => {
    const err = syntaxError('event.i == vars.mapping', { vars });
    expect(err.code).toBe(ErrorCode.ConditionSyntax);
    expect(err.message).toContain('vars.mapping, which is a mapping');
  });

  it('renders Jinja inside string literals only when asked and only when {{ }} is present', () => {
    const renderString = (s: string): string => s.replace('{{ name }}', 'fred');
    expect(parse('event.x == "{{ name }}"', { renderString })).toBe('(event.x == "fred")');
    expect(parse('event.x == "{{ name }}"')).toBe('(event.x == "{{ name }}")');
    const spy: string[] = [];
    parseCondition('event.x == "plain" and event.y == "{ x }"', { renderString: (s) => (spy.push(s), s) });
    expect(spy).toEqual([]);
  });
});

describe('parseCondition: errors', () => {
  it.each([
    // [text, offset, message fragment]
    ['event.x == 1 (', 13, 'expected an operator or end of condition, found "(" at column 14'],
    ['event.x === 1', 10, 'expected a value, found "=" at column 11'],
    ['event.x = 1', 8, 'use == to compare'],
    ['event.x == 1 AND event.y == 2', 13, 'found "AND" at column 14 (and/or are lower case)'],
    ['event.x == 1 && event.y == 2', 13, 'use and / or'],
    ['event.i * 2 == 4', 8, 'multiplication and division are not supported'],
    ['event.i / 2 == 4', 8, 'multiplication and division are not supported'],
    ['event is defined', 0, 'expected event.NAME, found "event"'],
    ['events.x.y << event.i == 1', 0, 'expected events.NAME or facts.NAME before "<<", found "events.x.y"'],
    ['event.x << event.i == 1', 0, 'expected events.NAME or facts.NAME'],
    ['events.a << event.i == 1 << 2', 25, '<< may appear only once'],
    ['(events.a << event.i == 1)', 10, '<< is allowed only at the start of a condition'],
    ['event.x == "it\\"s"', 16, 'expected an operator or end of condition, found "s"'],
    ['event.x == "abc', 11, 'found a string that is not closed (no matching ")'],
    ['event.a >= 1 <= 2', 13, 'comparisons cannot be chained'],
    ['event.a == 1 == true', 13, 'comparisons cannot be chained'],
    ['event.a == (event.b == 1)', 12, 'expected a value after "==", found a comparison (==)'],
    ['event.x == 1 in [true]', 0, 'expected a value before "in", found a comparison (==)'],
    ['5', 0, 'expected a condition (a comparison, a test or a field), found the number 5'],
    ['null', 0, 'found null'],
    ['event.a + 1', 0, 'found an arithmetic expression'],
    ['event.a + 1 and event.b', 0, 'found an arithmetic expression'],
    ['[1, 2]', 0, 'found a list'],
    ['', 0, 'expected a value, found end of condition at column 1'],
    ['event.x ==', 10, 'expected a value, found end of condition'],
    ['event.x is', 10, 'expected defined, search(…), match(…), regex(…), select(…) or selectattr(…) after is'],
    ['event.x is null', 11, 'after is, found "null"'],
    ['"a" is defined', 0, 'expected a field before is defined'],
    ['event.x is defined is defined', 0, 'expected a value before "is"'],
    ['event.x is search("a", foo=true)', 23, 'has no option foo'],
    ['event.x is search("a", ignorecase=1)', 34, 'expected true or false for ignorecase'],
    ['event.x is search()', 18, 'expected a pattern'],
    ['event.x is select("like", 1)', 18, 'expected one of ==, !=, >, >=, <, <=, regex, search, match, found "like"'],
    ['event.x is select("==", 1, 2)', 25, 'expected ")"'],
    ['event.x is selectattr("a", "in")', 31, 'expected "," and a value'],
    ['event.x is select("==", hello)', 24, 'put strings in quotes'],
    ['event.x == search("a")', 11, 'search(…) can only follow is or is not'],
    ['event.x in [a, b]', 12, 'put strings in lists in quotes'],
    ['event.x in [event.y]', 12, 'lists may contain only constants'],
    ['event.x in [1,]', 14, 'expected a value'],
    ['event.x in [1 2]', 14, 'expected "," or "]"'],
    ['event.x == hello_world', 11, 'unquoted words may contain only letters and digits'],
    ['event.x == 1abc', 12, 'found "abc"'],
    ['event.asd[1.5] == 1', 10, 'expected an integer index, found "1.5"'],
    ['event.asd[ 1] == 1', 11, 'right after "["'],
    ['event. x == 1', 7, 'expected a field name after "event."'],
    ['xyz.a == 1', 3, 'found "."'],
    ['event.नाम == 1', 6, 'expected a field name after "event."'],
    ['event.x == $', 11, 'found "$"'],
    ['(event.x == 1', 13, 'expected an operator or ")", found end of condition'],
  ])('%j → offset %i', (text, offset, fragment) => {
    const err = syntaxError(text);
    expect(err.code).toBe(ErrorCode.ConditionSyntax);
    expect(err.message).toContain(fragment);
    expect(err.details['offset']).toBe(offset);
    expect(typeof err.details['expected']).toBe('string');
    expect(typeof err.details['found']).toBe('string');
  });

  it('reports the column 1-based in the message and 0-based in details', () => {
    const err = syntaxError('event.x == 1 and (event.y == 2');
    expect(err.message).toBe('expected an operator or ")", found end of condition at column 31');
    expect(err.details).toEqual({ offset: 30, expected: 'an operator or ")"', found: 'end of condition' });
  });
});
