/**
 * @module Picks the queue from configuration: Redis when a URL is given, else the embedded
 * in-memory queue (not durable; its `start()` says so).
 */
import type { Clock } from '../core/index.js';
import type { Sleep } from './handle-with-retries.js';
import { MemoryEventQueue } from './memory-event-queue.js';
import type { MemoryEventQueueOptions } from './memory-event-queue-options.js';
import type { QueueLogger } from './queue-logger.js';
import { RedisEventQueue } from './redis-event-queue.js';
import type { RedisEventQueueOptions } from './redis-event-queue-options.js';

/**
 * Options of both queues in one object. `redisUrl` chooses the implementation; options that only
 * one of them has are ignored by the other (e.g. `prefix` by the memory queue,
 * `maxQueuedEvents` by the Redis queue).
 */
export interface CreateEventQueueOptions extends Omit<RedisEventQueueOptions, 'url'>, MemoryEventQueueOptions {
  /** Redis URL (`redis://host:port`). Absent or empty: the in-memory queue. */
  readonly redisUrl?: string;
}

export interface CreateEventQueueDeps {
  readonly logger?: QueueLogger;
  /** Dedup window of the memory queue; log throttling of the Redis queue. */
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

/**
 * The Redis queue when `redisUrl` is set, else the memory queue. Call `start()` next; its result
 * says `durable: false` for the memory queue.
 * @throws AutohealError `AH_QUEUE_CONFIG_INVALID` for bad options.
 */
export function createEventQueue(options: CreateEventQueueOptions = {}, deps: CreateEventQueueDeps = {}): MemoryEventQueue | RedisEventQueue {
  const { redisUrl, ...rest } = options;
  if (redisUrl !== undefined && redisUrl !== '') return new RedisEventQueue({ ...rest, url: redisUrl }, deps);
  return new MemoryEventQueue(rest, deps);
}
