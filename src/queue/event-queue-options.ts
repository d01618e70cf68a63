/**
 * @module The options both queues share (dedup window, handler retries, shutdown bound) and
 * their resolver. Each queue's own options interface extends these; its resolver calls
 * `resolveBaseEventQueueOptions` and adds its own checks, so every default and unit is written
 * down once.
 */
import { AutohealError, ErrorCode } from '../core/index.js';

/** 24 hours: longer than Alertmanager's default `repeat_interval` (4 h) and a GitLab resend. */
export const DEFAULT_DEDUP_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

export interface BaseEventQueueOptions {
  /**
   * How long an event's `dedupKey` is remembered per ruleset, in milliseconds: a later event with
   * the same key within this window is reported as a duplicate and not queued. Should cover the
   * senders' resend cycles (shared/spec/wire-formats.md §1.2, §7).
   * @default 86_400_000 (24 h)
   */
  readonly dedupWindowMs?: number;
  /**
   * How many times the handler is called for one event before the event is given up (failed,
   * kept for inspection) and the ruleset moves on to the next event. 1 means no retry.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Wait before the first retry, in milliseconds; each further retry waits twice as long
   * (`backoffMs · 2^(n−1)` before retry n), capped by `maxBackoffMs`. The ruleset's later events
   * wait too: order is kept.
   * @default 1_000
   */
  readonly backoffMs?: number;
  /**
   * Longest wait between two attempts, in milliseconds.
   * @default 60_000
   */
  readonly maxBackoffMs?: number;
  /**
   * How long `close()` waits for the handler call in progress, in milliseconds, before it stops
   * waiting (the durable queue then leaves the event to be taken over by another consumer).
   * @default 10_000
   */
  readonly closeTimeoutMs?: number;
}

/** The shared options, validated and defaulted. */
export interface ResolvedBaseEventQueueOptions {
  readonly dedupWindowMs: number;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly closeTimeoutMs: number;
}

/** Collects option problems so a resolver reports all of them at once. */
export class OptionProblems {
  private readonly problems: string[] = [];

  constructor(private readonly component: string) {}

  /** A whole number ≥ `min` (ms, counts), or undefined for "use the default". */
  integer(name: string, value: number | undefined, min: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      this.problems.push(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(value) ?? String(value)}`);
      return fallback;
    }
    return value;
  }

  add(problem: string): void {
    this.problems.push(problem);
  }

  /** @throws AutohealError `AH_QUEUE_CONFIG_INVALID` listing every problem found. */
  throwIfAny(): void {
    if (this.problems.length === 0) return;
    throw new AutohealError(ErrorCode.QueueConfigInvalid, `invalid ${this.component} options: ${this.problems.join('; ')}`, {
      details: { problems: [...this.problems] },
    });
  }
}

/** Applies the shared defaults and checks, recording problems in `problems`. */
export function resolveBaseEventQueueOptions(options: BaseEventQueueOptions, problems: OptionProblems): ResolvedBaseEventQueueOptions {
  const dedupWindowMs = problems.integer('dedupWindowMs', options.dedupWindowMs, 1, DEFAULT_DEDUP_WINDOW_MS);
  const attempts = problems.integer('attempts', options.attempts, 1, DEFAULT_ATTEMPTS);
  const backoffMs = problems.integer('backoffMs', options.backoffMs, 0, DEFAULT_BACKOFF_MS);
  const maxBackoffMs = problems.integer('maxBackoffMs', options.maxBackoffMs, 0, Math.max(DEFAULT_MAX_BACKOFF_MS, backoffMs));
  const closeTimeoutMs = problems.integer('closeTimeoutMs', options.closeTimeoutMs, 0, DEFAULT_CLOSE_TIMEOUT_MS);
  if (maxBackoffMs < backoffMs) problems.add(`maxBackoffMs (${maxBackoffMs}) must not be less than backoffMs (${backoffMs})`);
  return { dedupWindowMs, attempts, backoffMs, maxBackoffMs, closeTimeoutMs };
}
