/**
 * A second process consuming a ruleset with the real RedisEventQueue, for the cross-process test
 * (test/integration/queue-redis-process.test.ts). Run with
 * `node --import ./test/support/ts-loader.mjs test/support/queue-consumer-child.ts`.
 * Configuration comes from the environment:
 *   REDIS_URL, PREFIX, RULESET, LOG_KEY (a Redis list this process appends its handler calls to),
 *   HOLD_EVENT (the id of an event whose handler never returns; while held, it appends a `tick`
 *   every 200 ms, which shows that this process is alive and renewing its lock).
 * It prints `ready` once consuming, and exits on SIGTERM.
 */
import { Redis } from 'ioredis';
import { RedisEventQueue, silentQueueLogger } from '../../src/queue/index.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const url = env('REDIS_URL');
const ruleset = env('RULESET');
const logKey = env('LOG_KEY');
const hold = env('HOLD_EVENT');

const log = new Redis(url);
const queue = new RedisEventQueue(
  { url, prefix: env('PREFIX'), lockDurationMs: 3_000, stalledIntervalMs: 300, closeTimeoutMs: 500 },
  { logger: silentQueueLogger },
);
await queue.start();
await queue.consume([ruleset], async (_rs, event) => {
  await log.rpush(logKey, `start child ${event.id}`);
  if (event.id === hold) {
    setInterval(() => void log.rpush(logKey, 'tick child'), 200);
    await new Promise<never>(() => undefined);
  }
  await log.rpush(logKey, `end child ${event.id}`);
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void queue.close().finally(() => {
    log.disconnect();
    process.exit(0);
  });
});
