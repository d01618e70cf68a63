/**
 * @module The consumer loop both queues share: hands a run of events (a job's, or what waits in
 * the memory queue) to the consumer, in order, with retries in place. A batch consumer gets the
 * whole rest of the run at once; when a batch fails for a reason other than an outage, the loop
 * falls back to one event at a time for the rest of the run, so a poison event is retried alone
 * and given up alone while its neighbours are still evaluated.
 */
import type { EventConsumer, QueuedEvent } from './event-queue.js';
import { failedEventRecord, HandleOutcome, retryInPlace, type FailedEvent, type RetryPolicy, type Sleep } from './handle-with-retries.js';
import type { QueueLogger } from './queue-logger.js';

export interface InOrderRequest {
  readonly consumer: EventConsumer;
  readonly ruleset: string;
  readonly events: readonly QueuedEvent[];
  /** Index of the first event still to handle (a taken-over job resumes where it stopped). */
  readonly start: number;
  readonly policy: RetryPolicy;
  readonly sleep: Sleep;
  readonly signal: AbortSignal;
  readonly logger: QueueLogger;
  readonly logFields?: Readonly<Record<string, unknown>>;
  /**
   * Called after a handler call when events remain: `done` events are handled, `failed` lists
   * those given up so far. The Redis queue records it in the job, so a consumer that takes the
   * job over after a crash resumes there.
   */
  readonly onProgress?: (done: number, failed: readonly FailedEvent[]) => Promise<void>;
}

export interface InOrderResult {
  /** `done`: every event was handled or given up; `aborted`: shutdown came first. */
  readonly outcome: typeof HandleOutcome.Done | typeof HandleOutcome.Aborted;
  /** Events handled or given up, from the first (equal to `events.length` when `done`). */
  readonly done: number;
  /** Events given up after every attempt (including those `start` skipped, when passed in). */
  readonly failed: readonly FailedEvent[];
}

/** Handles `events[start..]` in order. Throws only what `onProgress` throws. */
export async function handleInOrder(req: InOrderRequest, failedBefore: readonly FailedEvent[] = []): Promise<InOrderResult> {
  const { consumer, ruleset, events, signal } = req;
  const failed = [...failedBefore];
  const handle: (run: readonly QueuedEvent[]) => Promise<number> =
    typeof consumer === 'function'
      ? async (run) => {
          await consumer(ruleset, run[0] as QueuedEvent);
          return 1;
        }
      : (run) => consumer.batch(ruleset, run);
  // One by one: always for a per-event consumer; for a batch consumer after a batch failed.
  let oneByOne = typeof consumer === 'function';
  let i = req.start;
  while (i < events.length) {
    if (signal.aborted) return { outcome: HandleOutcome.Aborted, done: i, failed };
    const first = events[i] as QueuedEvent;
    const run = oneByOne ? [first] : events.slice(i);
    const result = await retryInPlace({
      attempt: () => handle(run),
      // A whole batch gets one try for a poison failure (outages still retry without limit):
      // the retries with backoff then go to the event that fails, alone.
      policy: oneByOne ? req.policy : { ...req.policy, attempts: 1 },
      sleep: req.sleep,
      signal,
      logger: req.logger,
      logFields: { ...req.logFields, ruleset, eventId: first.id, source: first.source, ...(run.length > 1 ? { events: run.length } : {}) },
      logGiveUp: oneByOne,
    });
    if (result.outcome === HandleOutcome.Aborted) return { outcome: HandleOutcome.Aborted, done: i, failed };
    if (result.outcome === HandleOutcome.Failed) {
      if (!oneByOne) {
        req.logger.warn({ ...req.logFields, ruleset, eventId: first.id, events: run.length, err: result.error }, 'event batch failed; handling its events one at a time');
        oneByOne = true;
        continue;
      }
      failed.push(failedEventRecord(ruleset, first, result));
      i += 1;
    } else {
      // A consumer that says it did none (or more than it got) is taken as having done one / all.
      const count = Math.min(run.length, Math.max(1, Math.floor(Number(result.value) || 0)));
      i += count;
    }
    if (i < events.length && req.onProgress !== undefined) await req.onProgress(i, failed);
  }
  return { outcome: HandleOutcome.Done, done: i, failed };
}
