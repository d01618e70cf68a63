/**
 * RedisEventQueue against the shared real redis-server of the integration run: order,
 * exclusivity, dedup, atomic batches, retries, retention of failures. Each test owns a random
 * key prefix, waits on events with explicit timeouts and closes what it opens.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../src/core/index.js';
import {
  dedupMarkerKey,
  RedisEventQueue,
  rulesetQueueName,
  type EventBatchProgress,
  type EventHandler,
  type QueuedEvent,
  type RedisEventQueueOptions,
} from '../../src/queue/index.js';
import { collectingLogger, deleteKeys, ev, fastOptions, pollUntil, testPrefix, Waiter } from '../support/queue-test-kit.js';
import { startPrivateRedis } from '../support/redis-server.js';
import { CLAIM_DEDUP } from '../../src/queue/redis-scripts.js';

const url = inject('redisUrl');

let prefix: string;
let opened: Array<{ close(): Promise<unknown> }>;

beforeEach(() => {
  prefix = testPrefix();
  opened = [];
});

afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  // Closing closed every connection the test opened (they are all named after the prefix).
  await pollUntil(async () => (await clientsNamed(prefix)) === 0, 'the connections of the test to close', 5_000);
  await deleteKeys(url, prefix);
});

async function clientsNamed(namePrefix: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const list = await redis.client('LIST');
    return String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${namePrefix}`)).length;
  } finally {
    redis.disconnect();
  }
}

async function startQueue(extra: Partial<RedisEventQueueOptions> = {}, logger = collectingLogger().logger): Promise<RedisEventQueue> {
  const q = new RedisEventQueue(fastOptions(url, prefix, extra), { logger });
  opened.push(q);
  await q.start();
  return q;
}

/** A bullmq Queue on a ruleset's queue, to look at its jobs from outside. */
function inspect(ruleset: string): Queue {
  const q = new Queue(rulesetQueueName(ruleset), { connection: { url }, prefix });
  opened.push(q);
  return q;
}

/** Records handler calls; flags any overlap of two calls for the same ruleset. */
function recorder(waiter: Waiter, work: (ruleset: string, event: QueuedEvent) => Promise<void> = async () => undefined) {
  const ended: string[] = [];
  const started: string[] = [];
  let running = 0;
  let overlap = false;
  const handlerFor =
    (tag: string): EventHandler =>
    async (ruleset, event) => {
      running++;
      if (running > 1) overlap = true;
      started.push(`${tag}:${event.id}`);
      waiter.notify();
      try {
        await work(ruleset, event);
      } finally {
        running--;
        ended.push(event.id);
        waiter.notify();
      }
    };
  return { handlerFor, ended, started, overlapped: () => overlap };
}

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('RedisEventQueue on a real Redis', () => {
  it('starts durable and warns that the test server keeps no AOF (and not about eviction)', async () => {
    const { logger, entries } = collectingLogger();
    const q = await startQueue({}, logger);
    const info = await q.start();
    expect(info.durable).toBe(true);
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatch(/appendonly is no/);
    expect(entries.filter((e) => e.level === 'warn').map((e) => e.fields['setting'])).toEqual(['appendonly']);
  });

  it('warns that it could not check the configuration when CONFIG is not permitted, and works anyway', async () => {
    const admin = new Redis(url);
    const user = `u-${prefix.slice(1, -1)}`;
    opened.push({
      close: async () => {
        await admin.call('ACL', 'DELUSER', user);
        await admin.quit();
      },
    });
    await admin.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-config');
    const { logger, entries } = collectingLogger();
    const q = new RedisEventQueue(fastOptions(url.replace('redis://', `redis://${user}:pw@`), prefix), { logger });
    opened.push(q);
    const info = await q.start();
    expect(info.warnings).toEqual([expect.stringMatching(/could not check the Redis configuration/)]);
    expect(entries.some((e) => e.level === 'warn' && /could not check/.test(e.msg))).toBe(true);
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('1')] }])).toEqual({ queued: ['1'], duplicates: [] });
  });

  it('hands a ruleset its events in arrival order, one at a time', async () => {
    const waiter = new Waiter();
    const rec = recorder(waiter, () => tick(1));
    const q = await startQueue();
    await q.enqueue([{ ruleset: 'r', events: [ev('1'), ev('2')] }]);
    await q.consume(['r'], rec.handlerFor('a'));
    await q.enqueue([{ ruleset: 'r', events: [ev('3')] }]);
    await q.enqueue([{ ruleset: 'r', events: [ev('4'), ev('5'), ev('6')] }]);
    await waiter.until(() => rec.ended.length === 6, 'six events');
    expect(rec.ended).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(rec.overlapped()).toBe(false);
  });

  it('never runs two handler calls of a ruleset at once across two consuming instances, and keeps order', async () => {
    const waiter = new Waiter();
    const rec = recorder(waiter, () => tick(2));
    const a = await startQueue();
    const b = await startQueue();
    await a.consume(['shared rs'], rec.handlerFor('a'));
    await b.consume(['shared rs'], rec.handlerFor('b'));
    const ids: string[] = [];
    for (let call = 0; call < 12; call++) {
      const batch = [ev(`${call}-0`), ev(`${call}-1`)];
      ids.push(...batch.map((e) => e.id));
      await (call % 2 === 0 ? a : b).enqueue([{ ruleset: 'shared rs', events: batch }]);
    }
    await waiter.until(() => rec.ended.length === ids.length, 'every event');
    expect(rec.ended).toEqual(ids);
    expect(rec.overlapped()).toBe(false);
  });

  it('keeps rulesets independent: a slow ruleset does not hold another', async () => {
    const waiter = new Waiter();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const rec = recorder(waiter, async (_rs, event) => {
      if (event.id === 'slow') await held;
    });
    const q = await startQueue();
    await q.consume(['A: ümlaut', 'B'], rec.handlerFor('q'));
    await q.enqueue([
      { ruleset: 'A: ümlaut', events: [ev('slow'), ev('after-slow')] },
      { ruleset: 'B', events: [ev('b1'), ev('b2')] },
    ]);
    await waiter.until(() => rec.ended.includes('b2'), 'ruleset B');
    expect(rec.ended).not.toContain('after-slow');
    release();
    await waiter.until(() => rec.ended.includes('after-slow'), 'ruleset A');
  });

  it('stores one batch as one job, whole: events of a call for a ruleset travel together', async () => {
    const q = await startQueue();
    expect(
      await q.enqueue([
        { ruleset: 'a', events: [ev('a1'), ev('a2'), ev('a3')] },
        { ruleset: 'b', events: [ev('b1'), ev('b2')] },
      ]),
    ).toEqual({ queued: ['a1', 'a2', 'a3', 'b1', 'b2'], duplicates: [] });
    const countsA = await inspect('a').getJobCounts('wait', 'active', 'delayed');
    const countsB = await inspect('b').getJobCounts('wait', 'active', 'delayed');
    expect(countsA).toEqual({ wait: 1, active: 0, delayed: 0 });
    expect(countsB).toEqual({ wait: 1, active: 0, delayed: 0 });
    expect(await q.depth('a')).toBe(3);
    expect(await q.depth('b')).toBe(2);
    expect(await q.depth('never used')).toBe(0);
  });

  it('writes calls that arrive together as one job per ruleset (group commit), each call with its own verdicts', async () => {
    const q = await startQueue({ dedupWindowMs: 600_000 });
    const results = await Promise.all([
      q.enqueue([{ ruleset: 'g', events: [ev('c1-a', 'k1'), ev('c1-b')] }]),
      q.enqueue([{ ruleset: 'g', events: [ev('c2-a', 'k1')] }, { ruleset: 'h', events: [ev('c2-h')] }]),
      q.enqueue([{ ruleset: 'g', events: [ev('c3-a', 'k2')] }]),
    ]);
    expect(results).toEqual([
      { queued: ['c1-a', 'c1-b'], duplicates: [] },
      // The same dedup key as an earlier call of the group: a duplicate, as if sent after it.
      { queued: ['c2-h'], duplicates: ['c2-a'] },
      { queued: ['c3-a'], duplicates: [] },
    ]);
    expect(await inspect('g').getJobCounts('wait')).toEqual({ wait: 1 });
    expect(await q.depth('g')).toBe(3);

    const waiter = new Waiter();
    const batches: string[][] = [];
    await q.consume(['g'], {
      batch: async (_rs, events) => {
        batches.push(events.map((e) => e.id));
        waiter.notify();
        return events.length;
      },
    });
    await waiter.until(() => batches.length === 1, 'the group job');
    expect(batches).toEqual([['c1-a', 'c1-b', 'c3-a']]);
  });

  it('rejects every call of a group when Redis refuses the write, and stores none of them', async () => {
    // A private server: making it full must not disturb the other test files on the shared one.
    const redis = await startPrivateRedis();
    opened.push({ close: () => redis.remove() });
    const q = new RedisEventQueue(fastOptions(redis.url, prefix), { logger: collectingLogger().logger });
    opened.push(q);
    await q.start();
    const admin = new Redis(redis.url);
    opened.push({ close: () => admin.quit() });
    // A full Redis refuses writes (noeviction): the group's transaction is refused whole.
    await admin.config('SET', 'maxmemory', '1');
    const outcomes = await Promise.allSettled([q.enqueue([{ ruleset: 'full', events: [ev('x1')] }]), q.enqueue([{ ruleset: 'full', events: [ev('x2')] }])]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(hasErrorCode((o as PromiseRejectedResult).reason, ErrorCode.QueueUnavailable)).toBe(true);
    }
    await admin.config('SET', 'maxmemory', '0');
    expect(await q.depth('full')).toBe(0);
  });

  it('drops duplicates within one call and across calls, per ruleset, with markers that expire after the window', async () => {
    const q = await startQueue({ dedupWindowMs: 600_000 });
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('1', 'k1'), ev('2', 'k2'), ev('3', 'k1'), ev('4')] }])).toEqual({
      queued: ['1', '2', '4'],
      duplicates: ['3'],
    });
    expect(
      await q.enqueue([
        { ruleset: 'r', events: [ev('5', 'k1'), ev('6', 'k3'), ev('7')] },
        { ruleset: 'other', events: [ev('8', 'k1')] },
      ]),
    ).toEqual({ queued: ['6', '7', '8'], duplicates: ['5'] });
    expect(await q.depth('r')).toBe(5);

    const redis = new Redis(url);
    opened.push({ close: () => redis.quit() });
    const ttl = await redis.pttl(dedupMarkerKey(prefix, 'r', 'k1'));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect((await redis.get(dedupMarkerKey(prefix, 'r', 'k1')))?.startsWith('c|')).toBe(true);
  });

  it('still drops a duplicate after its first batch was handled and deleted by retention', async () => {
    const waiter = new Waiter();
    const rec = recorder(waiter);
    const q = await startQueue({ keepCompletedCount: 0 });
    await q.consume(['r'], rec.handlerFor('q'));
    await q.enqueue([{ ruleset: 'r', events: [ev('1', 'k')] }]);
    await waiter.until(() => rec.ended.length === 1, 'the first event');
    const jobs = inspect('r');
    // removeOnComplete with count 0 deletes the job as it completes; the handler returned just
    // before, so wait for the completion to be recorded.
    await pollUntil(async () => (await jobs.getJobCounts('active')).active === 0, 'the batch to complete');
    expect(await jobs.getJobCounts('completed', 'wait')).toEqual({ completed: 0, wait: 0 });
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('2', 'k')] }])).toEqual({ queued: [], duplicates: ['2'] });
  });

  it('does not let a pending marker of a call that never added its job hide the event', async () => {
    const q = await startQueue();
    const redis = new Redis(url);
    opened.push({ close: () => redis.quit() });
    // What a crash between the dedup claim and the job add leaves behind.
    await redis.set(dedupMarkerKey(prefix, 'r', 'k'), 'p|b-never-added', 'PX', 600_000);
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('1', 'k')] }])).toEqual({ queued: ['1'], duplicates: [] });
    // Its own marker now counts: the same key again is a duplicate.
    expect(await q.enqueue([{ ruleset: 'r', events: [ev('2', 'k')] }])).toEqual({ queued: [], duplicates: ['2'] });
  });

  it('never makes an event a duplicate of itself when its dedup claim runs twice (a re-sent command)', async () => {
    const redis = new Redis(url);
    opened.push({ close: () => redis.quit() });
    const key = dedupMarkerKey(prefix, 'r', 'k');
    const args = ['600000', `${prefix}:${rulesetQueueName('r')}:`, 'b-same-job'];
    expect(await CLAIM_DEDUP.run(redis, [key], args)).toEqual([1]);
    // The first run's answer was lost and the command ran again: still this job's own claim.
    expect(await CLAIM_DEDUP.run(redis, [key], args)).toEqual([1]);
    expect(await redis.get(key)).toBe('p|b-same-job');
  });

  it('retries a failing handler with backoff, keeping the later events waiting, then goes on', async () => {
    const waiter = new Waiter();
    const calls: string[] = [];
    let failures = 2;
    const handler: EventHandler = async (_rs, event) => {
      calls.push(event.id);
      waiter.notify();
      if (event.id === 'flaky' && failures-- > 0) throw new Error('transient');
    };
    const { logger, entries } = collectingLogger();
    const q = await startQueue({ attempts: 3 }, logger);
    await q.enqueue([{ ruleset: 'r', events: [ev('flaky')] }]);
    await q.enqueue([{ ruleset: 'r', events: [ev('next')] }]);
    await q.consume(['r'], handler);
    await waiter.until(() => calls.includes('next'), 'the next event');
    expect(calls).toEqual(['flaky', 'flaky', 'flaky', 'next']);
    expect(entries.filter((e) => e.msg === 'event handler failed; will retry').map((e) => e.fields['delayMs'])).toEqual([10, 20]);
    const counts = await inspect('r').getJobCounts('completed', 'failed');
    expect(counts).toEqual({ completed: 2, failed: 0 });
  });

  it('gives an event up after every attempt, handles the rest, and keeps the batch as failed for inspection', async () => {
    const waiter = new Waiter();
    const rec = recorder(waiter, async (_rs, event) => {
      if (event.id === 'poison') throw new Error('cannot handle');
    });
    const q = await startQueue({ attempts: 2 });
    await q.enqueue([{ ruleset: 'r', events: [ev('poison'), ev('sibling')] }]);
    await q.enqueue([{ ruleset: 'r', events: [ev('later')] }]);
    await q.consume(['r'], rec.handlerFor('q'));
    await waiter.until(() => rec.ended.includes('later'), 'the later event');
    expect(rec.ended).toEqual(['poison', 'poison', 'sibling', 'later']);
    const failed = await inspect('r').getFailed();
    expect(failed).toHaveLength(1);
    expect(failed[0]?.failedReason).toMatch(/1 of 2 event\(s\) given up.*poison/);
    const progress = failed[0]?.progress as EventBatchProgress;
    expect(progress.done).toBe(2);
    expect(progress.failed.map((f) => [f.eventId, f.attempts, f.error.message])).toEqual([['poison', 2, 'cannot handle']]);
  });

  it('carries events exactly, big integers included', async () => {
    const waiter = new Waiter();
    const seen: QueuedEvent[] = [];
    const q = await startQueue();
    await q.consume(['r'], async (_rs, event) => {
      seen.push(event);
      waiter.notify();
    });
    const event = ev('big', 'am:fp:firing:2024', { alert: { id: 98765432109876543210987654321n, labels: { a: 'ü' }, n: 1.5 } });
    await q.enqueue([{ ruleset: 'r', events: [event] }]);
    await waiter.until(() => seen.length === 1, 'the event');
    expect(seen[0]).toEqual(event);
  });

  it('refuses enqueue and depth after close with the retryable queue-unavailable code', async () => {
    const q = await startQueue();
    await q.close();
    const err = await q.enqueue([{ ruleset: 'r', events: [ev('1')] }]).catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.QueueUnavailable) && err.retryable).toBe(true);
    await expect(q.depth('r')).rejects.toMatchObject({ code: ErrorCode.QueueUnavailable });
  });

  it('gives the batch in progress back at close and the next consumer resumes after the done events', async () => {
    const waiter = new Waiter();
    let releaseSecond!: () => void;
    const secondHeld = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    const first = recorder(waiter, async (_rs, event) => {
      if (event.id === '2') await secondHeld;
    });
    const a = await startQueue();
    await a.enqueue([{ ruleset: 'r', events: [ev('1'), ev('2'), ev('3')] }]);
    await a.consume(['r'], first.handlerFor('a'));
    await waiter.until(() => first.started.includes('a:2'), 'event 2 started');
    const closing = a.close();
    releaseSecond();
    await closing;
    expect(first.ended).toEqual(['1', '2']);

    const second = recorder(waiter);
    const b = await startQueue();
    await b.consume(['r'], second.handlerFor('b'));
    await waiter.until(() => second.ended.length === 1, 'the remaining event');
    expect(second.ended).toEqual(['3']);
  });

  it('bounds close when a handler never returns; another consumer takes the batch over once the lock lapses', async () => {
    const waiter = new Waiter();
    const stuck = recorder(waiter, async (_rs, event) => {
      if (event.id === '2') await new Promise<never>(() => undefined);
    });
    const a = await startQueue({ closeTimeoutMs: 200, lockDurationMs: 1_500 });
    await a.enqueue([{ ruleset: 'r', events: [ev('1'), ev('2'), ev('3')] }]);
    await a.consume(['r'], stuck.handlerFor('a'));
    await waiter.until(() => stuck.started.includes('a:2'), 'event 2 started');
    await a.close();

    const next = recorder(waiter);
    const b = await startQueue({ lockDurationMs: 1_500 });
    await b.consume(['r'], next.handlerFor('b'));
    // At-least-once: the event in progress when its consumer stopped is handled again.
    await waiter.until(() => next.ended.length === 2, 'the taken-over events');
    expect(next.ended).toEqual(['2', '3']);
    expect(stuck.ended).toEqual(['1']);
  });
});
