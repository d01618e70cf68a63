/**
 * @module The contract of sources that produce events themselves (range, generic, the Icinga 2
 * event stream), as opposed to webhooks, which the HTTP layer drives. The caller wires `emit`
 * to the queue and watches `done`: upstream shuts the whole rulebook down when any source ends
 * or fails (rulebook-language.md §4.1), so a finished range/generic must be reported.
 *
 * Also here, because every such source needs them: injected timers (so tests and dry runs move
 * time by hand), a pino-compatible logger subset, and the argument reader that turns a plugin's
 * `unknown` rulebook arguments into checked values with one precise `AH_SOURCE_CONFIG_INVALID`.
 */
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { AutohealError, ErrorCode, type ManualClock } from '../core/index.js';
import { findNonJson, isPlainObject, type JsonObject } from './json-value.js';

/**
 * One event a plugin source produced. `dedupKey` is set when the sender has a natural identity
 * for the event (Icinga); range and generic events have none, since re-running a rulebook must
 * not drop them as repeats. A `KeyedEvent` is a PluginEvent.
 */
export interface PluginEvent {
  readonly event: JsonObject;
  readonly dedupKey?: string;
}

/**
 * Hands events to the queue. Resolves only once they are safely queued (durably, for a durable
 * queue); rejects when they could not be. A source calls it with one batch at a time and waits,
 * which is the back-pressure: nothing is produced while the queue is slow.
 */
export type EmitEvents = (events: readonly PluginEvent[]) => Promise<void>;

export const SourceEndKind = {
  /** The source ran out of events by itself (range, generic): upstream shuts the rulebook down. */
  Finished: 'finished',
  /** `close()` was called. */
  Closed: 'closed',
  /** The source failed; upstream logs "Source error" and exits with 1. */
  Failed: 'failed',
} as const;
export type SourceEndKind = (typeof SourceEndKind)[keyof typeof SourceEndKind];

export type SourceEnd =
  | { readonly kind: typeof SourceEndKind.Finished }
  | { readonly kind: typeof SourceEndKind.Closed }
  | { readonly kind: typeof SourceEndKind.Failed; readonly error: AutohealError };

export interface PluginSource {
  /**
   * Starts producing events into `emit`. Resolves once the source runs (not when it ends);
   * rejects with an AutohealError when it cannot start (a missing env var or payload file, an
   * unreadable CA file). Call it once.
   */
  start(emit: EmitEvents): Promise<void>;
  /**
   * Settles exactly once, when the source has stopped for good: finished by itself, closed, or
   * failed. Never rejects, so an unobserved source cannot crash the process.
   */
  readonly done: Promise<SourceEnd>;
  /**
   * Stops producing (aborting sleeps and open connections) and resolves when the source has
   * stopped and will not call `emit` again. Idempotent; callable before `start()`.
   */
  close(): Promise<void>;
}

/** The pino methods sources use: fields first, then a constant message. */
export interface SourceLogger {
  debug(fields: Readonly<Record<string, unknown>>, message: string): void;
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

export const silentSourceLogger: SourceLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Waiting, injected so tests and virtual-time replays control it. */
export interface Timers {
  /**
   * Resolves after `ms` milliseconds (`ms <= 0`: soon, without blocking the event loop for
   * real timers). Rejects with an AbortError once `signal` aborts (at once if it already has).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** setTimeout's largest delay; longer ones would fire at once, so they are waited in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Real timers. A zero delay still yields to I/O, so an endless zero-delay loop cannot starve it. */
export const systemTimers: Timers = {
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) {
      await nextTurn(undefined, { signal });
      return;
    }
    let left = ms;
    while (left > 0) {
      const step = Math.min(left, MAX_TIMER_MS);
      await delay(step, undefined, { signal });
      left -= step;
    }
  },
};

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

interface PendingSleep {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * Timers that fire only when `advance()` moves the manual clock past them, for pure tests and
 * dry runs. `sleep(0)` resolves at once (a microtask).
 */
export class ManualTimers implements Timers {
  private readonly pendingSleeps: PendingSleep[] = [];
  private seq = 0;

  constructor(readonly clock: ManualClock) {}

  /** Sleeps not yet fired. */
  get pending(): number {
    return this.pendingSleeps.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortError(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry: PendingSleep = {
        due: this.clock.now() + ms,
        seq: (this.seq += 1),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.pendingSleeps.indexOf(entry);
        if (i >= 0) this.pendingSleeps.splice(i, 1);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pendingSleeps.push(entry);
    });
  }

  /**
   * Moves the clock forward by `ms`, firing due sleeps in order at their due time; after each,
   * lets the woken code run until it waits again (on a timer or on I/O).
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await nextTurn();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > target) break;
      await this.fire(next);
    }
    this.clock.set(target);
  }

  /**
   * Fires pending sleeps one after the other (moving the clock to each) until none is left, at
   * most `maxSteps` times. Returns how many fired; an endless source keeps some pending.
   */
  async runAll(maxSteps = 10_000): Promise<number> {
    await nextTurn();
    let fired = 0;
    while (fired < maxSteps) {
      const next = this.earliest();
      if (next === undefined) break;
      await this.fire(next);
      fired += 1;
    }
    return fired;
  }

  private earliest(): PendingSleep | undefined {
    let best: PendingSleep | undefined;
    for (const s of this.pendingSleeps) {
      if (best === undefined || s.due < best.due || (s.due === best.due && s.seq < best.seq)) best = s;
    }
    return best;
  }

  private async fire(entry: PendingSleep): Promise<void> {
    this.pendingSleeps.splice(this.pendingSleeps.indexOf(entry), 1);
    if (entry.due > this.clock.now()) this.clock.set(entry.due);
    entry.resolve();
    // A macrotask turn runs every microtask the wake-up queued, so the woken code reaches its
    // next await before the next timer is looked at.
    await nextTurn();
  }
}

/** What a task-shaped source does; see `taskSource`. */
export interface SourceTask {
  /** Checks done before `start()` resolves (env vars, files); throws AutohealError to refuse. */
  prepare?(): Promise<void>;
  /** Produces events until done. Must return (or throw) soon after `signal` aborts. */
  run(emit: EmitEvents, signal: AbortSignal): Promise<void>;
}

/**
 * A PluginSource around a task: `start()` runs `prepare` then `run` in the background; `done`
 * reports how `run` ended. An error thrown after `close()` counts as closed, and a non-Autoheal
 * error (a bug, or an `emit` rejecting with something else) becomes `AH_SOURCE_FAILED`.
 */
export function taskSource(task: SourceTask): PluginSource {
  const controller = new AbortController();
  let settle!: (end: SourceEnd) => void;
  const done = new Promise<SourceEnd>((resolve) => {
    settle = resolve;
  });
  let started = false;
  let running: Promise<void> | undefined;

  return {
    done,
    async start(emit: EmitEvents): Promise<void> {
      if (started) throw new Error('plugin source started twice');
      started = true;
      if (controller.signal.aborted) return;
      if (task.prepare !== undefined) {
        try {
          await task.prepare();
        } catch (err: unknown) {
          settle({ kind: SourceEndKind.Failed, error: asSourceError(err) });
          throw err;
        }
        // close() during prepare already reported the source closed.
        if (controller.signal.aborted) return;
      }
      running = task.run(emit, controller.signal).then(
        () => settle({ kind: controller.signal.aborted ? SourceEndKind.Closed : SourceEndKind.Finished }),
        (err: unknown) =>
          settle(controller.signal.aborted ? { kind: SourceEndKind.Closed } : { kind: SourceEndKind.Failed, error: asSourceError(err) }),
      );
    },
    async close(): Promise<void> {
      controller.abort();
      if (running === undefined) settle({ kind: SourceEndKind.Closed });
      else await running;
    },
  };
}

/** `err` as an AutohealError, wrapping anything else in `AH_SOURCE_FAILED`. */
export function asSourceError(err: unknown): AutohealError {
  if (err instanceof AutohealError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AutohealError(ErrorCode.SourceFailed, `source plugin failed: ${message}`, { cause: err });
}

/** Seconds (as rulebooks write delays) to whole milliseconds. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const NUMBER_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * Reads a plugin's arguments (a mapping from the rulebook, unchecked), collecting every problem
 * so `finish()` throws one `AH_SOURCE_CONFIG_INVALID` naming them all. Numbers may also be given
 * as numeric strings, as upstream's `int(args["limit"])` accepts `"5"`. Each read marks the key
 * as known; `finish()` also rejects the keys nobody read (a typo such as `loop_cont` would
 * otherwise be silently ignored, as upstream does).
 */
export class PluginArgs {
  private readonly args: Readonly<Record<string, unknown>>;
  private readonly known = new Set<string>();
  private readonly problems: string[] = [];

  /**
   * @param plugin names the plugin in messages (`eda.builtin.generic`).
   * @param secretKeys keys whose values never appear in messages (passwords), only their type.
   */
  constructor(
    private readonly plugin: string,
    args: unknown,
    private readonly secretKeys: ReadonlySet<string> = new Set(),
  ) {
    if (args === null || args === undefined) {
      this.args = {};
    } else if (isPlainObject(args)) {
      this.args = args;
    } else {
      this.args = {};
      this.problems.push('arguments must be a mapping');
    }
  }

  /** True when the key is given (and not null). */
  has(key: string): boolean {
    this.known.add(key);
    return this.args[key] !== undefined && this.args[key] !== null;
  }

  /** The raw value, marking the key as known. */
  raw(key: string): unknown {
    this.known.add(key);
    return this.args[key];
  }

  /** Records a problem about `key` (for checks that span several keys). */
  problem(key: string, message: string): void {
    this.problems.push(`${key}: ${message}`);
  }

  /** An integer (or integer string) within bounds; `fallback` when absent or null. */
  integer(key: string, fallback: number, bounds?: { min?: number; max?: number }): number;
  integer(key: string, fallback: undefined, bounds?: { min?: number; max?: number }): number | undefined;
  integer(key: string, fallback: number | undefined, bounds: { min?: number; max?: number } = {}): number | undefined {
    if (!this.has(key)) return fallback;
    const v = this.args[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && INTEGER_TEXT.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      this.problem(key, `must be an integer, got ${this.describe(key, v)}`);
      return fallback;
    }
    return this.bounded(key, n, bounds) ? n : fallback;
  }

  /** A finite number (or numeric string) within bounds; `fallback` when absent or null. */
  number(key: string, fallback: number, bounds: { min?: number; max?: number } = {}): number {
    if (!this.has(key)) return fallback;
    const v = this.args[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER_TEXT.test(v) ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) {
      this.problem(key, `must be a number, got ${this.describe(key, v)}`);
      return fallback;
    }
    return this.bounded(key, n, bounds) ? n : fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const v = this.args[key];
    if (typeof v !== 'boolean') {
      this.problem(key, `must be true or false, got ${this.describe(key, v)}`);
      return fallback;
    }
    return v;
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback: undefined): string | undefined;
  string(key: string, fallback: string | undefined): string | undefined {
    if (!this.has(key)) return fallback;
    const v = this.args[key];
    if (typeof v !== 'string') {
      this.problem(key, `must be a string, got ${this.describe(key, v)}`);
      return fallback;
    }
    return v;
  }

  /** A string that must not be empty or blank. */
  nonEmptyString(key: string): string | undefined {
    const v = this.string(key, undefined);
    if (v !== undefined && v.trim() === '') {
      this.problem(key, 'must not be empty');
      return undefined;
    }
    return v;
  }

  /** One of `choices`. */
  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const v = this.string(key, fallback);
    if ((choices as readonly string[]).includes(v)) return v as T;
    this.problem(key, `must be one of ${choices.join(', ')}, got ${this.describe(key, v)}`);
    return fallback;
  }

  /** A list of strings (a single string is not accepted: it is usually a mistake). */
  stringList(key: string): readonly string[] | undefined {
    if (!this.has(key)) return undefined;
    const v = this.args[key];
    if (!Array.isArray(v) || !v.every((s: unknown) => typeof s === 'string')) {
      this.problem(key, `must be a list of strings, got ${this.describe(key, v)}`);
      return undefined;
    }
    return v as readonly string[];
  }

  /** A JSON mapping (null when absent). */
  mapping(key: string): JsonObject | undefined {
    if (!this.has(key)) return undefined;
    const v = this.args[key];
    if (!isPlainObject(v)) {
      this.problem(key, `must be a mapping, got ${this.describe(key, v)}`);
      return undefined;
    }
    const bad = findNonJson(v, key);
    if (bad !== undefined) {
      this.problem(bad, 'is not JSON data');
      return undefined;
    }
    return v as JsonObject;
  }

  /** Throws the collected problems, unknown keys included, as one AH_SOURCE_CONFIG_INVALID. */
  finish(): void {
    const unknown = Object.keys(this.args).filter((k) => !this.known.has(k));
    for (const k of unknown) {
      this.problems.push(`${k}: unknown argument (accepted: ${[...this.known].sort().join(', ')})`);
    }
    if (this.problems.length > 0) {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `${this.plugin}: invalid arguments: ${this.problems.join('; ')}`, {
        details: { plugin: this.plugin, problems: [...this.problems] },
      });
    }
  }

  private describe(key: string, v: unknown): string {
    return this.secretKeys.has(key) ? typeName(v) : describe(v);
  }

  private bounded(key: string, n: number, { min, max }: { min?: number; max?: number }): boolean {
    if (min !== undefined && n < min) {
      this.problem(key, `must be at least ${min}, got ${n}`);
      return false;
    }
    if (max !== undefined && n > max) {
      this.problem(key, `must be at most ${max}, got ${n}`);
      return false;
    }
    return true;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isPlainObject(v)) return 'a mapping';
  return `a ${typeof v}`;
}

/** A value's type (and, for short scalars, the value) for messages. Long strings are not quoted. */
function describe(v: unknown): string {
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : `a string of ${v.length} characters`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeName(v);
}
