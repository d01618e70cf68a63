/**
 * @module Options of the Redis (BullMQ) queue and their one resolver: every default and unit is
 * here. Timing knobs follow shared/spec/stack.md §1.1 (locks and stall checks) and §1.4
 * (retention).
 */
import { OptionProblems, resolveBaseEventQueueOptions, type BaseEventQueueOptions, type ResolvedBaseEventQueueOptions } from './event-queue-options.js';

export const DEFAULT_PREFIX = '{autoheal}';
export const DEFAULT_LOCK_DURATION_MS = 10_000;
export const DEFAULT_STALLED_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_STALLED_COUNT = 2;
export const DEFAULT_KEEP_COMPLETED_MS = 60 * 60 * 1000;
export const DEFAULT_KEEP_COMPLETED_COUNT = 1_000;
export const DEFAULT_KEEP_FAILED_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_KEEP_FAILED_COUNT = 10_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 2_000;

export interface RedisEventQueueOptions extends BaseEventQueueOptions {
  /**
   * Redis to use: `redis://[user:password@]host:port[/db]`, or `rediss://…` for TLS. Required.
   * Redis should run with `maxmemory-policy noeviction` and AOF on; `start()` warns otherwise.
   */
  readonly url: string;
  /**
   * Prefix of every key (BullMQ's `prefix`; never ioredis `keyPrefix`). The default is a hash
   * tag, so all keys of autoheal land in one Redis Cluster slot.
   * @default '{autoheal}'
   */
  readonly prefix?: string;
  /**
   * How long a consumer's lock on the event batch it is handling lasts, in milliseconds; it is
   * renewed every half of it while the handler runs. When a consumer dies, its batch is taken
   * over after the lock lapses and a stall check sees it, i.e. within about
   * `lockDurationMs + 2 · stalledIntervalMs`. A handler that blocks the event loop longer than
   * this lets another process run the same batch.
   * @default 10_000
   */
  readonly lockDurationMs?: number;
  /**
   * How often each consumer looks for batches whose lock lapsed, in milliseconds.
   * @default 5_000
   */
  readonly stalledIntervalMs?: number;
  /**
   * How many times a batch may be taken over after its consumer died before it is failed
   * ("job stalled more than allowable limit") — a guard against an event that kills the process.
   * @default 2
   */
  readonly maxStalledCount?: number;
  /**
   * Handled batches are deleted once older than this, in milliseconds (checked lazily, when
   * another batch finishes).
   * @default 3_600_000 (1 h)
   */
  readonly keepCompletedMs?: number;
  /**
   * At most this many handled batches are kept per ruleset.
   * @default 1_000
   */
  readonly keepCompletedCount?: number;
  /**
   * Failed batches (an event given up after every attempt, or stalled too often) are kept for
   * inspection this long, in milliseconds.
   * @default 604_800_000 (7 days)
   */
  readonly keepFailedMs?: number;
  /**
   * At most this many failed batches are kept per ruleset.
   * @default 10_000
   */
  readonly keepFailedCount?: number;
  /**
   * Bound on each producer command (`enqueue`, `depth`), in milliseconds. While Redis is
   * disconnected commands fail at once anyway; this bounds a Redis that accepts the connection
   * but does not answer.
   * @default 2_000
   */
  readonly commandTimeoutMs?: number;
  /**
   * How long `start()` and `consume()` wait for Redis to be reachable, in milliseconds.
   * @default 5_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * Longest wait between two reconnection attempts, in milliseconds (attempts back off from
   * 100 ms up to this).
   * @default 2_000
   */
  readonly reconnectMaxDelayMs?: number;
}

export interface ResolvedRedisEventQueueOptions extends ResolvedBaseEventQueueOptions {
  readonly url: string;
  readonly prefix: string;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  readonly keepCompletedMs: number;
  readonly keepCompletedCount: number;
  readonly keepFailedMs: number;
  readonly keepFailedCount: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
}

/**
 * Applies defaults and checks every option.
 * @throws AutohealError `AH_QUEUE_CONFIG_INVALID` listing every problem (the URL's password is
 *   never echoed).
 */
export function resolveRedisEventQueueOptions(options: RedisEventQueueOptions): Readonly<ResolvedRedisEventQueueOptions> {
  const problems = new OptionProblems('Redis event queue');
  const base = resolveBaseEventQueueOptions(options, problems);
  checkUrl(options.url, problems);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix)) problems.add('prefix must be a non-empty string without spaces');
  const resolved: ResolvedRedisEventQueueOptions = {
    ...base,
    url: options.url,
    prefix,
    lockDurationMs: problems.integer('lockDurationMs', options.lockDurationMs, 100, DEFAULT_LOCK_DURATION_MS),
    stalledIntervalMs: problems.integer('stalledIntervalMs', options.stalledIntervalMs, 10, DEFAULT_STALLED_INTERVAL_MS),
    maxStalledCount: problems.integer('maxStalledCount', options.maxStalledCount, 0, DEFAULT_MAX_STALLED_COUNT),
    keepCompletedMs: problems.integer('keepCompletedMs', options.keepCompletedMs, 1000, DEFAULT_KEEP_COMPLETED_MS),
    keepCompletedCount: problems.integer('keepCompletedCount', options.keepCompletedCount, 0, DEFAULT_KEEP_COMPLETED_COUNT),
    keepFailedMs: problems.integer('keepFailedMs', options.keepFailedMs, 1000, DEFAULT_KEEP_FAILED_MS),
    keepFailedCount: problems.integer('keepFailedCount', options.keepFailedCount, 0, DEFAULT_KEEP_FAILED_COUNT),
    commandTimeoutMs: problems.integer('commandTimeoutMs', options.commandTimeoutMs, 1, DEFAULT_COMMAND_TIMEOUT_MS),
    connectTimeoutMs: problems.integer('connectTimeoutMs', options.connectTimeoutMs, 1, DEFAULT_CONNECT_TIMEOUT_MS),
    reconnectMaxDelayMs: problems.integer('reconnectMaxDelayMs', options.reconnectMaxDelayMs, 100, DEFAULT_RECONNECT_MAX_DELAY_MS),
  };
  problems.throwIfAny();
  return Object.freeze(resolved);
}

function checkUrl(url: unknown, problems: OptionProblems): void {
  if (typeof url !== 'string' || url === '') {
    problems.add('url is required (redis://host:port)');
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.add('url is not a valid URL (expected redis://host:port or rediss://host:port)');
    return;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    problems.add(`url must use redis: or rediss:, got ${parsed.protocol}`);
  } else if (parsed.hostname === '') {
    problems.add('url has no host');
  }
}

/** The URL with any password replaced by `***`, for logs and error details. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
