/**
 * @module The Lua scripts the Redis queue runs besides BullMQ's own: the dedup claim and confirm
 * (see redis-event-queue.ts for why the markers have two states) and the event depth. Each runs
 * atomically in Redis. The scripts read BullMQ job keys (`<prefix>:<queue>:<jobId>`) that they
 * build themselves, as BullMQ's scripts do: on Redis Cluster that is sound because every key
 * shares the prefix's hash tag (`{autoheal}` by default).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Runs a script by SHA, loading it on `NOSCRIPT` (e.g. after Redis restarted). */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Claims dedup markers. KEYS: one marker key per event that has a dedup key, in event order.
 * ARGV[1]: window (ms); then per key i: ARGV[2i] = the queue's key prefix (`<prefix>:<queue>:`),
 * ARGV[2i+1] = the id of the job this call is about to add.
 * A marker is `p|<jobId>` (pending: that job was about to be added) or `c|<jobId>` (confirmed:
 * it was added). An event is a duplicate when its marker is confirmed, or pending for another
 * job that exists. A pending marker whose job does not exist belongs to a call that never added
 * its job (it crashed or Redis refused): the event is taken as new, so no event is lost to a
 * marker. A marker pending for this very job is this claim run a second time (the caller keeps
 * keys unique within a call): new again, so a re-run can never turn an event into a duplicate
 * of itself. Returns 1 (new) or 0 (duplicate) per key.
 */
export const CLAIM_DEDUP = new LuaScript(`
local window = ARGV[1]
local out = {}
for i, key in ipairs(KEYS) do
  local queuePrefix = ARGV[2 * i]
  local mine = 'p|' .. ARGV[2 * i + 1]
  local current = redis.call('GET', key)
  local fresh = 1
  if current and current ~= mine then
    if string.sub(current, 1, 2) == 'c|' then
      fresh = 0
    elseif redis.call('EXISTS', queuePrefix .. string.sub(current, 3)) == 1 then
      fresh = 0
    end
  end
  if fresh == 1 then
    redis.call('SET', key, mine, 'PX', window)
  end
  out[i] = fresh
end
return out
`);

/**
 * Confirms markers once their job was added: `p|<jobId>` → `c|<jobId>`, keeping the TTL.
 * KEYS: marker keys; ARGV[i]: the job id expected in KEYS[i]. A marker that changed meanwhile
 * is left alone.
 */
export const CONFIRM_DEDUP = new LuaScript(`
for i, key in ipairs(KEYS) do
  local pending = 'p|' .. ARGV[i]
  if redis.call('GET', key) == pending then
    local ttl = redis.call('PTTL', key)
    if ttl > 0 then
      redis.call('SET', key, 'c|' .. ARGV[i], 'PX', ttl)
    end
  end
end
return #KEYS
`);

/**
 * Events in the jobs waiting in a queue. Each job is named `events-<n>`; the count is read from
 * the names, so the cost is one HGET per waiting job. KEYS[1]: the wait list; ARGV[1]: the
 * queue's key prefix.
 */
export const COUNT_WAITING_EVENTS = new LuaScript(`
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local total = 0
for _, id in ipairs(ids) do
  local name = redis.call('HGET', ARGV[1] .. id, 'name')
  local n = name and tonumber(string.match(name, '(%d+)$')) or 1
  total = total + n
end
return total
`);
