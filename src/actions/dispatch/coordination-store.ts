/**
 * @module What every process running actions must agree on, behind one interface: start and
 * finish markers (so a remediation runs at most once per match, even across crashes and races),
 * per-target locks (one remediation at a time per host), and run counts per target (the
 * circuit breaker). Memory implementation for the embedded default, Redis for several processes.
 */

/** What `begin` found for an action attempt. */
export const BeginResult = {
  /** Nobody started it: the caller now owns the run. */
  Started: 'started',
  /** Started earlier and never finished: the earlier run died mid-way (crash, kill -9). */
  Interrupted: 'interrupted',
  /** Already finished (a duplicate delivery): nothing to do. */
  Finished: 'finished',
} as const;
export type BeginResult = (typeof BeginResult)[keyof typeof BeginResult];

export interface CoordinationStore {
  /**
   * Atomically claims attempt `attempt` of action `key` for `owner`. Writes the start marker
   * before the action runs: a marker without a finish is how a crash is recognised.
   */
  begin(key: string, attempt: number, owner: string): Promise<BeginResult>;
  /** Marks attempt `attempt` of `key` finished (whatever its status). */
  finish(key: string, attempt: number): Promise<void>;
  /** Marks the whole action done: later deliveries of any attempt are duplicates. */
  complete(key: string): Promise<void>;
  /** Whether `complete(key)` was called (by any process): the action ended, whatever its status. */
  isComplete(key: string): Promise<boolean>;
  /** Takes lock `name` for `owner` for `ttlMs` unless someone else holds it. */
  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lock `owner` holds; false when it was lost. */
  renewLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases a lock only if `owner` still holds it. */
  releaseLock(name: string, owner: string): Promise<void>;
  /** Records a run of `target` at `now` and returns how many runs fall within the last `windowMs`. */
  countRun(target: string, now: number, windowMs: number, record: boolean): Promise<number>;
  close(): Promise<void>;
}
