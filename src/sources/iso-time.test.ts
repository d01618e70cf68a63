import { describe, expect, it } from 'vitest';
import { isoFromEpochMicros, isoFromEpochSeconds } from './iso-time.js';

describe('isoFromEpochMicros', () => {
  it('prints six fractional digits and Z', () => {
    expect(isoFromEpochMicros(1_795_303_977_289_000)).toBe('2026-11-21T23:32:57.289000Z');
    expect(isoFromEpochMicros(1_795_303_977_000_001)).toBe('2026-11-21T23:32:57.000001Z');
    expect(isoFromEpochMicros(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('handles times before the epoch', () => {
    expect(isoFromEpochMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('rounds float seconds to the microsecond', () => {
    expect(isoFromEpochSeconds(1795303984.874445)).toBe('2026-11-21T23:33:04.874445Z');
  });
});
