import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './reconnect-delay.js';

const policy = { minMs: 1000, maxMs: 30_000 };

describe('reconnectDelay', () => {
  it('waits exactly the minimum before the first retry, whatever the jitter', () => {
    expect(reconnectDelay(1, policy, () => 0)).toBe(1000);
    expect(reconnectDelay(1, policy, () => 0.999)).toBe(1000);
  });

  it('doubles the jitter window on each failure, never below the minimum', () => {
    expect([2, 3, 4, 5].map((n) => reconnectDelay(n, policy, () => 0.999_999))).toEqual([2000, 4000, 8000, 16_000]);
    expect([2, 3, 4, 5].map((n) => reconnectDelay(n, policy, () => 0))).toEqual([1000, 1000, 1000, 1000]);
    expect(reconnectDelay(3, policy, () => 0.5)).toBe(2500);
  });

  it('is capped by the maximum, even after very many failures', () => {
    expect(reconnectDelay(6, policy, () => 0.999_999)).toBe(30_000);
    expect(reconnectDelay(10_000, policy, () => 0.999_999)).toBe(30_000);
    expect(Number.isFinite(reconnectDelay(Number.MAX_SAFE_INTEGER, policy, () => 0.5))).toBe(true);
  });
});
