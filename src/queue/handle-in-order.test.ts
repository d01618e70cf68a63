import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../core/index.js';
import type { QueuedEvent } from './event-queue.js';
import { handleInOrder } from './handle-in-order.js';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined };
const policy = { attempts: 3, backoffMs: 1, maxBackoffMs: 4 };
const noSleep = async (): Promise<void> => undefined;
const events = (...ids: string[]): QueuedEvent[] => ids.map((id) => ({ id, source: 's', event: {}, receivedAt: 0 }));
const base = { ruleset: 'rs', start: 0, policy, sleep: noSleep, signal: new AbortController().signal, logger: silent as never };

describe('handleInOrder', () => {
  it('hands a batch consumer the whole run at once, then what it left', async () => {
    const calls: string[][] = [];
    const progress: number[] = [];
    const result = await handleInOrder({
      ...base,
      events: events('a', 'b', 'c', 'd'),
      consumer: {
        batch: async (_rs, run) => {
          calls.push(run.map((e) => e.id));
          return calls.length === 1 ? 3 : run.length;
        },
      },
      onProgress: async (done) => {
        progress.push(done);
      },
    });
    expect(calls).toEqual([['a', 'b', 'c', 'd'], ['d']]);
    expect(progress).toEqual([3]);
    expect(result).toEqual({ outcome: 'done', done: 4, failed: [] });
  });

  it('isolates a poison event: a failed batch goes one event at a time, the poison alone is given up', async () => {
    const calls: string[][] = [];
    const result = await handleInOrder({
      ...base,
      events: events('a', 'poison', 'c'),
      consumer: {
        batch: async (_rs, run) => {
          calls.push(run.map((e) => e.id));
          if (run.some((e) => e.id === 'poison')) throw new TypeError('cannot evaluate');
          return run.length;
        },
      },
    });
    // One try as a batch, then a, then poison three times (its attempts), then c.
    expect(calls).toEqual([['a', 'poison', 'c'], ['a'], ['poison'], ['poison'], ['poison'], ['c']]);
    expect(result.done).toBe(3);
    expect(result.failed.map((f) => [f.eventId, f.attempts])).toEqual([['poison', 3]]);
  });

  it('retries a batch through an outage as a batch, without limit', async () => {
    let calls = 0;
    const result = await handleInOrder({
      ...base,
      events: events('a', 'b'),
      consumer: {
        batch: async (_rs, run) => {
          calls += 1;
          if (calls <= 5) throw new AutohealError(ErrorCode.QueueUnavailable, 'redis down', { retryable: true });
          return run.length;
        },
      },
    });
    expect(calls).toBe(6);
    expect(result).toEqual({ outcome: 'done', done: 2, failed: [] });
  });

  it('gives a per-event consumer one event per call and reports progress after each', async () => {
    const seen: string[] = [];
    const progress: number[] = [];
    await handleInOrder({
      ...base,
      start: 1,
      events: events('done-before', 'b', 'c'),
      consumer: async (_rs, event) => {
        seen.push(event.id);
      },
      onProgress: async (done) => {
        progress.push(done);
      },
    });
    expect(seen).toEqual(['b', 'c']);
    expect(progress).toEqual([2]);
  });

  it('stops at shutdown and says how far it got', async () => {
    const abort = new AbortController();
    const result = await handleInOrder({
      ...base,
      signal: abort.signal,
      events: events('a', 'b', 'c'),
      consumer: async () => {
        abort.abort();
      },
    });
    expect(result).toEqual({ outcome: 'aborted', done: 1, failed: [] });
  });
});
