/**
 * @module The embedded queue: the same semantics as the Redis queue (per-ruleset FIFO, one
 * handler call at a time per ruleset, retries with backoff in place, dedup window per ruleset)
 * inside one process, without Redis. Not durable: queued events are lost when the process
 * stops. The default for a first run and for tests; the dedup window runs on the injected clock.
 */
import { AutohealError, ErrorCode, raceTimeout, systemClock, type Clock } from '../core/index.js';
import type { EnqueueBatch, EnqueueResult, EventConsumer, EventQueue, EventQueueStartInfo, QueuedEvent } from './event-queue.js';
import { mergeBatches, summarizeEnqueue } from './enqueue-plan.js';
import { handleInOrder } from './handle-in-order.js';
import { HandleOutcome, timerSleep, type FailedEvent, type Sleep } from './handle-with-retries.js';
import { resolveMemoryEventQueueOptions, type MemoryEventQueueOptions, type ResolvedMemoryEventQueueOptions } from './memory-event-queue-options.js';
import { createStderrQueueLogger, type QueueLogger } from './queue-logger.js';

/** The warning `start()` reports: what an operator must know about this queue. */
export const NOT_DURABLE_WARNING = 'the event queue is in memory: queued events are lost when the process stops (set a Redis URL for a durable queue)';

/** Most events handed to a batch consumer in one call. */
const MAX_BATCH = 256;

export interface MemoryEventQueueDeps {
  /** Time for the dedup window. Default: the system clock. */
  readonly clock?: Clock;
  /** Default: JSON lines on stderr. */
  readonly logger?: QueueLogger;
  /** Backoff waits between handler attempts. Default: real timers. */
  readonly sleep?: Sleep;
}

const State = { New: 'new', Started: 'started', Closing: 'closing', Closed: 'closed' } as const;
type State = (typeof State)[keyof typeof State];

/** An array queue with O(1) shift (head index, compacted now and then). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(...values: T[]): void {
    this.items.push(...values);
  }

  shift(): T | undefined {
    const v = this.items[this.head];
    if (v === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Removes and returns up to `n` values from the head. */
  take(n: number): T[] {
    const out = this.items.slice(this.head, this.head + n);
    for (let i = 0; i < out.length; i++) this.shift();
    return out;
  }

  /** Puts `values` back at the head, in their order. */
  unshiftAll(values: readonly T[]): void {
    for (let i = values.length - 1; i >= 0; i--) {
      if (this.head > 0) this.items[--this.head] = values[i] as T;
      else this.items.unshift(values[i] as T);
    }
  }
}

interface Lane {
  readonly events: Fifo<QueuedEvent>;
  readonly failed: FailedEvent[];
  loop?: Promise<void>;
  wake?: () => void;
}

export class MemoryEventQueue implements EventQueue {
  readonly durable = false;
  readonly options: Readonly<ResolvedMemoryEventQueueOptions>;
  private readonly clock: Clock;
  private readonly logger: QueueLogger;
  private readonly sleep: Sleep;
  private state: State = State.New;
  private readonly lanes = new Map<string, Lane>();
  /** `ruleset \0 dedupKey` → expiry (clock ms). Insertion order is expiry order. */
  private readonly dedup = new Map<string, number>();
  private readonly shutdown = new AbortController();

  /** @throws AutohealError `AH_QUEUE_CONFIG_INVALID` for bad options. */
  constructor(options: MemoryEventQueueOptions = {}, deps: MemoryEventQueueDeps = {}) {
    this.options = resolveMemoryEventQueueOptions(options);
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? createStderrQueueLogger();
    this.sleep = deps.sleep ?? timerSleep;
  }

  /** Makes the queue usable. Resolves `{durable: false}` and the not-durable warning (not logged here). */
  async start(): Promise<EventQueueStartInfo> {
    if (this.state !== State.New && this.state !== State.Started) throw this.unavailable();
    this.state = State.Started;
    return { durable: false, warnings: [NOT_DURABLE_WARNING] };
  }

  /**
   * Queues the new events of every batch, or none of them (all checks run before anything is
   * stored). Events whose dedup key was seen for the same ruleset within the window, or earlier
   * in this call, are reported as duplicates.
   * @throws AutohealError `AH_QUEUE_UNAVAILABLE` (retryable) when not started, closing, or when
   *   a ruleset's backlog would exceed `maxQueuedEvents`.
   */
  async enqueue(batches: readonly EnqueueBatch[]): Promise<EnqueueResult> {
    if (this.state !== State.Started) throw this.unavailable();
    const now = this.clock.now();
    this.pruneDedup(now);
    const verdicts: Array<{ id: string; queued: boolean }> = [];
    const plans = mergeBatches(batches).map(({ ruleset, events }) => {
      const fresh: QueuedEvent[] = [];
      const markers: string[] = [];
      const inCall = new Set<string>();
      for (const event of events) {
        let isNew = true;
        if (event.dedupKey !== undefined) {
          const marker = `${ruleset}\u0000${event.dedupKey}`;
          const expiresAt = this.dedup.get(marker);
          isNew = !inCall.has(marker) && (expiresAt === undefined || expiresAt <= now);
          if (isNew) {
            inCall.add(marker);
            markers.push(marker);
          }
        }
        if (isNew) fresh.push(event);
        verdicts.push({ id: event.id, queued: isNew });
      }
      const depth = this.lanes.get(ruleset)?.events.size ?? 0;
      if (depth + fresh.length > this.options.maxQueuedEvents) {
        throw new AutohealError(ErrorCode.QueueUnavailable, `the in-memory queue of ruleset ${JSON.stringify(ruleset)} is full`, {
          retryable: true,
          details: { ruleset, depth, maxQueuedEvents: this.options.maxQueuedEvents },
        });
      }
      return { ruleset, fresh, markers };
    });
    for (const { ruleset, fresh, markers } of plans) {
      for (const marker of markers) this.remember(marker, now + this.options.dedupWindowMs);
      if (fresh.length === 0) continue;
      const lane = this.lane(ruleset);
      lane.events.push(...fresh);
      lane.wake?.();
    }
    return summarizeEnqueue(verdicts);
  }

  /**
   * Starts one loop per ruleset that hands its events to `consumer` in order (one at a time,
   * or what is waiting, up to 256, to a batch consumer).
   * Events queued before `consume` are handled too.
   * @throws Error when a ruleset is already being consumed by this queue.
   */
  async consume(rulesets: readonly string[], consumer: EventConsumer): Promise<void> {
    if (this.state !== State.Started) throw this.unavailable();
    const unique = [...new Set(rulesets)];
    for (const ruleset of unique) {
      if (this.lanes.get(ruleset)?.loop) throw new Error(`ruleset ${JSON.stringify(ruleset)} is already being consumed`);
    }
    for (const ruleset of unique) {
      const lane = this.lane(ruleset);
      lane.loop = this.run(ruleset, lane, consumer);
    }
  }

  /** Events waiting for the ruleset (not counting those being handled). */
  async depth(ruleset: string): Promise<number> {
    return this.lanes.get(ruleset)?.events.size ?? 0;
  }

  /** Events of the ruleset given up after every attempt failed, oldest first (at most `maxFailedKept`). */
  failed(ruleset: string): readonly FailedEvent[] {
    return [...(this.lanes.get(ruleset)?.failed ?? [])];
  }

  /**
   * Stops the loops: no new handler call starts, backoff waits end, the call in progress is
   * awaited for at most `closeTimeoutMs`. Events still queued are dropped (and counted in a
   * warning). Idempotent.
   */
  async close(): Promise<void> {
    if (this.state === State.Closed || this.state === State.Closing) return;
    this.state = State.Closing;
    this.shutdown.abort(new Error('event queue closing'));
    for (const lane of this.lanes.values()) lane.wake?.();
    const loops = [...this.lanes.values()].flatMap((l) => (l.loop ? [l.loop] : []));
    const finished = await raceTimeout(Promise.all(loops), this.options.closeTimeoutMs);
    if (!finished) this.logger.warn({ closeTimeoutMs: this.options.closeTimeoutMs }, 'event handler still running at close; not waiting longer');
    const dropped = [...this.lanes].filter(([, l]) => l.events.size > 0).map(([ruleset, l]) => ({ ruleset, events: l.events.size }));
    if (dropped.length > 0) this.logger.warn({ dropped }, 'in-memory events dropped at close');
    this.state = State.Closed;
  }

  private async run(ruleset: string, lane: Lane, consumer: EventConsumer): Promise<void> {
    const signal = this.shutdown.signal;
    while (!signal.aborted) {
      if (lane.events.size === 0) {
        await new Promise<void>((resolve) => {
          lane.wake = resolve;
        });
        lane.wake = undefined;
        continue;
      }
      // What waits now, up to a bound, goes to a batch consumer in one call.
      const run = lane.events.take(typeof consumer === 'function' ? 1 : MAX_BATCH);
      const result = await handleInOrder({ consumer, ruleset, events: run, start: 0, policy: this.options, sleep: this.sleep, signal, logger: this.logger });
      for (const record of result.failed) this.recordFailure(lane, record);
      if (result.outcome === HandleOutcome.Aborted) {
        lane.events.unshiftAll(run.slice(result.done));
        return;
      }
      // A backlog must not starve HTTP and timers.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private recordFailure(lane: Lane, record: FailedEvent): void {
    if (this.options.maxFailedKept === 0) return;
    lane.failed.push(record);
    if (lane.failed.length > this.options.maxFailedKept) lane.failed.shift();
  }

  private lane(ruleset: string): Lane {
    let lane = this.lanes.get(ruleset);
    if (!lane) {
      lane = { events: new Fifo<QueuedEvent>(), failed: [] };
      this.lanes.set(ruleset, lane);
    }
    return lane;
  }

  private remember(marker: string, expiresAt: number): void {
    // Re-inserting moves the key to the end, keeping insertion order = expiry order.
    this.dedup.delete(marker);
    this.dedup.set(marker, expiresAt);
    if (this.dedup.size > this.options.maxDedupEntries) {
      const oldest = this.dedup.keys().next();
      if (!oldest.done) this.dedup.delete(oldest.value);
    }
  }

  private pruneDedup(now: number): void {
    for (const [marker, expiresAt] of this.dedup) {
      if (expiresAt > now) return;
      this.dedup.delete(marker);
    }
  }

  private unavailable(): AutohealError {
    const why = this.state === State.New ? 'not started' : 'closed';
    return new AutohealError(ErrorCode.QueueUnavailable, `the in-memory event queue is ${why}`, { retryable: true, details: { state: this.state } });
  }
}
