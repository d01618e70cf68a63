import { describe, expect, it } from 'vitest';
import { canonicalJson, cloneJson, findNonJson, isPlainObject, setOwn } from './json-value.js';

describe('json-value', () => {
  it('tells plain objects from arrays, null and class instances', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
  });

  it('finds the first part that is not JSON data', () => {
    expect(findNonJson({ a: [1, 'x', null, true, 10n, { b: {} }] })).toBeUndefined();
    expect(findNonJson({ a: [1, undefined] })).toBe('$.a[1]');
    expect(findNonJson({ a: { b: Number.NaN } })).toBe('$.a.b');
    expect(findNonJson({ f: () => 1 })).toBe('$.f');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findNonJson(cyclic)).toBe('$.self');
    const shared = { x: 1 };
    expect(findNonJson({ a: shared, b: shared })).toBeUndefined();
  });

  it('prints canonical JSON with sorted keys, bigints as integers', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 'x' }], n: 12345678901234567890n })).toBe(
      '{"a":[{"c":"x","d":2}],"b":1,"n":12345678901234567890}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });

  it('clones deeply and keeps a __proto__ key as data', () => {
    const src = JSON.parse('{"a":{"b":[1,{"c":2}]},"__proto__":{"polluted":true}}') as Record<string, never>;
    const copy = cloneJson(src) as Record<string, unknown>;
    expect(copy).toEqual(src);
    expect(copy.a).not.toBe(src.a);
    expect(Object.keys(copy)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    const target: Record<string, number> = {};
    setOwn(target, '__proto__', 1);
    expect(Object.keys(target)).toEqual(['__proto__']);
  });
});
