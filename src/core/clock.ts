/**
 * @module Time is injected: logic never calls `Date.now()` itself, so the dry-run can replay a
 * stream in virtual time and tests can move time by hand.
 */

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for replays and tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` (never backwards). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`cannot move a clock backwards (${ms} ms)`);
    this.current += ms;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`cannot move a clock backwards to ${ms}`);
    this.current = ms;
  }
}
