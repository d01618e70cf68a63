import { describe, expect, it } from 'vitest';
import { equalityKeys, indexKeyOf } from './index-keys.js';
import { parseCondition } from './parse-condition.js';

function keys(condition: string, bound: string[] = []) {
  return equalityKeys(parseCondition(condition).expr, new Set(bound));
}

describe('equalityKeys', () => {
  it('collects field == literal tests along the top-level and-chain, either side order', () => {
    expect(keys('event.kind == "alert" and 5 == event.a.b["c"][0] and event.x > 1')).toEqual([
      { path: ['kind'], value: 'alert' },
      { path: ['a', 'b', 'c', 0], value: 5 },
    ]);
  });

  it('counts a bare field as == true and reads unbound events.X / facts.X from the object', () => {
    expect(keys('event.flag and events.mylist == null and fact.meta.host == "h"')).toEqual([
      { path: ['flag'], value: true },
      { path: ['mylist'], value: null },
      { path: ['meta', 'host'], value: 'h' },
    ]);
  });

  it('skips bound patterns, fields on both sides, arithmetic and unsafe integers', () => {
    expect(keys('event.i == events.m_0.i and events.m_0.x == 1 and event.a == event.b and event.c + 1 == 2', ['m_0'])).toEqual([]);
    expect(keys('event.n == 9007199254740993 and event.f == 1e20 and event.g == 0.5')).toEqual([{ path: ['g'], value: 0.5 }]);
  });

  it('returns nothing under or, and uses and/or left-to-right precedence', () => {
    expect(keys('event.a == 1 or event.b == 2')).toEqual([]);
    // (a and b) or c: nothing is necessary
    expect(keys('event.a == 1 and event.b == 2 or event.c == 3')).toEqual([]);
    // (a or b) and c: c is necessary
    expect(keys('event.a == 1 or event.b == 2 and event.c == 3')).toEqual([{ path: ['c'], value: 3 }]);
  });

  it('sees through not only where De Morgan yields an equality', () => {
    expect(keys('not (event.a != 1 or event.b)')).toEqual([{ path: ['a'], value: 1 }]);
    expect(keys('not event.a == 1')).toEqual([]);
    expect(keys('not (event.a == 1 and event.b == 2)')).toEqual([]);
  });

  it('keeps the alias-free expression of an << condition', () => {
    expect(keys('events.first << event.i == 0')).toEqual([{ path: ['i'], value: 0 }]);
  });
});

describe('indexKeyOf', () => {
  it('normalises values so that lookups find exactly the keys they satisfy', () => {
    expect(indexKeyOf(3.0)).toBe(3);
    expect(indexKeyOf(5n)).toBe(5);
    expect(indexKeyOf(9007199254740993n)).toBeUndefined();
    expect(indexKeyOf(1e20)).toBeUndefined();
    expect(indexKeyOf(undefined)).toBeUndefined();
    expect(indexKeyOf([1])).toBeUndefined();
    expect(indexKeyOf(null)).toBeNull();
    expect(indexKeyOf('x')).toBe('x');
  });
});
