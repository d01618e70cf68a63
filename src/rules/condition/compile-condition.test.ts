import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { parseJson } from '../../core/json.js';
import { compileExpr } from './compile-condition.js';
import { parseCondition } from './parse-condition.js';

type Bindings = Readonly<Record<string, unknown>>;

function matches(condition: string, obj: unknown, options: { vars?: Record<string, unknown>; bindings?: Bindings; bound?: string[] } = {}): boolean {
  const parsed = parseCondition(condition, { vars: options.vars });
  const fast = compileExpr(parsed.expr, { boundNames: new Set(options.bound ?? []) })(obj, options.bindings ?? {});
  const generic = compileExpr(parsed.expr, { boundNames: new Set(options.bound ?? []), generic: true })(obj, options.bindings ?? {});
  // The fast paths must agree with the general evaluation on every case of this file.
  expect(fast, `fast path vs generic for ${condition} on ${show(obj)}`).toBe(generic);
  return fast;
}

type Row = readonly [condition: string, event: unknown, expected: boolean];

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

function table(rows: readonly Row[]): void {
  const named = rows.map(([condition, event, expected]) => ({ name: `${condition} on ${show(event)} → ${expected}`, condition, event, expected }));
  it.each(named)('$name', ({ condition, event, expected }) => {
    expect(matches(condition, event)).toBe(expected);
  });
}

describe('comparisons', () => {
  table([
    ['event.i == 1', { i: 1 }, true],
    ['event.i == 1', { i: 2 }, false],
    ['event.i == 1', { i: '1' }, false],
    ['event.s == "x"', { s: 'x' }, true],
    ['event.i != 1', { i: 2 }, true],
    ['event.i != 1', { i: 1 }, false],
    ['event.i > 1', { i: 2 }, true],
    ['event.i >= 2', { i: 2 }, true],
    ['event.i < 2', { i: 2 }, false],
    ['event.i <= 2', { i: 2 }, true],
    ['73 != event.n', { n: 42 }, true],
    ['73 != event.n', { n: 73 }, false],
    ['3 < event.n', { n: 4 }, true],
    ['3 < event.n', { n: 3 }, false],
    ['true != event.flat_earth', { flat_earth: false }, true],
    ['event.s > "abc"', { s: 'abd' }, true],
    ['event.s < "B"', { s: 'a' }, false],
    ['event.b > false', { b: true }, true],
    ['event.x == event.y', { x: 5, y: 5 }, true],
    ['event.x == event.y', { x: 5, y: 5.0 }, true],
    ['event.x != event.y', { x: 5, y: 'five' }, false],
    ['event.l == [1, "a"]', { l: [1, 'a'] }, true],
    ['event.l == [1, "a"]', { l: [1, 'b'] }, false],
    ['1 == 1', {}, true],
    ['1 == 2', {}, false],
  ]);

  describe('numbers compare across int, float and big integers', () => {
    table([
      ['event.pi_for_engineers == 3.0', { pi_for_engineers: 3 }, true],
      ['event.x == 45', { x: 4.5e1 }, true],
      ['event.x == 4.5e+1', { x: 45 }, true],
      ['event.x >= 1.41421356237', { x: 1.41421356238 }, true],
      ['event.x >= 1.41421356237', { x: 1.41 }, false],
      ['event.x == 20000000000000000426408380189087937446025157425359298935486676996', { x: 20000000000000000426408380189087937446025157425359298935486676996n }, true],
      ['event.x == 20000000000000000426408380189087937446025157425359298935486676996', { x: 20000000000000000426408380189087937446025157425359298935486676997n }, false],
      ['event.x == 18446744073709551617', { x: 18446744073709551616n }, false],
      ['event.x > 18446744073709551616', { x: 18446744073709551617n }, true],
      ['event.x < 18446744073709551616', { x: 1.8446744073709552e19 }, false],
      ['event.x == 18446744073709551616', { x: 1.8446744073709552e19 }, true],
      ['event.x > 9007199254740992', { x: 9007199254740993n }, true],
      ['event.x != 9007199254740993', { x: 9007199254740992 }, true],
      ['event.x < 1.5', { x: 1n }, true],
    ]);
  });

  describe('incompatible types are false, even for !=', () => {
    table([
      ['event.s != 5', { s: 'abc' }, false],
      ['event.s == 5', { s: '5' }, false],
      ['event.b == 1', { b: true }, false],
      ['event.b != 1', { b: true }, false],
      ['event.i > "a"', { i: 1 }, false],
      ['event.l != "x"', { l: ['x'] }, false],
      ['event.o != 1', { o: { a: 1 } }, false],
    ]);
  });

  describe('null', () => {
    table([
      ['event.x == null', { x: null }, true],
      ['event.x == null', { x: 'null' }, false],
      ['event.x == null', {}, false],
      ['event.x != null', { x: 'not a null value' }, true],
      ['event.x != null', { x: null }, false],
      ['event.x != null', {}, false],
      ['event.x != 5', { x: null }, true],
      ['event.x == false', { x: null }, false],
      ['event.x > 1', { x: null }, false],
      ['event.x < 1', { x: null }, false],
      ['null == event.x', { x: null }, true],
    ]);
  });

  describe('a missing attribute makes every test false except is not defined', () => {
    table([
      ['event.x == 1', {}, false],
      ['event.x != 1', {}, false],
      ['event.x > 1', {}, false],
      ['event.x <= 1', {}, false],
      ['event.x in [1, 2]', {}, false],
      ['event.x not in [1, 2]', {}, false],
      ['event.x contains 1', {}, false],
      ['event.x not contains 1', {}, false],
      ['event.x is match("a")', {}, false],
      ['event.x is not match("a")', {}, false],
      ['event.x is search("a")', {}, false],
      ['event.x is not search("a")', {}, false],
      ['event.x is select("==", 1)', {}, false],
      ['event.x is not select("==", 1)', {}, false],
      ['event.x is selectattr("a", "==", 1)', {}, false],
      ['event.x is not selectattr("a", "==", 1)', {}, false],
      ['not event.x', {}, false],
      ['not event.x > 50', {}, false],
      ['not (event.x == 1)', {}, false],
      ['not event.x in [1]', {}, false],
      ['event.x', {}, false],
      ['event.x is defined', {}, false],
      ['event.x is not defined', {}, true],
      ['not event.x is defined', {}, true],
      ['event.a.b.c == 1', { a: { b: 1 } }, false],
      ['event.a.b.c != 1', { a: null }, false],
      ['event.xs[5] != 1', { xs: [1] }, false],
      ['event.y != event.x', { y: 1 }, false],
    ]);
  });
});

describe('bare fields and literals as conditions', () => {
  table([
    ['event.flag', { flag: true }, true],
    ['event.flag', { flag: 'true' }, false],
    ['event.flag', { flag: 1 }, false],
    ['event.flag', { flag: false }, false],
    ['not event.flag', { flag: false }, true],
    ['not event.flag', { flag: null }, true],
    ['not event.flag', { flag: true }, false],
    ['not event.flag', { flag: 'no' }, false],
    ['not event.flag', {}, false],
    ['true', { anything: 1 }, true],
    ['True', {}, true],
    ['false', {}, false],
    ['not false', {}, true],
    ['not true', {}, false],
    ['"hello"', {}, false],
    ['event.a == 1 and true', { a: 1 }, true],
  ]);
});

describe('not (example 50 and compound forms)', () => {
  table([
    ['not event.b', { b: false }, true],
    ['event.bt', { bt: true }, true],
    ['not (event.i > 50 or event.i < 10)', { i: 10 }, true],
    ['not (event.i > 50 or event.i < 10)', { i: 9 }, false],
    ['not (event.i > 50 or event.i < 10)', {}, false],
    ['not event.msg == "Barney"', { msg: 'Fred' }, true],
    ['not event.msg == "Barney"', { msg: 'Barney' }, false],
    ['not event.j >= 10', { j: 9 }, true],
    ['not event.j >= 10', { j: 10 }, false],
    // De Morgan, with the operator flipped, so the type and null rules still apply
    ['not event.i > 50', { i: null }, false],
    ['not event.i > 50', { i: 'a' }, false],
    ['not event.s == "x"', { s: 5 }, false],
    ['not (event.a == 1 and event.b == 2)', { a: 1, b: 3 }, true],
    ['not (event.a == 1 and event.b == 2)', { a: 1 }, false],
    ['not (event.a == 1 and event.b == 2)', { a: 2 }, true],
    ['not (event.a == 1 or event.b == 2)', { a: 2, b: 3 }, true],
    ['not (event.a == 1 or event.b == 2)', { a: 2 }, false],
    ['not not event.a == 1', { a: 1 }, true],
    ['not event.x in [1, 2]', { x: 3 }, true],
    ['not event.xs contains 1', { xs: [2] }, true],
    ['not event.x is not defined', { x: null }, true],
    // tests keep their polarity and are inverted as a whole (missing still false)
    ['not event.s is search("a")', { s: 'bcd' }, true],
    ['not event.s is search("a")', { s: null }, true],
    ['event.s is not search("a")', { s: null }, false],
    ['not event.s is not search("a")', { s: 'abc' }, true],
    ['not event.xs is select(">", 5)', { xs: [1, 10] }, false],
    ['event.xs is not select(">", 5)', { xs: [1, 10] }, true],
    ['not event.xs is select(">", 5)', { xs: [1, 2] }, true],
    ['not event.ps is selectattr("a", "==", 1)', { ps: null }, true],
    ['not event.ps is selectattr("a", "==", 1)', { ps: [{ a: 2 }] }, true],
  ]);
});

describe('and / or have the same precedence, left to right', () => {
  table([
    // (a or b) and c
    ['event.a == 1 or event.b == 1 and event.c == 1', { a: 1 }, false],
    ['event.a == 1 or event.b == 1 and event.c == 1', { a: 1, c: 1 }, true],
    // (a and b) or c
    ['event.a == 1 and event.b == 1 or event.c == 1', { c: 1 }, true],
  ]);
});

describe('arithmetic', () => {
  table([
    ['event.nested.i == event.nested.j + 1', { nested: { i: 2, j: 1 } }, true],
    ['event.nested.i == event.nested.j - 1', { nested: { i: 0, j: 1 } }, true],
    ['event.x == 1.5 + 1', { x: 2.5 }, true],
    ['event.s == event.a + 5', { s: 'a5', a: 'a' }, true],
    ['event.s == event.a + event.b', { s: 'ab', a: 'a', b: 'b' }, true],
    ['event.s == event.a + event.b', { s: 'a', a: 'a', b: null }, true],
    ['event.s == event.a + 1.5', { s: 'x1.5', a: 'x' }, true],
    // a missing or null operand yields the other operand (Drools BinaryOperation)
    ['event.a + 1 == 1', {}, true],
    ['event.a - 5 == 5', {}, true],
    ['event.a + event.b == 0', { a: null, b: null }, true],
    ['event.a + event.b == 0', {}, false],
    ['event.a + 1 == 3', { a: null }, false],
    ['event.a + 1 == 1', { a: null }, true],
    ['event.b + 1 == 2', { b: true }, false],
    ['event.b + 1 != 2', { b: true }, false],
    ['event.x == 9007199254740992 + 1', { x: 9007199254740993n }, true],
    ['event.x == event.y + 1', { x: 20000000000000000000001n, y: 20000000000000000000000n }, true],
    // event.my-key is event.my - "key": present number minus a string is an error → false
    ['event.my-key == 1', { 'my-key': 1 }, false],
    ['event.my-key == "key"', {}, true],
  ]);
});

describe('membership', () => {
  table([
    ['event.x in [1, 2, 3]', { x: 2 }, true],
    ['event.x in [1, 2, 3]', { x: 2.0 }, true],
    ['event.x in [1, 2, 3]', { x: '2' }, false],
    ['event.x in [1.5, 2]', { x: 1.5 }, true],
    ['event.x not in [1, 2, 3]', { x: 4 }, true],
    ['event.x not in [1, 2, 3]', { x: 1 }, false],
    ['event.z in [5, 6, 7, null]', { z: null }, true],
    ['event.z not in [5, null]', { z: null }, false],
    ['event.data not in ["2", "3", "one", null]', { data: '0' }, true],
    ['event.x in [20000000000000000426408380189087937446025157425359298935486676996]', { x: 20000000000000000426408380189087937446025157425359298935486676996n }, true],
    ['event.x in [1, 2]', { x: 9007199254740993n }, false],
    ['event.x in event.ys', { x: 1, ys: [0, 1] }, true],
    ['event.x in event.ys', { x: 1 }, false],
    // not a list: degrades to equality
    ['event.x in 5', { x: 5 }, true],
    ['event.x in "abc"', { x: 'a' }, false],
    ['event.s contains "a"', { s: 'a' }, true],
    ['event.s contains "a"', { s: 'abc' }, false],
    ['event.xs contains 45', { xs: ['Jon', 45, true, 6.9, null] }, true],
    ['event.xs contains 4.5e+1', { xs: [45] }, true],
    ['event.xs contains "jon"', { xs: ['Jon'] }, false],
    ['event.xs contains 6.99', { xs: [6.9] }, false],
    ['event.xs contains null', { xs: [1, null] }, true],
    ['event.xs not contains null', { xs: [1] }, true],
    ['event.xs contains ""', { xs: [] }, false],
    ['event.xs contains ""', { xs: [''] }, true],
    ['event.xs not contains -6000', { xs: [42, 2.7182] }, true],
    ['event.xs contains true', { xs: [1] }, false],
    ['event.x IN [1]', { x: 1 }, true],
    ['events.mylist contains 45', { mylist: [45] }, true],
  ]);
});

describe('vars', () => {
  it('compares with typed vars values, including nested lists', () => {
    const vars = { l: [[1, 2], 3], n: 42, s: 'x' };
    expect(matches('event.x in vars.l', { x: [1, 2] }, { vars })).toBe(true);
    expect(matches('event.x in vars.l', { x: [2, 1] }, { vars })).toBe(false);
    expect(matches('event.x > vars.n and event.y == vars.s', { x: 43, y: 'x' }, { vars })).toBe(true);
  });
});

describe('is defined', () => {
  table([
    ['event.x is defined', { x: null }, true],
    ['event.x is defined', { x: 0 }, true],
    ['event.a.b is defined', { a: { b: [] } }, true],
    ['event.a.b is defined', { a: null }, false],
    ['event.x is not defined', { x: null }, false],
    ['event.a == 1 and event.b is not defined', { a: 1 }, true],
    ['event.a == 1 and event.b is not defined', { a: 1, b: 2 }, false],
    ['event.xs[-1] is defined', { xs: [1] }, true],
    ['event.xs[-2] is defined', { xs: [1] }, false],
    ['event.xs[0] is defined', { xs: { '0': 1 } }, false],
    ['event["0"] is defined', { '0': 1 }, true],
    ['event.xs["0"] is defined', { xs: [1] }, false],
    ['event.xs.length is defined', { xs: [1] }, false],
    ['event.s.length is defined', { s: 'abc' }, false],
    ['event.toString is defined', {}, false],
    ['event.constructor is defined', {}, false],
    ['event.__proto__ is defined', {}, false],
    ['event.__proto__ == 1', JSON.parse('{"__proto__": 1}') as unknown, true],
  ]);
});

describe('paths', () => {
  table([
    ['event.asd["x"][1][2].a["b"] == 3.1415', { asd: { x: [0, [0, 0, { a: { b: 3.1415 } }]] } }, true],
    ['event.letters[-1] == "z"', { letters: ['a', 'z'] }, true],
    ['event.letters[-3] == "z"', { letters: ['a', 'z'] }, false],
    ['event["http://www.example.com"] == "down"', { 'http://www.example.com': 'down' }, true],
    ['event.urls["http://www.example.com"] == "up"', { urls: { 'http://www.example.com': 'up' } }, true],
    ['event["नाम"] is search("മധു", ignorecase=true)', { नाम: 'മധു' }, true],
    ['event.a.b == 1', { 'a.b': 1 }, false],
    ['event["a.b"] == 1', { 'a.b': 1 }, true],
    ['fact.meta.hosts == "localhost"', { meta: { hosts: 'localhost' } }, true],
    ['events.x == 1', { x: 1 }, true],
    ['facts.x == 1', { x: 1 }, true],
  ]);
});

describe('bound names', () => {
  it('reads events.NAME from the bindings when NAME is bound, from the object otherwise', () => {
    const bindings = { m_0: { i: 1, name: 'fred' } };
    expect(matches('event.i == events.m_0.i + 2', { i: 3 }, { bindings, bound: ['m_0'] })).toBe(true);
    expect(matches('event.i == events.m_0.i + 2', { i: 3, m_0: { i: 0 } }, { bindings: {}, bound: [] })).toBe(false);
    expect(matches('event.i == events.m_0.i + 2', { i: 2, m_0: { i: 0 } }, { bindings: {}, bound: [] })).toBe(true);
    expect(matches('facts.first.custom.idx == event.i', { i: 4 }, { bindings: { first: { custom: { idx: 4 } } }, bound: ['first'] })).toBe(true);
    expect(matches('event.name is search(events.m_0.name)', { name: 'alfred' }, { bindings, bound: ['m_0'] })).toBe(true);
    expect(matches('event.names is select("search", events.m_0.name)', { names: ['x', 'Fred', 'fred'] }, { bindings, bound: ['m_0'] })).toBe(true);
    // a bound pattern that is missing from the bindings makes the test false
    expect(matches('event.i == events.m_1.i', { i: 1 }, { bindings, bound: ['m_1'] })).toBe(false);
  });
});

describe('search, match and regex', () => {
  table([
    ['event.s is search("b")', { s: 'abc' }, true],
    ['event.s is match("b")', { s: 'abc' }, false],
    ['event.s is match("a")', { s: 'abc' }, true],
    ['event.s is regex("b")', { s: 'abc' }, true],
    // match is anchored at the start only (not a full match)
    ['event.s is match("ab")', { s: 'abc' }, true],
    // upstream prepends ^ textually, so an alternation is only half anchored
    ['event.s is match("x|c")', { s: 'abc' }, true],
    ['event.s is match("b", multiline=true)', { s: 'a\nbc' }, true],
    ['event.s is match("b")', { s: 'a\nbc' }, false],
    ['event.s is search("^b", multiline=true)', { s: 'a\nbc' }, true],
    ['event.s is search("ABC", ignorecase=true)', { s: 'xabcx' }, true],
    ['event.s is search("ABC", ignorecase=false)', { s: 'xabcx' }, false],
    ['event.s is search("(?i)ABC")', { s: 'abc' }, true],
    ['event.s is search("a.c")', { s: 'a\nc' }, false],
    ['event.s is search("(?s)a.c")', { s: 'a\nc' }, true],
    ['event.s is search("c$")', { s: 'abc\n' }, true],
    ['event.s is search("\\Aab")', { s: 'abc' }, true],
    ['event.s is search("a++b")', { s: 'aab' }, true],
    ['event.s is not search("z")', { s: 'abc' }, true],
    ['event.s is not search("a")', { s: 'abc' }, false],
    ['event.s is not match("b")', { s: 'abc' }, true],
    // numbers, booleans and lists are matched as Java prints them
    ['event.n is search("^42$")', { n: 42 }, true],
    ['event.n is search("^1\\.5$")', { n: 1.5 }, true],
    ['event.n is search("E21")', { n: 1e21 }, true],
    ['event.b is match("true")', { b: true }, true],
    ['event.l is search("\\[a, b\\]")', { l: ['a', 'b'] }, true],
    ['event.n is search("9007199254740993")', { n: 9007199254740993n }, true],
    ['event.s is search("a")', { s: null }, false],
    // pattern from a field, and a literal subject with a field pattern
    ['event.s is search(event.p)', { s: 'hello', p: 'l+' }, true],
    ['event.s is search(event.p)', { s: 'hello', p: 'z' }, false],
    ['event.s is search(event.p)', { s: 'hello' }, false],
    ['event.s is not search(event.p)', { s: 'hello', p: null }, false],
    ['event.s is search(event.p)', { s: 'hello', p: '(' }, false],
    ['event.s is not search(event.p)', { s: 'hello', p: '(' }, false],
    ['not event.s is search(event.p)', { s: 'hello', p: '(' }, false],
    ['"hello" is search(event.p)', { p: 'ell' }, true],
  ]);

  it('compiles literal patterns once and reports untranslatable ones with their position', () => {
    let err: unknown;
    try {
      compileExpr(parseCondition('event.s is search("\\G")').expr);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AutohealError);
    expect((err as AutohealError).code).toBe(ErrorCode.ConditionSyntax);
    expect((err as AutohealError).details['offset']).toBe(18);
    expect((err as Error).message).toContain('\\G is not supported');
  });
});

describe('select', () => {
  table([
    ['event.xs is select(">=", 10)', { xs: [1, 2, 3, 20] }, true],
    ['event.xs is select(">=", 10)', { xs: [1, 2, 3] }, false],
    // is not select: not every item passes (upstream code, not its docs)
    ['event.xs is not select(">=", 10)', { xs: [1, 2, 3, 20] }, true],
    ['event.xs is not select(">", 25)', { xs: [25, 30, 40] }, true],
    ['event.xs is not select(">", 20)', { xs: [25, 30, 40] }, false],
    ['event.xs is select("==", null)', { xs: [1, null] }, true],
    // inside select a null item equals a null value whatever the operator, and there is no type guard
    ['event.xs is select("!=", null)', { xs: [null] }, true],
    ['event.xs is select(">", null)', { xs: [null] }, true],
    ['event.xs is select("!=", 5)', { xs: ['abc'] }, true],
    ['event.xs is select("!=", 5)', { xs: [null] }, false],
    // regex operators are plain find() without flags, never on null; match is not anchored
    ['event.xs is select("match", "Main St")', { xs: ['123 Main St'] }, true],
    ['event.addresses is select("regex", "Main St")', { addresses: ['123 Main St, Bedrock'] }, true],
    ['event.addresses is not select("regex", "Major St")', { addresses: ['123 Main St'] }, true],
    ['event.xs is select("search", "x")', { xs: [null] }, false],
    ['event.xs is select("search", "4")', { xs: [42] }, true],
    // a scalar tests itself
    ['event.name is select("search", "(?i)ArRo")', { name: 'arrokoth' }, true],
    ['event.type is not select("match", "comet")', { type: 'comet' }, false],
    ['event.type is select("==", null)', { type: null }, true],
    ['event.type is not select("!=", null)', { type: null }, false],
    ['event.type is not select("match", "planet")', { type: null }, true],
    ['event.radius is select("==", 11)', { radius: 11.0 }, true],
    ['event.xs is select("==", [1, 2])', { xs: [[1, 2]] }, true],
    ['event.xs is select(">", event.limit)', { xs: [1, 5], limit: 4 }, true],
    ['event.xs is select(">", event.limit)', { xs: [1, 5] }, false],
    ['event.xs is select("==", 1)', { xs: [] }, false],
    ['event.xs is not select("==", 1)', { xs: [] }, false],
  ]);
});

describe('selectattr', () => {
  const persons = [
    { age: 45, name: 'Fred', occupation: 'Dino Driver' },
    { age: 46, name: 'Barney', occupation: null },
  ];
  table([
    ['event.persons is selectattr("age", ">", 45)', { persons }, true],
    ['event.persons is selectattr("age", ">", 46)', { persons }, false],
    ['event.persons is selectattr("occupation", "==", null)', { persons }, true],
    ['event.persons is not selectattr("age", ">=", 45)', { persons }, false],
    ['event.persons is not selectattr("age", ">", 45)', { persons }, true],
    // an item lacking the key fails the test: skipped by `is`, counted by `is not`
    ['event.persons is selectattr("height", "==", null)', { persons }, false],
    ['event.persons is not selectattr("height", "==", 1)', { persons }, true],
    ['event.persons is not selectattr("age", ">", 1)', { persons: [{ age: 2 }, { name: 'x' }] }, true],
    // a single object is a one-item list
    ['event.person is selectattr("age", ">", 30)', { person: { name: 'Fred', age: 54 } }, true],
    ['event.person is not selectattr("age", ">", 60)', { person: { age: 54 } }, true],
    ['event.person is not selectattr("height", ">", 60)', { person: { age: 54 } }, true],
    // …except that a null attribute of a single object fails both is and is not (upstream)
    ['event.person is selectattr("job", "==", null)', { person: { job: null } }, false],
    ['event.person is not selectattr("job", "==", 1)', { person: { job: null } }, false],
    ['event.persons is selectattr("a", "==", 1)', { persons: null }, false],
    ['event.persons is not selectattr("a", "==", 1)', { persons: null }, false],
    ['event.persons is selectattr("a", "==", 1)', { persons: 'abc' }, false],
    // dotted keys
    ['event.ps is selectattr("person.age", "<", 50)', { ps: [{ person: { age: 40 } }] }, true],
    ['event.ps is selectattr("person.age", "<", 50)', { ps: [{ person: null }] }, false],
    ['event.ps is selectattr("person.age", "==", null)', { ps: [{ person: null }] }, true],
    ['event.ps is selectattr("person.age", "==", null)', { ps: [null] }, true],
    ['event.ps is selectattr("person.age", "==", 1)', { ps: ['x', { person: { age: 1 } }] }, true],
    ['event.ps is not selectattr("person.age", "==", 1)', { ps: ['x', { person: { age: 1 } }] }, true],
    // membership operators with lists and containment
    ['event.ps is selectattr("n", "in", [27, 1, 84, 155.2])', { ps: [{ n: 14 }, { n: 27 }] }, true],
    ['event.ps is selectattr("m", "not in", ["titania", "x"])', { ps: [{ m: 'titania' }] }, false],
    ['event.ps is selectattr("moons", "contains", "phobos")', { ps: [{ moons: ['phobos', 'deimos'] }] }, true],
    ['event.ps is selectattr("moons", "not contains", "deimos")', { ps: [{ moons: ['phobos', 'deimos'] }] }, false],
    ['event.ps is selectattr("d", "contains", 8.12199e+3)', { ps: [{ d: [15, 8121.99] }] }, true],
    // regex operators
    ['event.as is selectattr("a.name", "regex", "(?i)APOPHi")', { as: [{ a: { name: 'apophis' } }] }, true],
    ['event.as is selectattr("a.c", "match", "main")', { as: [{ a: { c: 'the main belt' } }] }, true],
    ['event.ps is selectattr("a", "!=", 5)', { ps: [{ a: 'abc' }] }, true],
  ]);
});

describe('conformance: ansible-rulebook examples and e2e operator tests', () => {
  /**
   * Runs single-condition rules like the engine does for events: each event is consumed by the
   * first rule (declaration order) it matches. Returns the number of matches per rule.
   */
  function firstMatchCounts(rules: readonly string[], events: readonly unknown[], vars?: Record<string, unknown>): number[] {
    const predicates = rules.map((r) => compileExpr(parseCondition(r, { vars }).expr));
    const counts = rules.map(() => 0);
    for (const e of events) {
      const i = predicates.findIndex((p) => p(e, {}));
      if (i >= 0) counts[i] = (counts[i] as number) + 1;
    }
    return counts;
  }

  const operatorVars = parseJson(`{
    "universe_meaning": 42,
    "in_operator_int_array": [42, 2.7182, 3.1415, 3, 2, 173.035, 20000000000000000426408380189087937446025157425359298935486676996, -6000],
    "houses": ["Lannister", "Stark", "Targaryen", "Baratheon"],
    "targaryen_motto": "fire and blood",
    "mixed_types": [4, 2.7182, "Vhagar", true, "Stark"],
    "type_asteroid": "asteroid", "has_moons": true, "halleys_radius": 11, "halleys_min_op": 27000.123,
    "not_planet": false, "pluto_radius": 1188.30, "pluto_moons": 5, "eris_moon": "dysnomia",
    "total_moons": [50, 6.2e+1, 79.99], "best_moons": ["deimos", "phobos"]
  }`) as Record<string, unknown>;

  it('test_relational_operators.yml', () => {
    const events = [
      { test_bool: false, test_str: 'Hello there' },
      { test_int: 79 },
      { test_float: 4.212 },
      { motto: 'fire and blood' },
      { motto: 'Fire and Blood' },
      { universe_meaning: 42 },
      { universe_meaning: 42 },
      { universe_meaning: 73 },
      { flat_earth: false },
      { number_of_swords: 1.64e2 },
      { number_of_swords: 300.7 },
      { number_of_dragons: 3 },
      { number_of_dragons: 7 },
      { numbers: { nested: { data: -20 } } },
      { numbers: { nested: { data: -9 } } },
      { pi: 3.141 },
      { pi_for_engineers: 3 },
      { stark_motto: 'Winter\nis\ncoming' },
      { stark_motto: 'Winter is coming' },
      { e_for_engineers: 3 },
      { intelligent_design: false },
      { best_number: 73 },
      { golden_ratio: 1.61803398875 },
      { golden_ratio: -0.61803398875 },
      { square_root_of_2: 1.41 },
      { square_root_of_2: 1.41421356237 },
      { square_root_of_2: 1.41421356238 },
      { square_root_of_2: 2 },
      { myboolean: true },
      { myboolean: false },
      { nullified: null },
      { nullable: null },
      { test_null: null },
      { test_null: 'null' },
      { null_str1: 'not a null value' },
      { null_str2: 'not a null value' },
    ];
    const rules = [
      'not event.test_bool and\nnot (event.test_str == "Goodbye" or event.test_str != "Hello there")\n',
      'event.motto != "Fire and Blood"',
      '73 != event.universe_meaning',
      'true != event.flat_earth',
      'event.number_of_swords < 200.001',
      'event.number_of_dragons < 4',
      'event.numbers.nested.data <= -10',
      'event.pi <= 3.1415',
      'event.pi_for_engineers == 3.0',
      'event.stark_motto == "Winter\\nis\\ncoming"',
      '3 == event.e_for_engineers',
      'event.intelligent_design == false',
      'event.best_number > vars.universe_meaning',
      'event.golden_ratio > 1.6180339887',
      'event.square_root_of_2 >= 1.41421356237',
      'event.myboolean',
      'not event.nullified',
      'event.nullable == false',
      'event.test_null == null',
      'event.null_str1 != null',
      'not event.null_str2 == null',
    ];
    // testcases #1, #3–#22 of the e2e test (#2 is a two-pattern `all`, checked below)
    expect(firstMatchCounts(rules, events, operatorVars)).toEqual([1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 0, 1, 1, 1]);
    const all = ['not (event.test_int > 80 and event.test_int < 79)', 'not (event.test_float <= 3.14 or event.test_float >= 4.5)'];
    expect(all.map((c) => events.filter((e) => compileExpr(parseCondition(c).expr)(e, {})).length)).toEqual([1, 1]);
  });

  it('test_membership_operators.yml', () => {
    const events = parseJson(`[
      {"numbers": [42, 2.7182, 3.1415, 173.035, 20000000000000000426408380189087937446025157425359298935486676996, -6000], "id": "Testcase #1"},
      {"data": "0"}, {"data": "1"}, {"data": "2"},
      {"house": "Martell"},
      {"myint": 1, "some_list": ["Jon", "Cersei", "Robert"]},
      {"myint": 2, "some_list": ["Jon", "Cersei", "Robert"]},
      {"myint": 3, "some_list": ["Jon", "Cersei", "Robert"]},
      {"biggest_dragon": "Balerion"}, {"biggest_dragon": "Vhagar"},
      {"houses": ["Lannister", "Stark", "Targaryen", "Baratheon"]},
      {"deaths": 5, "houses": ["Lannister", "Stark", "Targaryen", "Baratheon"]},
      {"some_numbers": [42, 2.7182, 3.1415, 173.035, 20000000000000000426408380189087937446025157425359298935486676996]},
      {"weapon": "sword"}, {"weapon": "bow"},
      {"value": "Stark"}, {"value": "Martell"}, {"value": 4}, {"value": 2.7182}, {"value": -6000}, {"value": true},
      {"mylist": ["Jon", 45, true, 6.9, null]},
      {"nested": {"mylist2": ["Jon", 45, true, 6.9, null]}},
      {"mylist3": ["Jon", 45, true, 6.9, null]},
      {"mylist4": []}, {"mylist4": [""]},
      {"mylist5": ["Jon", 45, true, 6.9, null]},
      {"mylist6": ["Jon", 45, true, 6.9]},
      {"ned_stark": null}
    ]`) as unknown[];
    const rules = [
      'event.numbers contains 20000000000000000426408380189087937446025157425359298935486676996\nand event.id == "Testcase #1"\n',
      'event.data not in ["2", "3", "one", null]',
      'event.house not in vars.houses',
      'event.myint not in vars.in_operator_int_array',
      'event.biggest_dragon not in vars.mixed_types',
      'event.houses not contains "Stark"',
      'event.houses not contains "Martell" and event.deaths > 3',
      'event.some_numbers not contains -6000',
      'event.weapon in ["sword", "axe", "hammer"]',
      'event.value in vars.mixed_types',
      'events.mylist contains "jon" or events.mylist contains 45',
      'events.nested.mylist2 contains True',
      'events.mylist3 contains 6.99 # Expected to not match',
      'events.mylist4 contains ""',
      'events.mylist5 contains null',
      'events.mylist6 not contains null',
      'events.ned_stark in [null, "dead", 0, false]',
    ].map((r) => r.replace(/ # .*$/, ''));
    const counts = firstMatchCounts(rules, events, operatorVars);
    // #1: 1, #2: 2, #3: 1, #4: 1, #5: 1, #6: 0, #7: 1, #8: 1, #9: 1, #10: 4, #11 (six rules): 5 in total, #12: 1
    expect(counts.slice(0, 10)).toEqual([1, 2, 1, 1, 1, 0, 1, 1, 1, 4]);
    expect(counts.slice(10, 16).reduce((a, b) => a + b, 0)).toBe(5);
    expect(counts[16]).toBe(1);
  });

  it('test_logical_operators.yml', () => {
    const events = [
      { myint: 73, mystring: 'hello' },
      { myint: 73, mystring: 'world' },
      { environment: 'apac-production', overload: 99.8 },
      { environment: 'staging', overload: 101.9 },
      { environment: 'staging', overload: 78.5 },
      { environment: 'lab-prod', overload: 78.5 },
      { service: 'backend', state: 'restarting' },
      { service: 'backend', state: 'shutdown' },
      { mem: 784.0, rc: null, threads: 10 },
      { mem: 784.0, rc: 2, threads: 10 },
      { mem: 784.0, rc: null, threads: 3 },
      { mem: 854.3, rc: 0, threads: 10 },
      { alert: 'down', appname: 'backend', instance: 'rc-api_1-stage' },
      { alert: 'up', appname: 'backend', instance: 'rc-api_1-stage' },
      { alert: 'down', appname: 'redis', instance: 'rc-api_1-stage' },
      { alert: 'down', appname: 'redis', instance: 'rc-api_1-prod' },
      { alert: 'up', appname: 'redis', instance: 'rc-api_1-prod' },
      { nested: { env: 'prod', 'template.openshift.io/template-instance-owner': '01a70fda' }, state: 'down', type: 'warning', cpus: 5 },
      { nested: { env: 'prod' }, state: 'up', type: 'critical', cpus: 5 },
      { nested: { env: 'stage' }, state: 'unknown', type: 'critical', cpus: 2 },
      { nested: { env: 'stage' }, state: 'unknown', type: 'warning', cpus: 8 },
      { nested: { env: 'stage' }, state: 'down', type: 'warning', cpus: 2 },
      { nested: { env: 'stage' }, state: 'down', type: 'warning', cpus: 6 },
      { nested: { env: 'stage' }, state: 'up', type: 'critical', cpus: 6 },
      { device_type: 'router', state: 'unhealthy', bgp_state: null },
      { device_type: 'router', state: 'healthy', bgp_state: 'null' },
      { device_type: 'switch', tap_state: null, span_state: 'mirroring' },
      { left_hand: 5, right_hand: 5 },
      { asd: { x: [0, [0, 0, { a: { b: 3.1415 } }]] } },
    ];
    const rules = [
      'event.myint == 73 and event.mystring == "hello"',
      'event.environment is regex(".*-prod(uction)?") or event.overload > 100',
      'event.state == "restarting" and (event.service == "backend" or event.state == "shutdown")',
      '(event.rc !=null and event.rc > 1 and event.rc < 127) or (event.mem > 512.0 and event.threads < 4)',
      'event.alert == "down"\nand (event.appname in ["backend", "frontend"] or event.instance is regex(".*-prod"))\n',
      '(event.state == "down" or event.type == "critical")\nand (event.nested.env == "prod" or event.cpus <= 4)\n',
      'event.device_type == "router" and event.bgp_state == null',
      'event.device_type == "switch" and\n(event.tap_state == null or event.span_state == null)\n',
      'event.left_hand == event.right_hand',
      'event.asd["x"][1][2].a["b"] == 3.1415',
    ];
    expect(firstMatchCounts(rules, events)).toEqual([1, 3, 1, 2, 2, 4, 1, 1, 1, 1]);
  });

  it('test_select_operator.yml', () => {
    const events = [
      { name: 'arrokoth' },
      { type: 'comet', name: 'hale-bopp', description: "AKA the 'Great Comet\nof 1997'. It was visible\nfor a total of 18 months.\n" },
      { type: 'comet', name: 'bennu', radius: 0.49, orbital_speed: 28.0 },
      { type: 'comet', name: 'tempel 1', radius: 3.0, orbital_period: 2027 },
      { type: 'asteroid', name: 'didymos', radius: 0.39, has_moons: true, sub_type: 's-type' },
      { type: 'asteroid', name: 'iris', has_moons: false, sub_type: 's-type' },
      { type: 'comet', name: 'halleys', radius: 11.0, orbital_period: 27284, has_moons: false },
      { type: null },
      { type: null },
    ];
    const rules = [
      'event.name is select("search", "(?i)ArRo")',
      'event.name is select("search", "h.{3}(-bo).") and\nevent.type is select("match", "come") and\nevent.description is select("regex", "(?s)^AKA.*months\\.$")\n',
      'event.orbital_speed is select("<", 30) and\n(event.radius is select(">", 0.49) or\nevent.type is not select("match", "comet"))\n',
      'event.type is select("match", "comet") and\nevent.radius is select("<=", 3) and\nevent.orbital_period is select(">=", 2.02e+3)\n',
      'event.type is select("search", vars.type_asteroid) and\n(event.has_moons is select("==", true) or\nevent.sub_type is select("!=", null))\n',
      'event.type is not select("match", "planet") and\n(event.radius is select("==", vars.halleys_radius) or\nevent.orbital_period is select(">=", vars.halleys_min_op)) and\nevent.has_moons is not select("==", vars.has_moons)\n',
      'event.type is select("==", null)',
      'event.type is not select("!=", null)',
    ];
    // #01, #02, negative (never), #03, #04 ×2, #05, #06 ×2 (both from the first of the two rules)
    expect(firstMatchCounts(rules, events, operatorVars)).toEqual([1, 1, 0, 1, 2, 1, 2, 0]);
  });

  it('test_selectattr_operator.yml', () => {
    const events = [
      { asteroids: [{ asteroid: { name: 'apophis' } }] },
      { asteroids: [{ asteroid: { name: 'vesta', category: 'main belt', description: 'Named after the goddess of\nthe hearth and household in\nRoman mythology.\n' } }] },
      { asteroids: [{ asteroid: { name: 'eros', discovered_by: 'gustav witt', radius: 8.42 } }] },
      { planets: [{ planet: { name: 'jupiter', radius: 142984, orbital_period: 4.31186e3 } }] },
      { planets: [{ planet: { name: 'earth', radius: 6371, orbital_period: 365.01 } }] },
      {
        planets: [
          { planet: { name: 'venus', radius: 1200.01, moons: null, is_planet: true } },
          { planet: { name: 'x', radius: 909.09, moons: null, is_planet: false } },
        ],
      },
      { planets: [{ planet: { name: 'pluto', radius: 1188.3, total_moons: 5, is_planet: false } }] },
      { planets: [{ planet: { name: 'mars', moons: ['phobos', 'deimos'] } }, { planet: { name: 'earth', moons: ['moon'] } }] },
      { planets: [{ planet: { name: 'eris', moons: ['dysnomia'] } }] },
      { planets: [{ planet: { name: 'saturn', total_moons: 62, largest_moon: 'titan' } }] },
      {
        planets: [
          { planet: { name: 'neptune', total_moons: 14, largest_moon: 'triton' } },
          { planet: { name: 'uranus', total_moons: 27, largest_moon: 'titania' } },
        ],
      },
      { planets: [{ planet: { name: 'earth', total_moons: 1, largest_moon: 'moon' } }] },
      { suns: [{ sun: { name: 'sol', attributes: { physical: { age: 4600000000, composition: { gases: { hydrogen: 73.46, helium: 24.85 } } } } } }] },
      { spacecraft: [{ craft: { name: 'voyager 1', detections: [15, 8121.99, 1111] } }] },
    ];
    const rules = [
      'event.asteroids is selectattr("asteroid.name", "regex", "(?i)APOPHi")',
      'event.asteroids is selectattr("asteroid.name", "regex", "vest|Vest") and\nevent.asteroids is selectattr("asteroid.description", "search", "(?si)HeaRTH.*myTHology") and\nevent.asteroids is selectattr("asteroid.category", "match", "^main.*")\n',
      'event.asteroids is selectattr("asteroid.name", "match", "eros") and\nevent.asteroids is selectattr("asteroid.discovered_by", "search", "gustav.*") and\nevent.asteroids is selectattr("asteroid.radius", "!=", 8.42)\n',
      'event.planets is selectattr("planet.name", "regex", "jupiter|earth") and\n(event.planets is selectattr("planet.orbital_period", "<=", 365.01) or\nevent.planets is selectattr("planet.radius", ">", 140000))\n',
      'event.planets is selectattr("planet.is_planet", "!=", vars.not_planet) and\n(event.planets is selectattr("planet.moons", "==", null) or\nevent.planets is selectattr("planet.radius", "<", 1200.05))\n',
      'event.planets is not selectattr("planet.is_planet", "==", true) and\nevent.planets is selectattr("planet.radius", ">=", 1.18830e+3) and\n(event.planets is selectattr("planet.total_moons", "!=", null) or\nevent.planets is not selectattr("planet.total_moons", ">", vars.pluto_moons))\n',
      'event.planets is selectattr("planet.moons", "contains", "phobos")',
      'event.planets is selectattr("planet.moons", "contains", vars.eris_moon) and\n(event.planets is selectattr("planet.moons", "not contains", "deimos") or\nevent.planets is not selectattr("planet.moons", "contains", "titan"))\n',
      'event.planets is selectattr("planet.total_moons", "in", vars.total_moons) and\nevent.planets is selectattr("planet.largest_moon", "in", ["titan", "triton"])\n',
      'event.planets is selectattr("planet.total_moons", "in", [27, 1, 84, 155.2]) and\nevent.planets is selectattr("planet.largest_moon", "not in", ["titania", "x"]) and\nevent.planets is not selectattr("planet.largest_moon", "in", vars.best_moons)\n',
      'event.suns is selectattr("sun.attributes.physical.composition.gases.hydrogen", ">", 73) and\n(event.suns is selectattr("sun.attributes.physical.composition.gases.helium", "==", 24.85) or\nevent.suns is selectattr("sun.attributes.physical.age", ">=", 4600000000))\n',
      'event.spacecraft is selectattr("craft.detections", "contains", 8.12199e+3)',
    ];
    // #01, #02, negative (never), #03 ×2, #04, #05, #06, #07, #08, #09 ×2, #10, #11
    expect(firstMatchCounts(rules, events, operatorVars)).toEqual([1, 1, 0, 2, 1, 1, 1, 1, 1, 2, 1, 1]);
  });

  it('test_string_match.yml, test_string_search_search.yml, test_string_search_regex.yml', () => {
    const lines = [
      { line1: "I'm not the pheasant plucker" },
      { line1: "I'm the pheasant plucker's son" },
      { line1: "I'm only plucking pheasants", line2: "'til the pheasant plucker comes" },
      { line1: 'She sells 57 seashells\nby the seashore\n' },
      { line1: 'She sells 68 seashells\nby the seashore\n' },
      { line1: 'Peter Piper picked a peck\nof pickled peppers\n' },
      { line1: 'How can a clam cram\nin a clean cream can\n' },
      { line1: 'Pick 6 beaks, seek big peaks' },
    ];
    const match = [
      'event.line1 is match("I\'m not", ignorecase=false)',
      'event.line1 is match("^I\'m.(th).*PL[u]ckER", ignorecase=true)',
      'event.line1 is match("I\'m only plucKING", ignorecase=true) and\nevent.line2 is not match("\'til THE", ignorecase=false)\n',
      'event.line1 is match("She sells", ignorecase=false)',
      'event.line1 is match("PeTEr PiPER", ignorecase=true) or\nevent.line1 is match("of piCKLED", ignorecase=false)\n',
      'event.line1 is not match("In A clEAN", ignorecase=false) and\nevent.line1 is match("HoW CAN a clAm Cram", ignorecase=true)\n',
      'event.line1 is match("PicK", ignorecase=true) and\n(event.line1 is regex("[3-6].{8}[sp]e[ea]k") or\n event.line1 is not search("wont match"))\n',
    ];
    expect(firstMatchCounts(match, lines)).toEqual([1, 1, 1, 2, 1, 1, 1]);
    const search = [
      'event.line1 is search("not the pheasant", ignorecase=false)',
      'event.line1 is search("(phea).{4}.PluC.er\'S.soN", ignorecase=true)',
      'event.line1 is search("PlUckinG pheaSANTs", ignorecase=true) and\nevent.line2 is not search("the plucker is not coming", ignorecase=false)\n',
      'event.line1 is search("the seashore", ignorecase=false)',
      'event.line1 is search("piCKed a peck", ignorecase=true) or\nevent.line1 is search("pepper piCkles", ignorecase=false)\n',
      'event.line1 is not search("can A clAM", ignorecase=false) and\nevent.line1 is search("CleaN cReam", ignorecase=true)\n',
      'event.line1 is search("beaks, sEEk", ignorecase=true) and\n(event.line1 is not regex("^Pick.*beans$", ignorecase=false) or\nevent.line1 is match("PICK", ignorecase=false))\n',
    ];
    expect(firstMatchCounts(search, lines)).toEqual([1, 1, 1, 2, 1, 1, 1]);
    const regexLines = [
      { line1: "I'm not the pheasant plucker" },
      { line1: "I'm the pheasant plucker's son" },
      { line1: "I'm only plucking pheasants", line2: "'til the pheasant plucker comes" },
      { line1: 'She sells 50 seashells\nby the seashore\n' },
      { line1: 'Peter Piper picked @ peck\nof pickled peppers\n' },
      { line1: 'How can a clam cram\nin a clean cream can\n' },
    ];
    const regex = [
      'event.line1 is regex("^I\'m.{9}pheas", ignorecase=false)',
      'event.line1 is regex("plUCk.(r\'s).son$", ignorecase=true)',
      'event.line1 is regex(".*KING.pheaSAnts$", ignorecase=true) and\nevent.line2 is not regex("^.til.{10}ant$", ignorecase=false)\n',
      'event.line1 is regex("[e-s].*[5:0]", ignorecase=false)',
      'event.line1 is regex("^PeTER.{7}.[i-p].{5}@", ignorecase=true) or\nevent.line1 is regex(".ickled$", ignorecase=false)\n',
      'event.line1 is not regex("^Cram..an", ignorecase=false) and\nevent.line1 is regex("(?s)a.cla[m].*cream", ignorecase=true)\n',
    ];
    expect(firstMatchCounts(regex, regexLines)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('examples 40–45, 47, 49, 62, 65, 70, 73, 74, 82, 83', () => {
    // 45_in_or: i > 5 or i in [1,2,3,4] over range(5) → 4
    expect(firstMatchCounts(['event.i > 5 or event.i in [1, 2, 3, 4]'], [0, 1, 2, 3, 4].map((i) => ({ i })))).toEqual([4]);
    // 62: r1 for Fred, r2 for Barney, r1 for Wilma
    const people = [
      { name: 'Fred', addresses: ['123 Main St, Bedrock, MI', '545 Spring St, Cresskill, NJ'] },
      { name: 'Barney', addresses: ['345 Bleeker St, Bedrock, MI', '145 Wall St, Dumont, NJ'] },
      { name: 'Wilma', addresses: ['123 Main St, Bedrock, MI', '432 Raymond Blvd, Newark, NJ'] },
    ];
    expect(firstMatchCounts(["event.addresses is select('regex', 'Main St')", "event.addresses is not select('regex', 'Major St')"], people)).toEqual([2, 1]);
    expect(firstMatchCounts(["event.person is selectattr('age', '>', 30)"], [{ person: { name: 'Fred', age: 54 } }])).toEqual([1]);
    // 70_null: one event each
    const nulls = [
      { x: 1, y: null },
      { persons: [{ age: 45, name: 'Fred', occupation: 'Dino Driver' }, { age: 46, name: 'Barney', occupation: null }] },
      { z: null },
    ];
    expect(firstMatchCounts(['event.x == 1 and event.y == null', "event.persons is selectattr('occupation', '==', null)", 'event.z in [5,6,7, null]'], nulls)).toEqual([1, 1, 1]);
    // 73_mix_and_match_list: each event matches its rule
    const mixed = [{ my_bool: false }, { my_str: 'fred' }, { my_null: null }, { my_int: 42 }, { my_float: 3.1415 }];
    const mixedRules = ['my_bool', 'my_str', 'my_null', 'my_int'].map((k) => `events.${k} in [null, "fred", false, 42]`);
    mixedRules.push('events.my_float in [null, "fred", false, 42, 3.1415]');
    expect(firstMatchCounts(mixedRules, mixed)).toEqual([1, 1, 1, 1, 1]);
    // 74: self-referential
    expect(matches('event.x == event.y', { x: 'a', y: 'a' })).toBe(true);
    // 82: non-alphanumeric keys
    const keys = [{ 'http://www.example.com': 'down' }, { urls: { 'http://www.example.com': 'up' } }, { नाम: 'മധു' }];
    expect(firstMatchCounts(['event["http://www.example.com"] == "down"', 'event.urls["http://www.example.com"] == "up"', 'event["नाम"] is search("മധു", ignorecase=true)'], keys)).toEqual([1, 1, 1]);
    // 83: condition true matches every event
    expect(firstMatchCounts(['true'], [{ i: 0 }, { i: 1 }, { i: 2 }])).toEqual([3]);
    // float literals (as in 49_float)
    expect(firstMatchCounts(['event.pi == 3.14', 'event.pi in [3.14, 2.71]', 'event.x == 2.12345e+2'], [{ pi: 3.14 }, { x: 212.345 }])).toEqual([1, 0, 1]);
  });
});

describe('fast paths agree with the general evaluation', () => {
  it('on generated conditions and events', () => {
    const values: unknown[] = [0, 1, -1, 1.5, 3, 9007199254740993n, -9007199254740993n, 'a', 'b', '1', '', true, false, null, [1], [null], { a: 1 }];
    const literals = ['0', '1', '-1', '1.5', '3.0', '9007199254740993', '"a"', '"1"', '""', 'true', 'false', 'null'];
    const ops = ['==', '!=', '<', '<=', '>', '>='];
    const conditions: string[] = [];
    for (const lit of literals) {
      for (const op of ops) conditions.push(`event.v ${op} ${lit}`, `not event.v ${op} ${lit}`, `${lit} ${op} event.v`);
    }
    conditions.push('event.v in [1, "a", null, true, 1.5]', 'event.v not in [1, "a", null, true]', 'event.v', 'not event.v', 'event.v in [1, 9007199254740993]');
    let checked = 0;
    for (const c of conditions) {
      const expr = parseCondition(c).expr;
      const fast = compileExpr(expr);
      const generic = compileExpr(expr, { generic: true });
      for (const v of [...values, undefined]) {
        const obj = v === undefined ? {} : { v };
        expect(fast(obj, {}), `${c} on ${String(v)}`).toBe(generic(obj, {}));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
