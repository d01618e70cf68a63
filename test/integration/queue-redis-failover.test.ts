/**
 * RedisEventQueue when Redis fails: a private redis-server (AOF, `appendfsync everysec`) per test
 * that the test stops, kills with SIGKILL, restarts on the same port and directory, or fills up.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../src/core/index.js';
import { RedisEventQueue, rulesetQueueName, type EnqueueResult, type RedisEventQueueOptions } from '../../src/queue/index.js';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { collectingLogger, ev, fastOptions, pollUntil, testPrefix, Waiter } from '../support/queue-test-kit.js';

/** Generous bound separating "fails fast" from "hangs" (the command timeout is set far above it). */
const FAST_MS = 5_000;

let redis: PrivateRedis;
let prefix: string;
let opened: Array<{ close(): Promise<unknown> }>;

beforeEach(async () => {
  redis = await startPrivateRedis();
  prefix = testPrefix();
  opened = [];
});

afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  await redis.remove();
});

async function startQueue(extra: Partial<RedisEventQueueOptions> = {}): Promise<RedisEventQueue> {
  const q = new RedisEventQueue(fastOptions(redis.url, prefix, extra), { logger: collectingLogger().logger });
  opened.push(q);
  await q.start();
  return q;
}

/** Settles with the outcome of `work`, or 'hung' if it takes longer than `ms`. */
async function within<T>(work: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: unknown) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Retries `enqueue` while the queue is unavailable (Redis coming back), up to a deadline. */
async function enqueueWhenBack(q: RedisEventQueue, ...args: Parameters<RedisEventQueue['enqueue']>): Promise<EnqueueResult> {
  let result: EnqueueResult | undefined;
  await pollUntil(
    async () => {
      try {
        result = await q.enqueue(...args);
        return true;
      } catch (err) {
        if (hasErrorCode(err, ErrorCode.QueueUnavailable)) return false;
        throw err;
      }
    },
    'Redis to take events again',
    15_000,
    50,
  );
  return result as EnqueueResult;
}

describe('RedisEventQueue when Redis fails', () => {
  it('enqueue fails fast with the retryable queue-unavailable code while Redis is down, and works again after', async () => {
    const q = await startQueue({ commandTimeoutMs: 60_000 });
    await redis.server.stop();
    for (const batch of [[ev('1', 'k1')], [ev('2')]]) {
      const outcome = await within(q.enqueue([{ ruleset: 'r', events: batch }]), FAST_MS);
      expect(outcome).not.toBe('hung');
      const error = outcome !== 'hung' && 'error' in outcome ? outcome.error : undefined;
      expect(hasErrorCode(error, ErrorCode.QueueUnavailable) && error.retryable).toBe(true);
    }
    await redis.server.restart();
    // The refused event left no marker behind that would hide it now.
    expect(await enqueueWhenBack(q, [{ ruleset: 'r', events: [ev('1', 'k1')] }])).toEqual({ queued: ['1'], duplicates: [] });
    expect(await q.depth('r')).toBe(1);
  });

  it('start fails with the queue-unavailable code when nothing listens', async () => {
    const port = await freePort();
    const q = new RedisEventQueue(fastOptions(`redis://127.0.0.1:${port}`, prefix, { connectTimeoutMs: 1_000 }), { logger: collectingLogger().logger });
    opened.push(q);
    const err = await q.start().catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.QueueUnavailable) && err.retryable).toBe(true);
  });

  it('stores nothing of a call that Redis refuses (out of memory), across rulesets and with dedup keys', async () => {
    const q = await startQueue();
    const admin = new Redis(redis.url);
    opened.push({ close: () => admin.quit() });
    await admin.config('SET', 'maxmemory', '1');
    const call = [
      { ruleset: 'a', events: [ev('a1'), ev('a2')] },
      { ruleset: 'b', events: [ev('b1')] },
    ];
    const refused = await q.enqueue(call).catch((e: unknown) => e);
    expect(hasErrorCode(refused, ErrorCode.QueueUnavailable)).toBe(true);
    const refusedDedup = await q.enqueue([{ ruleset: 'a', events: [ev('a3', 'k')] }]).catch((e: unknown) => e);
    expect(hasErrorCode(refusedDedup, ErrorCode.QueueUnavailable)).toBe(true);
    await admin.config('SET', 'maxmemory', '0');

    for (const ruleset of ['a', 'b']) {
      const jobs = new Queue(rulesetQueueName(ruleset), { connection: { url: redis.url }, prefix });
      opened.push(jobs);
      expect(await jobs.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed')).toEqual({ wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    }
    expect(await q.enqueue([...call, { ruleset: 'a', events: [ev('a3', 'k')] }])).toEqual({ queued: ['a1', 'a2', 'a3', 'b1'], duplicates: [] });
  });

  it('loses no acknowledged event when Redis is killed (SIGKILL) mid-consumption and restarted; the consumer resumes by itself', async () => {
    const waiter = new Waiter();
    const handled: string[] = [];
    let releaseGate!: () => void;
    const gate = new Promise<void>((resolve) => {
      releaseGate = resolve;
    });
    const q = await startQueue();
    const acknowledged: string[] = [];
    for (let call = 0; call < 10; call++) {
      const events = [ev(`${call}-0`, `k${call}`), ev(`${call}-1`), ev(`${call}-2`)];
      const result = await q.enqueue([{ ruleset: 'r', events }]);
      acknowledged.push(...result.queued);
    }
    expect(acknowledged).toHaveLength(30);
    await q.consume(['r'], async (_rs, event) => {
      if (event.id === '3-1') await gate;
      handled.push(event.id);
      waiter.notify();
    });
    await waiter.until(() => handled.includes('3-0'), 'the first batches');

    await redis.server.kill();
    releaseGate();
    await redis.server.restart();

    // New events are taken again once the producer reconnects.
    const later = await enqueueWhenBack(q, [{ ruleset: 'r', events: [ev('after-0'), ev('after-1')] }]);
    acknowledged.push(...later.queued);
    await waiter.until(() => acknowledged.every((id) => handled.includes(id)), 'every acknowledged event', 25_000);

    // At-least-once: an event in progress at the crash may run twice; first runs stay in order.
    const firstRuns = handled.filter((id, i) => handled.indexOf(id) === i);
    expect(firstRuns).toEqual(acknowledged);
    // Markers survived the crash too (AOF): a dedup key seen before is still a duplicate.
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('again', 'k5')] }])).toEqual({ queued: [], duplicates: ['again'] });
  });
});
