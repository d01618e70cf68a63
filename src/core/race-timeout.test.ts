import { describe, expect, it } from 'vitest';
import { raceTimeout } from './race-timeout.js';

const never = new Promise<void>(() => undefined);

describe('raceTimeout', () => {
  it('is true for work that settles in time, rejected work included', async () => {
    expect(await raceTimeout(Promise.resolve(), 1_000)).toBe(true);
    expect(await raceTimeout(Promise.reject(new Error('failed')), 1_000)).toBe(true);
  });

  it('is false for work still going at the bound; with 0, settled work still counts', async () => {
    expect(await raceTimeout(never, 5)).toBe(false);
    expect(await raceTimeout(Promise.resolve(), 0)).toBe(true);
    expect(await raceTimeout(never, 0)).toBe(false);
  });

  it('is false as soon as the signal aborts, or when it already has', async () => {
    const abort = new AbortController();
    const raced = raceTimeout(never, 60_000, abort.signal);
    abort.abort();
    expect(await raced).toBe(false);
    expect(await raceTimeout(Promise.resolve(), 60_000, abort.signal)).toBe(false);
  });
});
