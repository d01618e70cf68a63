import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from './state-codec.js';

describe('state codec', () => {
  it('round-trips big integers exactly', () => {
    const value = { n: 123456789012345678901234567890n, list: [1, -99999999999999999999n], s: 'x' };
    expect(decodeState(encodeState(value))).toEqual(value);
  });
});
