/**
 * @module Reconnect delays for the Icinga event stream: exponential growth with full jitter,
 * bounded. The jitter spreads a fleet of autoheal processes (each runs its own client) so a
 * restarted Icinga is not hit by all of them in the same instant; the floor of `minMs` keeps a
 * single client from spinning when `random()` happens to return 0.
 */

export interface ReconnectPolicy {
  /** First delay and lower bound of every delay, in ms (> 0). */
  readonly minMs: number;
  /** Upper bound of every delay, in ms (≥ minMs). */
  readonly maxMs: number;
}

/** The exponent at which `minMs · 2^n` exceeds any sane maximum; keeps the power finite. */
const MAX_DOUBLINGS = 40;

/**
 * The wait before retry number `attempt` (1 = the first retry after a failure): uniform in
 * `[minMs, ceiling]` where `ceiling = min(maxMs, minMs · 2^(attempt-1))`, so the first retry
 * waits exactly `minMs` and later ones spread over a window that doubles up to `maxMs`.
 * @param random uniform in [0, 1) (Math.random in production).
 */
export function reconnectDelay(attempt: number, policy: ReconnectPolicy, random: () => number): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), MAX_DOUBLINGS);
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** doublings);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(policy.minMs + r * (ceiling - policy.minMs));
}
