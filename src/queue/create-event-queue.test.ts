import { describe, expect, it } from 'vitest';
import { createEventQueue } from './create-event-queue.js';
import { MemoryEventQueue } from './memory-event-queue.js';
import { RedisEventQueue } from './redis-event-queue.js';
import { silentQueueLogger } from './queue-logger.js';

describe('createEventQueue', () => {
  it('gives the in-memory queue without a Redis URL', () => {
    const q = createEventQueue({ dedupWindowMs: 5_000, prefix: '{ignored}' }, { logger: silentQueueLogger });
    expect(q).toBeInstanceOf(MemoryEventQueue);
    expect(q.durable).toBe(false);
    expect(q.options.dedupWindowMs).toBe(5_000);
  });

  it('gives the Redis queue (not connected until start) with a URL, options passed through', () => {
    const q = createEventQueue({ redisUrl: 'redis://127.0.0.1:1', lockDurationMs: 1_500, maxQueuedEvents: 3 }, { logger: silentQueueLogger });
    expect(q).toBeInstanceOf(RedisEventQueue);
    expect(q.durable).toBe(true);
    expect(q.options).toMatchObject({ url: 'redis://127.0.0.1:1', lockDurationMs: 1_500, prefix: '{autoheal}' });
  });
});
