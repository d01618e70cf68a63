/**
 * @module The outcome store on Redis, for the durable and multi-process mode. Layout under
 * `<prefix>:outcomes` (prefix default `{autoheal}`, the hash tag shared with the queues, so
 * everything sits in one Redis Cluster slot and scripts may touch any of it):
 *
 * - `…:action:<actionId>` — a hash per action: `base` (the immutable part as JSON), `createdAt`,
 *   `status`, `finishedAt`, one `attempt:<n>` field per attempt. Each update writes only the
 *   fields it changes, so no read-modify-write of the whole record is needed.
 * - `…:actions:time`, `…:actions:ruleset:<name>`, `…:actions:rule:<name>`, `…:actions:host:<host>`,
 *   `…:actions:status:<status>` — sorted sets of action ids scored by `createdAt`: the query walks
 *   the smallest one that applies, newest first.
 * - `…:events` / `…:decisions` — one hash per kind (the records never change), each with a
 *   `…:time` sorted set for retention.
 *
 * Creation and status changes run as small Lua scripts so the record and its indexes never
 * disagree. Retention is checked after every write with one pipelined round trip (count and
 * oldest score) and removes only what is past it, so its cost is amortised per record.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { ActionResult, OutcomeStatus } from '../actions/action-handler.js';
import { AutohealError, ErrorCode, hasErrorCode, systemClock, type Clock } from '../core/index.js';
import {
  ACTION_STATUSES,
  ActionStatus,
  finishedAttempt,
  type ActionRecord,
  type AttemptRecord,
  type DecisionRecord,
  type EventRecord,
  type LinkedActionRecord,
  type NewActionRecord,
} from './outcome-records.js';
import {
  checkOutcomeQuery,
  decodeCursor,
  encodeCursor,
  eventKey,
  matchesOutcomeQuery,
  resolveOutcomeRetention,
  type OutcomePage,
  type OutcomeQuery,
  type OutcomeRetention,
  type OutcomeStore,
  decisionMatches,
  type DecisionQuery,
} from './outcome-store.js';

export interface RedisOutcomeStoreOptions {
  /** `redis://host:port/db` (or `rediss://`). */
  readonly url: string;
  /** Key prefix; default `{autoheal}` (keys are `<prefix>:outcomes:…`). */
  readonly prefix?: string;
  readonly retention?: Partial<OutcomeRetention>;
  /** Extra ioredis options (tests shorten timeouts). */
  readonly redis?: RedisOptions;
}

export interface RedisOutcomeStoreDeps {
  /** Default: the system clock. */
  readonly clock?: Clock;
}

/** Records removed per retention step: bounds one step's work; steps repeat until done. */
const PRUNE_BATCH = 500;
/** Ids read per step of a query walk. */
const QUERY_BATCH = 200;

// KEYS[1] action hash, KEYS[2..] indexes. ARGV: actionId, createdAt, base JSON.
const START_ACTION = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'base', ARGV[3], 'createdAt', ARGV[2], 'status', 'pending')
  for i = 2, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[1]) end
end
return redis.call('HGETALL', KEYS[1])`;

// KEYS[1] action hash, KEYS[2] index of the new status, KEYS[3..] every status index.
// ARGV: actionId, new status, then field/value pairs to set. Returns 0 when the action is unknown.
const SET_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local created = redis.call('HGET', KEYS[1], 'createdAt')
for i = 3, #KEYS do
  if KEYS[i] ~= KEYS[2] then redis.call('ZREM', KEYS[i], ARGV[1]) end
end
redis.call('ZADD', KEYS[2], created, ARGV[1])
redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 3))
return 1`;

export class RedisOutcomeStore implements OutcomeStore {
  readonly retention: OutcomeRetention;
  private readonly redis: Redis;
  private readonly base: string;
  private readonly clock: Clock;

  constructor(options: RedisOutcomeStoreOptions, deps: RedisOutcomeStoreDeps = {}) {
    if (!/^rediss?:\/\//.test(options.url)) {
      throw new AutohealError(ErrorCode.OutcomeStoreConfigInvalid, 'the outcome store Redis URL must start with redis:// or rediss://');
    }
    this.retention = resolveOutcomeRetention(options.retention);
    this.base = `${options.prefix ?? '{autoheal}'}:outcomes`;
    this.clock = deps.clock ?? systemClock;
    // Fail fast while Redis is away instead of queueing writes in memory without bound.
    this.redis = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, ...options.redis });
    // Connection errors reach the caller through the failing command (as AH_OUTCOME_STORE_FAILED);
    // without a listener ioredis would also print each one as an unhandled error event.
    this.redis.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.guard('connect to Redis', async () => {
      if (this.redis.status === 'wait') await this.redis.connect();
    });
  }

  async recordEvent(record: EventRecord): Promise<void> {
    const field = eventKey(record.ruleset, record.eventId);
    await this.guard('record an event', async () => {
      await this.redis.multi().hset(this.key('events'), field, JSON.stringify(record)).zadd(this.key('events:time'), record.receivedAt, field).exec();
      await this.pruneSimple('events');
    });
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionRecord[]> {
    return this.guard('read decisions', async () => {
      const oldestKept = Math.max(query.since ?? 0, this.clock.now() - this.retention.maxAgeMs);
      const out: DecisionRecord[] = [];
      // Newest first, a page at a time, filtering here: bounded by the retention count.
      for (let offset = 0; out.length < query.limit; offset += 500) {
        const ids = await this.redis.zrevrangebyscore(this.key('decisions:time'), '+inf', oldestKept, 'LIMIT', offset, 500);
        if (ids.length === 0) break;
        const rows = await this.redis.hmget(this.key('decisions'), ...ids);
        for (const row of rows) {
          if (row === null) continue;
          const d = JSON.parse(row) as DecisionRecord;
          if (decisionMatches(d, query)) out.push(d);
          if (out.length >= query.limit) break;
        }
        if (ids.length < 500) break;
      }
      return out;
    });
  }

  async recordDecision(record: DecisionRecord): Promise<void> {
    await this.guard('record a decision', async () => {
      await this.redis
        .multi()
        .hset(this.key('decisions'), record.decisionId, JSON.stringify(record))
        .zadd(this.key('decisions:time'), record.at, record.decisionId)
        .exec();
      await this.pruneSimple('decisions');
    });
  }

  async recordEvaluations(events: readonly EventRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    if (events.length === 0 && decisions.length === 0) return;
    await this.guard('record evaluations', async () => {
      const tx = this.redis.multi();
      if (events.length > 0) {
        const fields = events.map((r) => eventKey(r.ruleset, r.eventId));
        tx.hset(this.key('events'), Object.fromEntries(events.map((r, i) => [fields[i], JSON.stringify(r)])));
        tx.zadd(this.key('events:time'), ...events.flatMap((r, i) => [r.receivedAt, fields[i] as string]));
      }
      if (decisions.length > 0) {
        tx.hset(this.key('decisions'), Object.fromEntries(decisions.map((r) => [r.decisionId, JSON.stringify(r)])));
        tx.zadd(this.key('decisions:time'), ...decisions.flatMap((r) => [r.at, r.decisionId]));
      }
      await tx.exec();
      if (events.length > 0) await this.pruneSimple('events', events.length);
      if (decisions.length > 0) await this.pruneSimple('decisions', decisions.length);
    });
  }

  async startAction(record: NewActionRecord): Promise<ActionRecord> {
    return this.guard('record an action', async () => {
      const keys = [this.actionKey(record.actionId), ...this.indexKeys(record), this.statusKey(ActionStatus.Pending)];
      const flat = (await this.redis.eval(START_ACTION, keys.length, ...keys, record.actionId, this.clock.now(), JSON.stringify(record))) as string[];
      await this.pruneActions();
      return fromHash(pairs(flat)) as ActionRecord;
    });
  }

  async startAttempt(actionId: string, attempt: number): Promise<void> {
    const started: AttemptRecord = { attempt, startedAt: this.clock.now(), status: ActionStatus.Running, summary: '' };
    await this.guard('record an attempt', () => this.setStatus(actionId, ActionStatus.Running, [`attempt:${attempt}`, JSON.stringify(started)]));
  }

  async finishAttempt(actionId: string, attempt: number, result: ActionResult): Promise<void> {
    const now = this.clock.now();
    await this.guard('record an attempt', async () => {
      const stored = await this.redis.hget(this.actionKey(actionId), `attempt:${attempt}`);
      const started: AttemptRecord = stored === null ? { attempt, startedAt: now, status: ActionStatus.Running, summary: '' } : (JSON.parse(stored) as AttemptRecord);
      await this.setStatus(actionId, ActionStatus.Pending, [`attempt:${attempt}`, JSON.stringify(finishedAttempt(started, result, now))]);
    });
  }

  async finishAction(actionId: string, status: OutcomeStatus): Promise<void> {
    await this.guard('finish an action', () => this.setStatus(actionId, status, ['finishedAt', String(this.clock.now())]));
  }

  async query(query: OutcomeQuery): Promise<OutcomePage> {
    checkOutcomeQuery(query);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const oldestKept = this.clock.now() - this.retention.maxAgeMs;
    // Scores are integer ms: `until` (exclusive) is `until - 1` inclusive.
    const min = Math.max(query.since ?? -Infinity, oldestKept);
    const max = Math.min(cursor?.createdAt ?? Infinity, (query.until ?? Infinity) - 1);
    return this.guard('query outcomes', async () => {
      if (min > max) return { items: [] };
      const index = await this.smallestIndex(query, min, max);
      const found: ActionRecord[] = [];
      for (let offset = 0; found.length <= query.limit; offset += QUERY_BATCH) {
        const flat = await this.redis.zrevrangebyscore(index, score(max), score(min), 'WITHSCORES', 'LIMIT', offset, QUERY_BATCH);
        const entries = pairsList(flat).filter(
          ([id, s]) => cursor === undefined || Number(s) < cursor.createdAt || id < cursor.actionId,
        );
        const records = await this.readActions(entries.map(([id]) => id));
        for (const r of records) if (r !== undefined && matchesOutcomeQuery(r, query, oldestKept) && found.length <= query.limit) found.push(r);
        if (flat.length < 2 * QUERY_BATCH) break;
      }
      const page = found.slice(0, query.limit);
      const items = await this.link(page);
      const last = page[page.length - 1];
      return found.length > query.limit && last !== undefined ? { items, nextCursor: encodeCursor(last) } : { items };
    });
  }

  async get(actionId: string): Promise<LinkedActionRecord | undefined> {
    return this.guard('read an action', async () => {
      const [record] = await this.readActions([actionId]);
      // Past the age limit counts as gone, whether or not the amortised prune has run yet.
      if (record === undefined || record.createdAt < this.clock.now() - this.retention.maxAgeMs) return undefined;
      return (await this.link([record]))[0];
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async setStatus(actionId: string, status: ActionStatus, fields: readonly string[]): Promise<void> {
    const keys = [this.actionKey(actionId), this.statusKey(status), ...ACTION_STATUSES.map((s) => this.statusKey(s))];
    await this.redis.eval(SET_STATUS, keys.length, ...keys, actionId, status, ...fields);
  }

  /** The index with the fewest ids in the time range among those the query's filters allow. */
  private async smallestIndex(query: OutcomeQuery, min: number, max: number): Promise<string> {
    const candidates: string[] = [];
    if (query.ruleset !== undefined) candidates.push(this.key(`actions:ruleset:${query.ruleset}`));
    if (query.rule !== undefined) candidates.push(this.key(`actions:rule:${query.rule}`));
    if (query.host !== undefined) candidates.push(this.key(`actions:host:${query.host}`));
    if (query.status !== undefined) candidates.push(this.statusKey(query.status));
    const [only] = candidates;
    if (only === undefined) return this.key('actions:time');
    if (candidates.length === 1) return only;
    const pipeline = this.redis.pipeline();
    for (const key of candidates) pipeline.zcount(key, score(min), score(max));
    const counts = ((await pipeline.exec()) ?? []).map(([err, n]) => (err === null ? Number(n) : Infinity));
    let best = 0;
    counts.forEach((n, i) => {
      if (n < (counts[best] as number)) best = i;
    });
    return candidates[best] as string;
  }

  private async readActions(ids: readonly string[]): Promise<Array<ActionRecord | undefined>> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.actionKey(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, hash]) => {
      if (err !== null) throw err;
      return fromHash(hash as Record<string, string>);
    });
  }

  private async link(actions: readonly ActionRecord[]): Promise<LinkedActionRecord[]> {
    if (actions.length === 0) return [];
    const decisions = (await this.redis.hmget(this.key('decisions'), ...actions.map((a) => a.decisionId))).map((d) =>
      d === null ? undefined : (JSON.parse(d) as DecisionRecord),
    );
    const eventFields = decisions.map((d) => (d?.eventId === undefined ? '' : eventKey(d.ruleset, d.eventId)));
    const events = (await this.redis.hmget(this.key('events'), ...eventFields)).map((e) => (e === null ? undefined : (JSON.parse(e) as EventRecord)));
    return actions.map((a, i) => {
      const decision = decisions[i];
      const event = events[i];
      return { ...a, ...(decision !== undefined ? { decision } : {}), ...(event !== undefined ? { event } : {}) };
    });
  }

  /** Ids of `timeKey` past retention (too old, or beyond the count), oldest first, at most one batch. */
  private async pastRetention(timeKey: string): Promise<string[]> {
    const cutoff = this.clock.now() - this.retention.maxAgeMs;
    const results = await this.redis.pipeline().zcard(timeKey).zrange(timeKey, 0, 0, 'WITHSCORES').exec();
    const card = Number(results?.[0]?.[1] ?? 0);
    const oldest = (results?.[1]?.[1] ?? []) as string[];
    const excess = card - this.retention.maxCount;
    const oldestScore = oldest[1] === undefined ? Infinity : Number(oldest[1]);
    if (excess <= 0 && oldestScore >= cutoff) return [];
    const expired = await this.redis.zrangebyscore(timeKey, '-inf', `(${cutoff}`, 'LIMIT', 0, PRUNE_BATCH);
    const extra = excess > 0 ? await this.redis.zrange(timeKey, 0, Math.min(excess, PRUNE_BATCH) - 1) : [];
    return [...new Set([...expired, ...extra])];
  }

  /** Writes since each index was last pruned. */
  private readonly writesSincePrune = new Map<string, number>();

  /**
   * Retention is checked every ~1 % of `maxCount` writes, not on every write: the count may
   * overshoot by that much, and records past the age limit are hidden from queries anyway.
   * Every write was otherwise paying two extra round trips (measured with bench/ingest).
   */
  private duePrune(kind: string, written = 1): boolean {
    const every = Math.max(1, Math.floor(this.retention.maxCount / 100));
    const n = (this.writesSincePrune.get(kind) ?? 0) + written;
    if (n < every) {
      this.writesSincePrune.set(kind, n);
      return false;
    }
    this.writesSincePrune.set(kind, 0);
    return true;
  }

  private async pruneSimple(kind: 'events' | 'decisions', written = 1): Promise<void> {
    if (!this.duePrune(kind, written)) return;
    const timeKey = this.key(`${kind}:time`);
    for (;;) {
      const ids = await this.pastRetention(timeKey);
      if (ids.length === 0) return;
      await this.redis.multi().hdel(this.key(kind), ...ids).zrem(timeKey, ...ids).exec();
      if (ids.length < PRUNE_BATCH) return;
    }
  }

  private async pruneActions(): Promise<void> {
    if (!this.duePrune('actions')) return;
    const timeKey = this.key('actions:time');
    for (;;) {
      const ids = await this.pastRetention(timeKey);
      if (ids.length === 0) return;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.actionKey(id), 'base', 'status');
      const found = ((await pipeline.exec()) ?? []).map(([, v]) => v as [string | null, string | null]);
      const tx = this.redis.multi();
      ids.forEach((id, i) => {
        const [base, status] = found[i] ?? [null, null];
        tx.del(this.actionKey(id)).zrem(timeKey, id);
        if (base !== null) for (const key of this.indexKeys(JSON.parse(base) as NewActionRecord).slice(1)) tx.zrem(key, id);
        if (status !== null) tx.zrem(this.statusKey(status as ActionStatus), id);
      });
      await tx.exec();
      if (ids.length < PRUNE_BATCH) return;
    }
  }

  /** The time index and the field indexes of an action (not its status index). */
  private indexKeys(record: NewActionRecord): string[] {
    const keys = [this.key('actions:time'), this.key(`actions:ruleset:${record.ruleset}`), this.key(`actions:rule:${record.rule}`)];
    if (record.host !== undefined) keys.push(this.key(`actions:host:${record.host}`));
    return keys;
  }

  private statusKey(status: ActionStatus): string {
    return this.key(`actions:status:${status}`);
  }

  private actionKey(actionId: string): string {
    return this.key(`action:${actionId}`);
  }

  private key(suffix: string): string {
    return `${this.base}:${suffix}`;
  }

  private async guard<T>(what: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (err) {
      if (hasErrorCode(err, ErrorCode.OutcomeQueryInvalid)) throw err;
      throw new AutohealError(ErrorCode.OutcomeStoreFailed, `cannot ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retryable: true });
    }
  }
}

function fromHash(hash: Readonly<Record<string, string>>): ActionRecord | undefined {
  if (hash.base === undefined) return undefined;
  const attempts = Object.entries(hash)
    .filter(([k]) => k.startsWith('attempt:'))
    .map(([, v]) => JSON.parse(v) as AttemptRecord)
    .sort((a, b) => a.attempt - b.attempt);
  return {
    ...(JSON.parse(hash.base) as NewActionRecord),
    status: hash.status as ActionStatus,
    attempts,
    createdAt: Number(hash.createdAt),
    ...(hash.finishedAt !== undefined ? { finishedAt: Number(hash.finishedAt) } : {}),
  };
}

/** `[k1, v1, k2, v2]` → `{k1: v1, k2: v2}`. */
function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/** `[m1, s1, m2, s2]` → `[[m1, s1], [m2, s2]]`, keeping order. */
function pairsList(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}

function score(n: number): string {
  return n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n);
}
