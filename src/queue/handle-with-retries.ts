/**
 * @module Retries in place with exponential backoff, shared by both queues (through
 * handle-in-order.ts). Retries happen here, inside the one handler slot of the ruleset, rather
 * than by re-queueing the event (BullMQ's own `attempts` moves a failed job to `delayed` and
 * lets the next job run), because a ruleset's events must be evaluated in arrival order.
 */
import type { QueuedEvent } from './event-queue.js';
import { describeError, type QueueLogger } from './queue-logger.js';

/** Waits `ms` milliseconds; rejects as soon as `signal` aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The production `Sleep`: a timer that does not keep the process alive. */
export const timerSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** What became of one event. */
export const HandleOutcome = {
  /** The handler resolved. */
  Done: 'done',
  /** The handler failed on every attempt; the event is given up. */
  Failed: 'failed',
  /** Shutdown interrupted it before it succeeded: it must be handled again later. */
  Aborted: 'aborted',
} as const;
export type HandleOutcome = (typeof HandleOutcome)[keyof typeof HandleOutcome];

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Wait before retry number `retry` (1-based): `backoffMs · 2^(retry−1)`, at most `maxBackoffMs`. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1));
}

export interface RetryRequest<T> {
  /** One attempt; a rejection is retried (or, after the last attempt, reported as `failed`). */
  readonly attempt: () => Promise<T>;
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  /** Aborted on shutdown: no new attempt starts and a backoff wait ends at once. */
  readonly signal: AbortSignal;
  readonly logger: QueueLogger;
  /** Log fields that say what is being handled (ruleset, event id, job id…). */
  readonly logFields: Readonly<Record<string, unknown>>;
  /** Whether to log the final failure as an event given up (default true). */
  readonly logGiveUp?: boolean;
}

export interface HandleResult<T = void> {
  readonly outcome: HandleOutcome;
  /** Handler calls made. */
  readonly attempts: number;
  /** What the successful attempt resolved to (`done` only). */
  readonly value?: T;
  /** The last handler error, for `failed` (and `aborted` after a failure). */
  readonly error?: unknown;
}

/**
 * Calls `attempt` until it resolves, at most `policy.attempts` times, waiting `backoffDelay`
 * between calls. Never throws: an error becomes a retry or `failed`.
 */
export async function retryInPlace<T>(req: RetryRequest<T>): Promise<HandleResult<T>> {
  const { policy, signal, logger, logFields: fields } = req;
  let lastError: unknown;
  let calls = 0;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (signal.aborted) return { outcome: HandleOutcome.Aborted, attempts: calls, error: lastError };
    calls += 1;
    try {
      const value = await req.attempt();
      return { outcome: HandleOutcome.Done, attempts: calls, value };
    } catch (err) {
      lastError = err;
    }
    // An outage (Redis away: the error says it is retryable) is not the event's fault: it never
    // uses up the event's attempts, or an outage longer than the budget would drop acknowledged
    // events. Only other failures (a poison event) count.
    if (isRetryable(lastError)) attempt = Math.max(0, attempt - 1);
    if (attempt === policy.attempts) break;
    const delayMs = backoffDelay(policy, Math.max(1, Math.min(attempt, calls)));
    logger.warn({ ...fields, attempt, attempts: policy.attempts, delayMs, err: lastError }, 'event handler failed; will retry');
    try {
      await req.sleep(delayMs, signal);
    } catch {
      return { outcome: HandleOutcome.Aborted, attempts: attempt, error: lastError };
    }
  }
  if (req.logGiveUp !== false) logger.error({ ...fields, attempts: calls, err: lastError }, 'event handler failed; event given up');
  return { outcome: HandleOutcome.Failed, attempts: calls, error: lastError };
}

/** An error that says repeating may succeed (`retryable: true`, as AutohealError carries). */
function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true;
}

/** A failure record as both queues keep it for inspection. */
export interface FailedEvent {
  readonly ruleset: string;
  readonly eventId: string;
  readonly attempts: number;
  readonly error: { readonly name: string; readonly message: string; readonly code?: string };
}

export function failedEventRecord(ruleset: string, event: QueuedEvent, result: HandleResult<unknown>): FailedEvent {
  return { ruleset, eventId: event.id, attempts: result.attempts, error: describeError(result.error) };
}
