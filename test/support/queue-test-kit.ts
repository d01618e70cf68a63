/**
 * @module Helpers of the queue integration tests: event waits with explicit timeouts (no sleeps),
 * a log-collecting logger, random key prefixes and their cleanup, fast timing options.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { QueuedEvent, QueueLogger, RedisEventQueueOptions } from '../../src/queue/index.js';

/** Resolves waits once their condition holds after a `notify()`; rejects after a timeout. */
export class Waiter {
  private waiting: Array<{ predicate: () => boolean; resolve: () => void }> = [];

  notify(): void {
    this.waiting = this.waiting.filter((w) => {
      if (!w.predicate()) return true;
      w.resolve();
      return false;
    });
  }

  until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w.predicate !== predicate);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
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

/**
 * Polls `check` until it returns true (for state only visible in Redis or another process), every
 * `everyMs`, failing after `ms`.
 */
export async function pollUntil(check: () => Promise<boolean>, what: string, ms = 15_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export function collectingLogger(): { logger: QueueLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (fields: Record<string, unknown>, msg: string) => {
    entries.push({ level, msg, fields });
  };
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, entries };
}

/** A fresh hash-tagged key prefix, so tests share one Redis without seeing each other. */
export function testPrefix(): string {
  return `{t-${randomUUID()}}`;
}

/**
 * Timing knobs shrunk for tests (stack.md §8). The lock stays a few seconds long so a loaded CI
 * machine does not make a live consumer look dead; tests about takeover shorten it themselves.
 */
export function fastOptions(url: string, prefix: string, extra: Partial<RedisEventQueueOptions> = {}): RedisEventQueueOptions {
  return {
    url,
    prefix,
    lockDurationMs: 5_000,
    stalledIntervalMs: 300,
    backoffMs: 10,
    maxBackoffMs: 40,
    closeTimeoutMs: 3_000,
    connectTimeoutMs: 3_000,
    reconnectMaxDelayMs: 200,
    ...extra,
  };
}

export function ev(id: string, dedupKey?: string, event: Record<string, unknown> = { id }): QueuedEvent {
  return { id, source: 'test', event, receivedAt: 1_700_000_000_000, ...(dedupKey === undefined ? {} : { dedupKey }) };
}

/** Deletes every key under `prefix` (tests never flush the shared server). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
