/**
 * Exclusivity and takeover across two real processes: a child process (the real
 * RedisEventQueue, run from source through test/support/ts-loader.mjs) consumes a ruleset and
 * hangs in the handler of one event; this process consumes the same ruleset meanwhile and must
 * not run anything while the child holds the lock. Then the child is killed with SIGKILL, and
 * this process must take the batch over and go on in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, expect, inject, it } from 'vitest';
import { RedisEventQueue } from '../../src/queue/index.js';
import { collectingLogger, deleteKeys, ev, pollUntil, testPrefix } from '../support/queue-test-kit.js';

const url = inject('redisUrl');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let child: ChildProcess | undefined;
const toClose: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const close of toClose.splice(0).reverse()) await close();
});

// The child transpiles its sources at start, which takes seconds on a loaded 2-core machine.
const TEST_TIMEOUT_MS = 120_000;

it('a second process never overlaps the first, and takes over in order when the first is killed', { timeout: TEST_TIMEOUT_MS }, async () => {
  const prefix = testPrefix();
  const logKey = `${prefix}:test-log`;
  const ruleset = 'cross: process';
  const redis = new Redis(url);
  toClose.push(async () => {
    await deleteKeys(url, prefix);
    redis.disconnect();
  });
  const entries = async (): Promise<string[]> => redis.lrange(logKey, 0, -1);

  const here = new RedisEventQueue(
    { url, prefix, lockDurationMs: 3_000, stalledIntervalMs: 300, closeTimeoutMs: 1_000 },
    { logger: collectingLogger().logger },
  );
  toClose.push(() => here.close());
  await here.start();
  const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'];
  for (let i = 0; i < ids.length; i += 2) await here.enqueue([{ ruleset, events: [ev(ids[i] as string), ev(ids[i + 1] as string)] }]);

  let output = '';
  child = spawn(process.execPath, ['--import', './test/support/ts-loader.mjs', 'test/support/queue-consumer-child.ts'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: url, PREFIX: prefix, RULESET: ruleset, LOG_KEY: logKey, HOLD_EVENT: 'e3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));

  await pollUntil(async () => (await entries()).includes('start child e3'), 'the child to hold e3', 60_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\nchild output:\n${output}`);
  });

  await here.consume([ruleset], async (_rs, event) => {
    await redis.rpush(logKey, `start here ${event.id}`);
    await redis.rpush(logKey, `end here ${event.id}`);
  });
  // Let this process's consumer run for longer than a lock lasts (3 s) while the child, alive,
  // keeps renewing its lock: twenty ticks of 200 ms after this point.
  const ticksBefore = (await entries()).filter((e) => e === 'tick child').length;
  await pollUntil(async () => (await entries()).filter((e) => e === 'tick child').length >= ticksBefore + 20, 'twenty child ticks', 30_000);

  await redis.rpush(logKey, 'killed child');
  child.kill('SIGKILL');
  await exited;

  await pollUntil(async () => (await entries()).includes('end here e8'), 'this process to finish e8', 20_000);
  const log = (await entries()).filter((e) => e !== 'tick child');
  expect(log).toEqual([
    'start child e1',
    'end child e1',
    'start child e2',
    'end child e2',
    'start child e3',
    'killed child',
    // Taken over: e3 again (at-least-once; e1 and e2 were recorded done and are not repeated).
    ...['e3', 'e4', 'e5', 'e6', 'e7', 'e8'].flatMap((id) => [`start here ${id}`, `end here ${id}`]),
  ]);
});
