import { describe, expect, it } from 'vitest';
import { formatExp, formatFixed, formatGeneral, pyFloatRepr, pyRoundFloat } from './python-float.js';

// Expected strings are what CPython 3.11 prints for the same values.
describe('pyFloatRepr', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789, '123456789.0'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-1.5, '-1.5'],
    [2 ** 53, '9007199254740992.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e22, '1e+22'],
    [12345678901234567, '1.2345678901234568e+16'],
    [-0, '-0.0'],
    [0, '0.0'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ])('repr(%s) is %s', (x, expected) => {
    expect(pyFloatRepr(x)).toBe(expected);
  });
});

describe('correctly rounded formatting (half to even on the exact binary value)', () => {
  it('rounds exact ties to even where JS toFixed rounds up', () => {
    expect(formatFixed(0.125, 2)).toBe('0.12'); // '%.2f' % 0.125
    expect((0.125).toFixed(2)).toBe('0.13'); // what JS alone would give
    expect(formatFixed(0.5, 0)).toBe('0');
    expect(formatFixed(1.5, 0)).toBe('2');
    expect(formatFixed(2.675, 2)).toBe('2.67'); // 2.675 is really 2.67499999…
  });

  it('formats fixed, exponent and general forms like printf', () => {
    expect(formatFixed(3.14159, 2)).toBe('3.14');
    expect(formatFixed(1e22, 1)).toBe('10000000000000000000000.0');
    expect(formatFixed(0.0001, 2)).toBe('0.00');
    expect(formatExp(12345.678, 6)).toBe('1.234568e+04');
    expect(formatExp(0, 2)).toBe('0.00e+00');
    expect(formatGeneral(0.00001234, 6)).toBe('1.234e-05');
    expect(formatGeneral(123456789, 6)).toBe('1.23457e+08');
    expect(formatGeneral(0.0001, 6)).toBe('0.0001');
    expect(formatGeneral(1, 6, false, true)).toBe('1.00000');
    expect(formatGeneral(1, 3)).toBe('1');
  });

  it('rounds like Python round(x, n)', () => {
    expect(pyRoundFloat(2.5, 0)).toBe(2);
    expect(pyRoundFloat(3.5, 0)).toBe(4);
    expect(pyRoundFloat(2.675, 2)).toBe(2.67);
    expect(pyRoundFloat(1250, -2)).toBe(1200);
    expect(Object.is(pyRoundFloat(-0.4, 0), -0)).toBe(true);
  });
});
