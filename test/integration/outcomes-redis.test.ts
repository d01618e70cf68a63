/**
 * RedisOutcomeStore against the shared real redis-server of the integration run: the same
 * behaviour suite as the memory store, plus what only Redis has (records shared by two store
 * instances, indexes cleaned by retention). Each test owns a random key prefix.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { OutcomeStatus } from '../../src/actions/action-handler.js';
import { ErrorCode, ManualClock } from '../../src/core/index.js';
import { historyCommand } from '../../src/cli/commands/history-command.js';
import { RedisOutcomeStore, type RedisOutcomeStoreOptions } from '../../src/outcomes/index.js';
import { describeOutcomeStoreContract, seedAction, T0 } from '../../src/outcomes/outcome-store-contract.test-kit.js';
import { deleteKeys, testPrefix } from '../support/queue-test-kit.js';

const url = inject('redisUrl');
const prefixes: string[] = [];

afterEach(async () => {
  for (const p of prefixes.splice(0)) await deleteKeys(url, p);
});

function newPrefix(): string {
  const prefix = testPrefix();
  prefixes.push(prefix);
  return prefix;
}

describeOutcomeStoreContract('RedisOutcomeStore', async ({ clock, retention }) => {
  const store = new RedisOutcomeStore({ url, prefix: newPrefix(), ...(retention !== undefined ? { retention } : {}) }, { clock });
  await store.start();
  return store;
});

describe('RedisOutcomeStore', () => {
  const opened: RedisOutcomeStore[] = [];

  afterEach(async () => {
    for (const s of opened.splice(0).reverse()) await s.close();
  });

  async function open(options: Omit<RedisOutcomeStoreOptions, 'url'>, clock: ManualClock): Promise<RedisOutcomeStore> {
    const store = new RedisOutcomeStore({ url, ...options }, { clock });
    opened.push(store);
    await store.start();
    return store;
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const redis = new Redis(url);
    try {
      return (await redis.keys(`${prefix}*`)).sort();
    } finally {
      redis.disconnect();
    }
  }

  it('shares records between instances and keeps its keys under <prefix>:outcomes', async () => {
    const prefix = newPrefix();
    const clock = new ManualClock(T0);
    const writer = await open({ prefix }, clock);
    const reader = await open({ prefix }, clock);
    await seedAction(writer, 1, { host: 'web01' }, clock);
    await writer.startAttempt('a001', 1);
    clock.advance(90);
    await writer.finishAttempt('a001', 1, { status: OutcomeStatus.Succeeded, summary: 'done' });
    await writer.finishAction('a001', OutcomeStatus.Succeeded);
    expect(await reader.get('a001')).toEqual(await writer.get('a001'));
    expect(await reader.get('a001')).toMatchObject({ status: 'succeeded', attempts: [{ durationMs: 90 }], event: { host: 'web01' } });
    const keys = await keysUnder(prefix);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(`${prefix}:outcomes:`))).toBe(true);
  });

  it('removes a pruned action from every index, leaving no stray keys', async () => {
    const prefix = newPrefix();
    const clock = new ManualClock(T0);
    const store = await open({ prefix, retention: { maxCount: 1 } }, clock);
    await seedAction(store, 1, { ruleset: 'a', rule: 'r1', host: 'h1' }, clock);
    await store.finishAction('a001', OutcomeStatus.Failed);
    clock.advance(1);
    await seedAction(store, 2, { ruleset: 'b', rule: 'r2', host: 'h2' }, clock);
    const base = `${prefix}:outcomes:`;
    // Empty sorted sets disappear in Redis: every index of a001 is gone, those of a002 remain.
    expect(await keysUnder(prefix)).toEqual(
      [
        'action:a002',
        'actions:host:h2',
        'actions:rule:r2',
        'actions:ruleset:b',
        'actions:status:pending',
        'actions:time',
        'decisions',
        'decisions:time',
        'events',
        'events:time',
      ].map((k) => base + k),
    );
  });

  it('feeds autoheal history: filtered JSON read through the Redis indexes', async () => {
    const prefix = newPrefix();
    const clock = new ManualClock(T0);
    const writer = await open({ prefix }, clock);
    await seedAction(writer, 1, { ruleset: 'web', host: 'web01' }, clock);
    clock.advance(1_000);
    await seedAction(writer, 2, { ruleset: 'db', host: 'db01' }, clock);
    await writer.finishAction('a002', OutcomeStatus.Skipped);
    let stdout = '';
    const io = { stdout: (t: string) => (stdout += t), stderr: () => undefined, env: {} };
    const code = await historyCommand({ redisUrl: url, status: 'skipped', json: true }, io, {
      clock,
      openStore: async () => open({ prefix }, clock),
    });
    expect(code).toBe(0);
    const page = JSON.parse(stdout) as { items: Array<{ actionId: string; host: string; event: { eventId: string } }>; nextCursor: null };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ actionId: 'a002', host: 'db01', event: { eventId: 'e2' } });
    expect(page.nextCursor).toBeNull();
  });

  it('fails with AH_OUTCOME_STORE_FAILED when Redis cannot be reached', async () => {
    const store = new RedisOutcomeStore({ url: 'redis://127.0.0.1:1', prefix: newPrefix(), redis: { retryStrategy: () => null, connectTimeout: 500 } });
    opened.push(store);
    await expect(store.start()).rejects.toMatchObject({ code: ErrorCode.OutcomeStoreFailed });
  });
});
