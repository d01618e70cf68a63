/**
 * @module Coordination shared by every autoheal process through Redis. Markers are `SET NX`
 * (atomic claim), locks are `SET NX PX` with an owner token released by compare-and-delete,
 * run counts are a sorted set per target trimmed to the window. Marker keys expire after
 * `markerTtlMs` (default 7 days) so Redis does not grow forever; that is also how long a
 * redelivered action is recognised.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { BeginResult, type CoordinationStore } from './coordination-store.js';

export interface RedisCoordinationStoreOptions {
  readonly url: string;
  /** Default `{autoheal}` (a hash tag, for Redis Cluster). */
  readonly prefix?: string;
  /** How long markers are kept; default 7 days. */
  readonly markerTtlMs?: number;
  readonly redis?: RedisOptions;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const COUNT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('ZCARD', KEYS[1])`;

export class RedisCoordinationStore implements CoordinationStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly markerTtlMs: number;
  private seq = 0;

  constructor(options: RedisCoordinationStoreOptions) {
    this.prefix = options.prefix ?? '{autoheal}';
    this.markerTtlMs = options.markerTtlMs ?? 7 * 24 * 3_600_000;
    this.redis = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...options.redis });
  }

  private async ready(): Promise<Redis> {
    if (this.redis.status === 'wait') await this.redis.connect();
    return this.redis;
  }

  async begin(key: string, attempt: number, owner: string): Promise<BeginResult> {
    const redis = await this.ready();
    const base = this.key('action', key);
    const [completed, finished] = await redis.mget(`${base}:completed`, `${base}:finished:${attempt}`);
    if (completed !== null || finished !== null) return BeginResult.Finished;
    const claimed = await redis.set(`${base}:started:${attempt}`, owner, 'PX', this.markerTtlMs, 'NX');
    return claimed === 'OK' ? BeginResult.Started : BeginResult.Interrupted;
  }

  async finish(key: string, attempt: number): Promise<void> {
    const redis = await this.ready();
    await redis.set(`${this.key('action', key)}:finished:${attempt}`, '1', 'PX', this.markerTtlMs);
  }

  async complete(key: string): Promise<void> {
    const redis = await this.ready();
    await redis.set(`${this.key('action', key)}:completed`, '1', 'PX', this.markerTtlMs);
  }

  async isComplete(key: string): Promise<boolean> {
    const redis = await this.ready();
    return (await redis.exists(`${this.key('action', key)}:completed`)) === 1;
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const redis = await this.ready();
    const lock = this.key('lock', name);
    if ((await redis.set(lock, owner, 'PX', ttlMs, 'NX')) === 'OK') return true;
    // Re-entrant for the same owner (a retry of the same run keeps its lock).
    return (await redis.eval(RENEW, 1, lock, owner, String(ttlMs))) === 1;
  }

  async renewLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const redis = await this.ready();
    return (await redis.eval(RENEW, 1, this.key('lock', name), owner, String(ttlMs))) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    const redis = await this.ready();
    await redis.eval(RELEASE, 1, this.key('lock', name), owner);
  }

  async countRun(target: string, now: number, windowMs: number, record: boolean): Promise<number> {
    const redis = await this.ready();
    this.seq += 1;
    const member = `${now}-${process.pid}-${this.seq}-${Math.random().toString(36).slice(2, 8)}`;
    return Number(await redis.eval(COUNT, 1, this.key('runs', target), String(now), String(windowMs), record ? '1' : '0', member));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private key(kind: string, name: string): string {
    return `${this.prefix}:${kind}:${encodeURIComponent(name)}`;
  }
}
