import { describe, expect, it } from 'vitest';
import { constantTimeEqual, constantTimeIncludes } from './constant-time-equal.js';

describe('constantTimeEqual', () => {
  it('compares values of any lengths without throwing', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'x'.repeat(10_000))).toBe(false);
    expect(constantTimeEqual(Buffer.from('é'), 'é')).toBe(true);
    expect(constantTimeIncludes('b', ['a', 'b', 'c'])).toBe(true);
    expect(constantTimeIncludes('d', ['a', 'b', 'c'])).toBe(false);
    expect(constantTimeIncludes('a', [])).toBe(false);
  });
});
