import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../core/index.js';
import { resolveMemoryEventQueueOptions } from './memory-event-queue-options.js';
import { redactRedisUrl, resolveRedisEventQueueOptions } from './redis-event-queue-options.js';

describe('resolveRedisEventQueueOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveRedisEventQueueOptions({ url: 'redis://127.0.0.1:6379' })).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: '{autoheal}',
      dedupWindowMs: 86_400_000,
      attempts: 5,
      backoffMs: 1_000,
      maxBackoffMs: 60_000,
      closeTimeoutMs: 10_000,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5_000,
      maxStalledCount: 2,
      keepCompletedMs: 3_600_000,
      keepCompletedCount: 1_000,
      keepFailedMs: 604_800_000,
      keepFailedCount: 10_000,
      commandTimeoutMs: 2_000,
      connectTimeoutMs: 5_000,
      reconnectMaxDelayMs: 2_000,
    });
  });

  it('lists every problem at once, without echoing a password', () => {
    let err: unknown;
    try {
      resolveRedisEventQueueOptions({ url: 'http://user:hunter2@host', attempts: 0, backoffMs: 10, maxBackoffMs: 5, prefix: '' });
    } catch (e) {
      err = e;
    }
    expect(hasErrorCode(err, ErrorCode.QueueConfigInvalid)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('url must use redis: or rediss:');
    expect(message).toContain('attempts must be an integer ≥ 1, got 0');
    expect(message).toContain('maxBackoffMs (5) must not be less than backoffMs (10)');
    expect(message).toContain('prefix');
    expect(message).not.toContain('hunter2');
  });

  it('redacts the password of a URL', () => {
    expect(redactRedisUrl('redis://:s3cret@host:6379/2')).toBe('redis://:***@host:6379/2');
  });
});

describe('resolveMemoryEventQueueOptions', () => {
  it('applies defaults and rejects a zero backlog limit', () => {
    expect(resolveMemoryEventQueueOptions().maxQueuedEvents).toBe(100_000);
    expect(() => resolveMemoryEventQueueOptions({ maxQueuedEvents: 0 })).toThrow(/maxQueuedEvents/);
  });
});
