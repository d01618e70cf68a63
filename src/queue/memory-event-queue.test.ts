import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock, hasErrorCode } from '../core/index.js';
import type { EventHandler, QueuedEvent } from './event-queue.js';
import type { Sleep } from './handle-with-retries.js';
import { MemoryEventQueue, NOT_DURABLE_WARNING } from './memory-event-queue.js';
import type { QueueLogger } from './queue-logger.js';

const WAIT_MS = 2_000;

function ev(id: string, dedupKey?: string): QueuedEvent {
  return { id, source: 'test', event: { n: id }, receivedAt: 0, ...(dedupKey === undefined ? {} : { dedupKey }) };
}

/** Resolves once `predicate` holds after a `notify()`, or rejects after `ms`. */
class Waiter {
  private waiting: Array<{ predicate: () => boolean; resolve: () => void }> = [];

  notify(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.predicate()) return true;
      w.resolve();
      return false;
    });
  }

  until(predicate: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiting.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/** A handler that logs start/end per ruleset, checks one-at-a-time, and can be held per event. */
function recordingHandler(waiter: Waiter) {
  const log: string[] = [];
  const running = new Map<string, number>();
  let overlap = false;
  const holds = new Map<string, Promise<void>>();
  const handler: EventHandler = async (ruleset, event) => {
    const now = (running.get(ruleset) ?? 0) + 1;
    running.set(ruleset, now);
    if (now > 1) overlap = true;
    log.push(`start ${ruleset} ${event.id}`);
    waiter.notify();
    await holds.get(event.id);
    // Yield a few times so a second concurrent call would have the chance to start.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    running.set(ruleset, (running.get(ruleset) ?? 1) - 1);
    log.push(`end ${ruleset} ${event.id}`);
    waiter.notify();
  };
  return { handler, log, holds, overlapped: () => overlap, ended: (ruleset: string) => log.filter((l) => l.startsWith(`end ${ruleset} `)).map((l) => l.split(' ')[2]) };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function collectingLogger() {
  const entries: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    entries.push({ level, msg, fields });
  };
  const logger: QueueLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, entries };
}

let queues: MemoryEventQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.map((q) => q.close()));
  queues = [];
});

function makeQueue(options: ConstructorParameters<typeof MemoryEventQueue>[0] = {}, deps: ConstructorParameters<typeof MemoryEventQueue>[1] = {}) {
  const q = new MemoryEventQueue(options, { logger: collectingLogger().logger, ...deps });
  queues.push(q);
  return q;
}

describe('MemoryEventQueue', () => {
  it('says it is not durable when started', async () => {
    const q = makeQueue();
    expect(q.durable).toBe(false);
    await expect(q.start()).resolves.toEqual({ durable: false, warnings: [NOT_DURABLE_WARNING] });
  });

  it('refuses to enqueue before start and after close, with the retryable queue-unavailable code', async () => {
    const q = makeQueue();
    const before = await q.enqueue([{ ruleset: 'r', events: [ev('a')] }]).catch((e: unknown) => e);
    expect(hasErrorCode(before, ErrorCode.QueueUnavailable) && before.retryable).toBe(true);
    await q.start();
    await q.close();
    const after = await q.enqueue([{ ruleset: 'r', events: [ev('a')] }]).catch((e: unknown) => e);
    expect(hasErrorCode(after, ErrorCode.QueueUnavailable) && after.retryable).toBe(true);
  });

  it('hands each ruleset its events in arrival order, one handler call at a time', async () => {
    const waiter = new Waiter();
    const rec = recordingHandler(waiter);
    const q = makeQueue();
    await q.start();
    await q.enqueue([{ ruleset: 'r', events: [ev('1'), ev('2')] }]);
    await q.consume(['r'], rec.handler);
    await q.enqueue([{ ruleset: 'r', events: [ev('3')] }]);
    await q.enqueue([{ ruleset: 'r', events: [ev('4'), ev('5')] }]);
    await waiter.until(() => rec.ended('r').length === 5, 'five events');
    expect(rec.ended('r')).toEqual(['1', '2', '3', '4', '5']);
    expect(rec.overlapped()).toBe(false);
    expect(rec.log.slice(0, 4)).toEqual(['start r 1', 'end r 1', 'start r 2', 'end r 2']);
  });

  it('runs rulesets independently: a held event of one ruleset does not hold another', async () => {
    const waiter = new Waiter();
    const rec = recordingHandler(waiter);
    const hold = deferred();
    rec.holds.set('a1', hold.promise);
    const q = makeQueue();
    await q.start();
    await q.consume(['A', 'B'], rec.handler);
    await q.enqueue([
      { ruleset: 'A', events: [ev('a1'), ev('a2')] },
      { ruleset: 'B', events: [ev('b1'), ev('b2')] },
    ]);
    await waiter.until(() => rec.ended('B').length === 2, 'ruleset B done');
    expect(rec.ended('A')).toEqual([]);
    expect(await q.depth('A')).toBe(1);
    hold.resolve();
    await waiter.until(() => rec.ended('A').length === 2, 'ruleset A done');
    expect(rec.ended('A')).toEqual(['a1', 'a2']);
  });

  it('retries a failing handler with exponential backoff before moving on, keeping order', async () => {
    const waiter = new Waiter();
    const delays: number[] = [];
    const sleep: Sleep = async (ms) => {
      delays.push(ms);
    };
    const calls: string[] = [];
    let failuresLeft = 2;
    const handler: EventHandler = async (_ruleset, event) => {
      calls.push(event.id);
      waiter.notify();
      if (event.id === 'x' && failuresLeft-- > 0) throw new Error('boom');
    };
    const { logger, entries } = collectingLogger();
    const q = makeQueue({ attempts: 5, backoffMs: 100, maxBackoffMs: 150 }, { sleep, logger });
    await q.start();
    await q.consume(['r'], handler);
    await q.enqueue([{ ruleset: 'r', events: [ev('x'), ev('y')] }]);
    await waiter.until(() => calls.includes('y'), 'the second event');
    expect(calls).toEqual(['x', 'x', 'x', 'y']);
    expect(delays).toEqual([100, 150]);
    expect(entries.filter((e) => e.msg === 'event handler failed; will retry').map((e) => e.fields['attempt'])).toEqual([1, 2]);
    expect(q.failed('r')).toEqual([]);
  });

  it('gives an event up after every attempt failed, keeps it for inspection and goes on', async () => {
    const waiter = new Waiter();
    const calls: string[] = [];
    const handler: EventHandler = async (_ruleset, event) => {
      calls.push(event.id);
      waiter.notify();
      if (event.id === 'bad') throw Object.assign(new Error('always'), { code: 'E_TEST' });
    };
    const { logger, entries } = collectingLogger();
    const q = makeQueue({ attempts: 3, backoffMs: 0 }, { logger, sleep: async () => undefined });
    await q.start();
    await q.consume(['r'], handler);
    await q.enqueue([{ ruleset: 'r', events: [ev('bad'), ev('good')] }]);
    await waiter.until(() => calls.includes('good'), 'the next event');
    expect(calls).toEqual(['bad', 'bad', 'bad', 'good']);
    expect(q.failed('r')).toEqual([{ ruleset: 'r', eventId: 'bad', attempts: 3, error: { name: 'Error', message: 'always', code: 'E_TEST' } }]);
    expect(entries.some((e) => e.level === 'error' && e.msg === 'event handler failed; event given up' && e.fields['eventId'] === 'bad')).toBe(true);
  });

  it('drops events whose dedup key was seen within the window, per ruleset, across and within calls', async () => {
    const clock = new ManualClock(1_000);
    const q = makeQueue({ dedupWindowMs: 60_000 }, { clock });
    await q.start();
    const first = await q.enqueue([{ ruleset: 'r', events: [ev('1', 'k1'), ev('2', 'k2'), ev('3', 'k1'), ev('4')] }]);
    expect(first).toEqual({ queued: ['1', '2', '4'], duplicates: ['3'] });

    clock.advance(59_999);
    const again = await q.enqueue([
      { ruleset: 'r', events: [ev('5', 'k1'), ev('6', 'k3')] },
      { ruleset: 'other', events: [ev('7', 'k1')] },
    ]);
    expect(again).toEqual({ queued: ['6', '7'], duplicates: ['5'] });

    clock.advance(1);
    // k1 was stored at t=1000 with a 60 s window: at t=61000 it has expired.
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('8', 'k1')] }])).toEqual({ queued: ['8'], duplicates: [] });
    expect(await q.depth('r')).toBe(5);
  });

  it('reports an event queued for one ruleset and a duplicate for another as queued only', async () => {
    const q = makeQueue();
    await q.start();
    await q.enqueue([{ ruleset: 'a', events: [ev('1', 'k')] }]);
    const shared = ev('2', 'k');
    expect(await q.enqueue([{ ruleset: 'a', events: [shared] }, { ruleset: 'b', events: [shared] }])).toEqual({ queued: ['2'], duplicates: [] });
    expect(await q.enqueue([{ ruleset: 'a', events: [ev('3', 'k')] }, { ruleset: 'b', events: [ev('3', 'k')] }])).toEqual({ queued: [], duplicates: ['3'] });
  });

  it('refuses a whole call when one ruleset would exceed its backlog limit, storing nothing', async () => {
    const q = makeQueue({ maxQueuedEvents: 3 });
    await q.start();
    await q.enqueue([{ ruleset: 'b', events: [ev('b1'), ev('b2')] }]);
    const err = await q
      .enqueue([
        { ruleset: 'a', events: [ev('a1', 'ka')] },
        { ruleset: 'b', events: [ev('b3'), ev('b4')] },
      ])
      .catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.QueueUnavailable) && err.retryable).toBe(true);
    expect(await q.depth('a')).toBe(0);
    expect(await q.depth('b')).toBe(2);
    // The refused call left no dedup marker behind: its event is new when sent again.
    expect(await q.enqueue([{ ruleset: 'a', events: [ev('a1', 'ka')] }])).toEqual({ queued: ['a1'], duplicates: [] });
  });

  it('close ends a backoff wait and does not call the handler again', async () => {
    const waiter = new Waiter();
    let calls = 0;
    const handler: EventHandler = async () => {
      calls++;
      waiter.notify();
      throw new Error('fails');
    };
    let sleeping = false;
    const sleep: Sleep = (_ms, signal) =>
      new Promise((_resolve, reject) => {
        sleeping = true;
        waiter.notify();
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    const q = makeQueue({ attempts: 5 }, { sleep });
    await q.start();
    await q.consume(['r'], handler);
    await q.enqueue([{ ruleset: 'r', events: [ev('x')] }]);
    await waiter.until(() => sleeping, 'the backoff wait');
    await q.close();
    expect(calls).toBe(1);
    expect(q.failed('r')).toEqual([]);
  });

  it('refuses to consume a ruleset twice', async () => {
    const q = makeQueue();
    await q.start();
    await q.consume(['r'], async () => undefined);
    await expect(q.consume(['r'], async () => undefined)).rejects.toThrow(/already being consumed/);
  });

  it('hands a batch consumer what waits, in order, in one call', async () => {
    const q = new MemoryEventQueue({}, { logger: collectingLogger().logger });
    queues.push(q);
    await q.start();
    await q.enqueue([{ ruleset: 'r', events: [ev('1'), ev('2')] }]);
    await q.enqueue([{ ruleset: 'r', events: [ev('3')] }]);
    const waiter = new Waiter();
    const batches: string[][] = [];
    await q.consume(['r'], {
      batch: async (_rs, events) => {
        batches.push(events.map((e) => e.id));
        waiter.notify();
        return events.length;
      },
    });
    await waiter.until(() => batches.flat().length === 3, 'the three events');
    expect(batches).toEqual([['1', '2', '3']]);
  });
});
