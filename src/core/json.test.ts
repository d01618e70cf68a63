import { describe, expect, it } from 'vitest';
import { parseJson, toJsonSafe } from './json.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact as bigint, and everything else as JSON.parse does', () => {
    const text = '{"big": 20000000000000000426408380189087937446025157425359298935486676996, "neg": -18446744073709551617, "safe": 9007199254740991, "f": 1.5e300, "g": 12345678901234567.5, "s": "digits 12345678901234567890", "l": [true, false, null, "\\u00e9\\n"], "o": {}}';
    expect(parseJson(text)).toEqual({
      big: 20000000000000000426408380189087937446025157425359298935486676996n,
      neg: -18446744073709551617n,
      safe: 9007199254740991,
      f: 1.5e300,
      g: 12345678901234567.5,
      s: 'digits 12345678901234567890',
      l: [true, false, null, 'é\n'],
      o: {},
    });
  });

  it('finds big integers wherever a number token can start: top level, after [ , : and whitespace', () => {
    expect(parseJson('18446744073709551617')).toBe(18446744073709551617n);
    expect(parseJson('-18446744073709551617')).toBe(-18446744073709551617n);
    expect(parseJson('[18446744073709551617,\n\t18446744073709551618]')).toEqual([18446744073709551617n, 18446744073709551618n]);
    expect(parseJson('{"a":18446744073709551617}')).toEqual({ a: 18446744073709551617n });
  });

  it('keeps long digit runs inside strings as strings (hex fingerprints take the fast path)', () => {
    const text = '{"fingerprint":"0000000000001234","id":"a18446744073709551617","key":"am:0000000000002710:firing"}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('returns exactly what JSON.parse returns when there is no long run of digits', () => {
    const text = ' [ {"a": [1, 2.5, -3e2, "x\\"y"], "__proto__": 1} , [], {} ] ';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('makes __proto__ an own property on the exact path too', () => {
    const v = parseJson('{"__proto__": {"x": 1}, "n": 12345678901234567890}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('throws the same SyntaxError as JSON.parse, with its position', () => {
    for (const bad of ['{"a": 12345678901234567890,}', '[1, 2', '{"a" 1}', '']) {
      let expected: unknown;
      try {
        JSON.parse(bad);
      } catch (err) {
        expected = err;
      }
      expect(() => parseJson(bad)).toThrow(SyntaxError);
      expect(() => parseJson(bad)).toThrow((expected as Error).message);
    }
  });
});

describe('toJsonSafe', () => {
  it('turns bigints into numbers when safe and into digit strings otherwise', () => {
    const big = 20000000000000000426408380189087937446025157425359298935486676996n;
    const safe = toJsonSafe({ a: [5n, 2n ** 64n, big], b: 'x' });
    expect(safe).toEqual({ a: [5, '18446744073709551616', big.toString()], b: 'x' });
    expect(JSON.stringify(safe)).toBe(`{"a":[5,"18446744073709551616","${big}"],"b":"x"}`);
  });

  it('returns the same object when there is nothing to convert, and round-trips through parseJson', () => {
    const plain = { a: [1, { b: 'c' }] };
    expect(toJsonSafe(plain)).toBe(plain);
    const v = parseJson('{"n": 18446744073709551617}');
    expect(JSON.stringify(toJsonSafe(v))).toBe('{"n":"18446744073709551617"}');
  });
});
