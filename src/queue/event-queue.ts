/**
 * @module The contract between intake and evaluation: events go onto a queue per ruleset and are
 * evaluated in arrival order (singly or in batches), in exactly one process at a time. Two
 * implementations: BullMQ on Redis (durable, shared by several `autoheal run` processes) and an
 * embedded in-memory queue (the default for a first run; not durable).
 */

/** One event as intake hands it over: already normalized, filtered and given its meta. */
export interface QueuedEvent {
  /** Unique id of this event (also its `meta.uuid`). */
  readonly id: string;
  /**
   * The sender's natural identity of this event (Alertmanager fingerprint+status+startsAt,
   * GitLab Idempotency-Key, …), prefixed with the source name. Events whose key was seen within
   * the dedup window are not queued again.
   */
  readonly dedupKey?: string;
  /** Name of the source entry that produced it (`meta.source.name`). */
  readonly source: string;
  /** The event as rules see it (JSON; integers beyond 2^53 as bigint). */
  readonly event: Readonly<Record<string, unknown>>;
  /** When intake accepted it (clock ms). */
  readonly receivedAt: number;
  /**
   * `fact`: assert it (`set_facts`, a `set_fact` from another ruleset); `retract`: `event` is
   * `{fact, partial}` to retract (a `retract_fact` from another ruleset); default an event.
   */
  readonly kind?: 'event' | 'fact' | 'retract';
}

/** The events of one request for one ruleset: queued all together or not at all. */
export interface EnqueueBatch {
  readonly ruleset: string;
  readonly events: readonly QueuedEvent[];
}

export interface EnqueueResult {
  /** Ids of the events now queued (new ones). */
  readonly queued: readonly string[];
  /** Ids of the events dropped as duplicates of an earlier one (same dedupKey within the window). */
  readonly duplicates: readonly string[];
}

/**
 * Called for each event of a ruleset, one at a time, in arrival order. When it resolves the event
 * is done; when it throws the event is retried later. It may run again for an event after a
 * crash (at-least-once), so it must be idempotent — the evaluator records the last event it
 * applied to a ruleset's memory.
 */
export type EventHandler = (ruleset: string, event: QueuedEvent) => Promise<void>;

/**
 * The faster way to consume: called with consecutive events of a ruleset (the rest of a job,
 * i.e. of a webhook's alerts), in order; resolves how many of them, from the first, are now
 * done (at least 1). It should commit them together — one write for the lot instead of one per
 * event. When it throws, none of them may count as done; the queue retries, and isolates a
 * poison event by handing the events over one at a time. Like `EventHandler`, it may be called
 * again with events it already did (after a crash) and must recognise them.
 */
export interface BatchEventHandler {
  readonly batch: (ruleset: string, events: readonly QueuedEvent[]) => Promise<number>;
}

/** What `consume` takes: one event at a time, or batches. */
export type EventConsumer = EventHandler | BatchEventHandler;

/**
 * What the implementations' `start()` resolves to. `durable: false` is the caller's cue to log
 * that events do not survive a restart.
 */
export interface EventQueueStartInfo {
  readonly durable: boolean;
  /**
   * What the operator should know: Redis configuration problems (eviction policy, persistence;
   * already logged as warnings by the queue), or the memory queue's not-durable notice (not
   * logged: the caller decides how to say it).
   */
  readonly warnings: readonly string[];
}

export interface EventQueue {
  /** True for the Redis implementation. */
  readonly durable: boolean;
  /**
   * Connects and checks the backend (Redis eviction policy, persistence); logs warnings. The two
   * implementations resolve an `EventQueueStartInfo` (`void` is allowed for test fakes).
   */
  start(): Promise<EventQueueStartInfo | void>;
  /**
   * Queues every batch atomically: when it resolves, all new events are durably stored (for the
   * durable queue); when it rejects, none is. Rejects with an AutohealError code
   * `AH_QUEUE_UNAVAILABLE` (retryable) when the backend cannot take them now.
   */
  enqueue(batches: readonly EnqueueBatch[]): Promise<EnqueueResult>;
  /**
   * Starts consuming the given rulesets' queues with `consumer`. With several processes, each
   * ruleset is consumed by one process at a time (a lease); another takes over within seconds
   * when that process dies.
   */
  consume(rulesets: readonly string[], consumer: EventConsumer): Promise<void>;
  /** Events waiting per ruleset (for /metrics and readiness). */
  depth(ruleset: string): Promise<number>;
  /** Stops consuming (waiting for the event in progress, bounded) and closes connections. */
  close(): Promise<void>;
}
