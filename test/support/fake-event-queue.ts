/**
 * @module Test support (not part of the `http` face): an in-memory `EventQueue` that records
 * what intake hands over, dedups like the real queues (per ruleset, also within one call), can
 * be told to fail with `AH_QUEUE_UNAVAILABLE`, and can hold an enqueue in flight so tests can
 * act while a request is open.
 */
import { AutohealError, ErrorCode } from '../../src/core/index.js';
import type { EnqueueBatch, EnqueueResult, EventHandler, EventQueue, QueuedEvent } from '../../src/queue/index.js';

/** An enqueue held open by `FakeEventQueue.hold()`. */
export interface HeldEnqueue {
  /** Resolves when an enqueue call reached the hold. */
  readonly reached: Promise<void>;
  /** Lets the held call (and later ones) through. */
  release(): void;
}

export class FakeEventQueue implements EventQueue {
  readonly durable = false;
  /** Every batch of every successful enqueue call, in order. */
  readonly batches: EnqueueBatch[] = [];
  /** Every event now "in the queue" (duplicates dropped). */
  readonly queued: QueuedEvent[] = [];
  /** Number of enqueue calls, failed ones included. */
  calls = 0;
  private failure: unknown;
  private gate: Promise<void> | undefined;
  private onReached: (() => void) | undefined;
  private readonly seen = new Set<string>();

  async start(): Promise<void> {}

  /** Makes every later enqueue reject with `err` (default `AH_QUEUE_UNAVAILABLE`) until `recover()`. */
  fail(err: unknown = new AutohealError(ErrorCode.QueueUnavailable, 'redis is down', { retryable: true })): void {
    this.failure = err;
  }

  recover(): void {
    this.failure = undefined;
  }

  /** Holds the next enqueue calls until `release()`. */
  hold(): HeldEnqueue {
    let release!: () => void;
    let reached!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.onReached = reached;
    return {
      reached: reachedPromise,
      release: () => {
        this.gate = undefined;
        release();
      },
    };
  }

  async enqueue(batches: readonly EnqueueBatch[]): Promise<EnqueueResult> {
    this.calls += 1;
    if (this.gate !== undefined) {
      this.onReached?.();
      await this.gate;
    }
    if (this.failure !== undefined) throw this.failure;
    const queued: string[] = [];
    const duplicates: string[] = [];
    for (const batch of batches) {
      for (const event of batch.events) {
        const marker = event.dedupKey === undefined ? undefined : `${batch.ruleset}\u0000${event.dedupKey}`;
        if (marker !== undefined && this.seen.has(marker)) {
          duplicates.push(event.id);
          continue;
        }
        if (marker !== undefined) this.seen.add(marker);
        queued.push(event.id);
        this.queued.push(event);
      }
      this.batches.push(batch);
    }
    return { queued, duplicates };
  }

  async consume(_rulesets: readonly string[], _handler: EventHandler): Promise<void> {}

  async depth(ruleset: string): Promise<number> {
    return this.batches.filter((b) => b.ruleset === ruleset).reduce((n, b) => n + b.events.length, 0);
  }

  async close(): Promise<void> {}
}
