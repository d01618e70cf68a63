import { describe, expect, it } from 'vitest';
import { addValues, compareNumbers, compareValues, javaDoubleToString, javaToString, listContains, looseEqual, numbersEqual, subtractValues } from './compare-values.js';

describe('numbers', () => {
  it('compare exactly across number and bigint', () => {
    expect(numbersEqual(3, 3.0)).toBe(true);
    expect(numbersEqual(2n ** 64n, 2 ** 64)).toBe(true);
    expect(numbersEqual(2n ** 64n + 1n, 2 ** 64)).toBe(false);
    expect(numbersEqual(1n, 1.5)).toBe(false);
    expect(compareNumbers(2n ** 64n + 1n, 2 ** 64)).toBe(1);
    expect(compareNumbers(2 ** 64, 2n ** 64n + 1n)).toBe(-1);
    expect(compareNumbers(1n, 1.5)).toBe(-1);
    expect(compareNumbers(2n, 1.5)).toBe(1);
    expect(compareNumbers(-2n, -1.5)).toBe(-1);
    expect(compareNumbers(10n ** 400n, Infinity)).toBe(-1);
  });
});

describe('compareValues', () => {
  it('is false for incompatible types whatever the operator, and handles null like Java', () => {
    expect(compareValues('!=', 'a', 1)).toBe(false);
    expect(compareValues('!=', null, 1)).toBe(true);
    expect(compareValues('==', null, null)).toBe(true);
    expect(compareValues('>', null, 1)).toBe(false);
    expect(compareValues('==', { a: [1, 2] }, { a: [1, 2.0] })).toBe(true);
    expect(compareValues('<', [1], [2])).toBe(false);
  });
});

describe('membership', () => {
  it('degrades to equality when the container is not a list', () => {
    expect(listContains([1, null], null)).toBe(true);
    expect(listContains('abc', 'abc')).toBe(true);
    expect(listContains('abc', 'a')).toBe(false);
    expect(looseEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});

describe('arithmetic (Drools BinaryOperation)', () => {
  it('substitutes a missing or null operand', () => {
    expect(addValues(undefined, 1)).toBe(1);
    expect(subtractValues(undefined, 5)).toBe(5);
    expect(addValues(null, null)).toBe(0);
    expect(addValues(undefined, undefined)).toBeUndefined();
    expect(addValues(2, undefined)).toBe(2);
    expect(addValues(true, 1)).toBeUndefined();
    expect(subtractValues('a', 1)).toBeUndefined();
  });

  it('adds integers exactly and concatenates after a string', () => {
    expect(addValues(9007199254740991, 2)).toBe(9007199254740993n);
    expect(subtractValues(9007199254740993n, 2)).toBe(9007199254740991);
    expect(addValues(0.1, 0.2)).toBeCloseTo(0.3);
    expect(addValues('a', 5)).toBe('a5');
    expect(addValues('a', null)).toBe('a');
    expect(addValues('a', [1, 'b'])).toBe('a[1, b]');
  });
});

describe('javaToString', () => {
  it('prints like Java toString()', () => {
    expect(javaToString(true)).toBe('true');
    expect(javaToString(42)).toBe('42');
    expect(javaToString(3.14)).toBe('3.14');
    expect(javaToString(1e21)).toBe('1.0E21');
    expect(javaToString(12345678.9)).toBe('1.23456789E7');
    expect(javaToString(0.0001)).toBe('1.0E-4');
    expect(javaToString(20000000000000000000001n)).toBe('20000000000000000000001');
    expect(javaToString({ a: [1, 'x'], b: null })).toBe('{a=[1, x], b=null}');
    expect(javaDoubleToString(-0)).toBe('-0.0');
    expect(javaDoubleToString(100)).toBe('100.0');
  });
});
