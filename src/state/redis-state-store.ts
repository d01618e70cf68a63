/**
 * @module The durable state store on Redis. Per ruleset: a hash of working-memory objects (one
 * field per object, so an event only writes what it changed), the small rest of the state as
 * one string, the last applied event id, and an outbox list — all written in one MULTI, so a
 * crash leaves either the old state or the new one. Keys share the `{autoheal}` hash tag of
 * the queues, which keeps them in one Redis Cluster slot.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { MemoryObject, SessionMeta } from '../rules/engine/index.js';
import { decodeState, encodeState } from './state-codec.js';
import type { RulesetChanges, StateStore, StoredSession } from './state-store.js';

export interface RedisStateStoreOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** Key prefix; default `{autoheal}` (a hash tag, for Redis Cluster). */
  readonly prefix?: string;
  /** Extra ioredis options (tests shorten timeouts). */
  readonly redis?: RedisOptions;
}

export class RedisStateStore implements StateStore {
  readonly durable = true;
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisStateStoreOptions) {
    this.prefix = options.prefix ?? '{autoheal}';
    // Fail fast while Redis is away instead of queueing commands in memory: the caller retries
    // the event (it is still on the queue), which is what keeps state and queue in step.
    this.redis = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...options.redis });
  }

  async connect(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
  }

  async load(ruleset: string): Promise<StoredSession> {
    await this.connect();
    const k = this.keys(ruleset);
    const [objects, meta, last] = await Promise.all([this.redis.hvals(k.objects), this.redis.get(k.meta), this.redis.get(k.last)]);
    const lastEventId = last ?? undefined;
    if (meta === null) return lastEventId === undefined ? {} : { lastEventId };
    const state = {
      ...decodeState<SessionMeta>(meta),
      objects: objects.map((o) => decodeState<MemoryObject>(o)).sort((a, b) => a.id - b.id),
    };
    return lastEventId === undefined ? { state } : { state, lastEventId };
  }

  async save(batch: readonly RulesetChanges[], outbox: readonly string[] = []): Promise<void> {
    await this.connect();
    const tx = this.redis.multi();
    for (const { ruleset, changes, lastEventId } of batch) {
      const k = this.keys(ruleset);
      if (changes.removed.length > 0) tx.hdel(k.objects, ...changes.removed.map(String));
      if (changes.put.length > 0) tx.hset(k.objects, Object.fromEntries(changes.put.map((o) => [String(o.id), encodeState(o)])));
      if (changes.meta !== undefined) tx.set(k.meta, encodeState(changes.meta));
      if (lastEventId !== undefined) tx.set(k.last, lastEventId);
    }
    if (outbox.length > 0) tx.rpush(this.outboxKey, ...outbox);
    const results = await tx.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error('state transaction was discarded');
  }

  async peekOutbox(max: number): Promise<string[]> {
    await this.connect();
    return this.redis.lrange(this.outboxKey, 0, max - 1);
  }

  async ackOutbox(entries: readonly string[]): Promise<void> {
    if (entries.length === 0) return;
    await this.connect();
    const tx = this.redis.multi();
    for (const entry of entries) tx.lrem(this.outboxKey, 1, entry);
    await tx.exec();
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private get outboxKey(): string {
    return `${this.prefix}:outbox`;
  }

  private keys(ruleset: string): { objects: string; meta: string; last: string } {
    // Ruleset names may hold any character: encode them so they cannot collide or break keys.
    const base = `${this.prefix}:state:${encodeURIComponent(ruleset)}`;
    return { objects: `${base}:objects`, meta: `${base}:meta`, last: `${base}:last-event` };
  }
}
