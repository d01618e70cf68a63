/**
 * State survives kill -9 (issue "Stateful rules", item 5): an engine process evaluating with
 * the Redis state store is killed with SIGKILL between events and started again; correlation
 * and throttle state carry over, and a redelivered event is not applied twice. Real redis-server
 * with AOF, real processes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

interface Answer {
  readonly id: string;
  readonly duplicate: boolean;
  readonly fired: readonly string[];
  readonly bindings: ReadonlyArray<Record<string, unknown>>;
}

class EngineProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(url: string, prefix: string) {
    this.child = spawn(process.execPath, ['test/support/durable-child.mjs', url, prefix, 'test/fixtures/rulebooks/restarts.yml']);
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async next(): Promise<Record<string, unknown>> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('engine process did not answer within 10 s')), 10_000).unref());
    const line = await Promise.race([this.lines.next(), timeout]);
    if (line.done === true) throw new Error('engine process exited');
    return JSON.parse(line.value) as Record<string, unknown>;
  }

  async send(id: string, event: Record<string, unknown>): Promise<Answer> {
    this.child.stdin.write(`${JSON.stringify({ id, ruleset: 'restarts', event })}\n`);
    return (await this.next()) as unknown as Answer;
  }

  /** SIGKILL, and wait until the process is really gone. */
  async kill(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function startEngine(url: string, prefix: string): Promise<EngineProcess> {
  const engine = new EngineProcess(url, prefix);
  expect(await engine.next()).toEqual({ ready: true });
  return engine;
}

describe('state across kill -9 (Redis state store)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis.remove();
  });

  it('fires the all rule over i=1,3,7 once, with the right bindings, across three kills', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const answers: Answer[] = [];
    for (const [n, i] of [1, 3, 7].entries()) {
      const engine = await startEngine(redis.url, prefix);
      answers.push(await engine.send(`e${n}-a`, { i }));
      answers.push(await engine.send(`e${n}-b`, { i: 100 + i }));
      await engine.kill();
    }
    expect(answers.map((a) => a.fired)).toEqual([[], [], [], [], ['one three seven'], []]);
    expect(answers[4]?.bindings).toEqual([{ m_0: { i: 1 }, m_1: { i: 3 }, m_2: { i: 7 } }]);
  });

  it('keeps a once_within window and recognises a redelivered event after kill -9', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const first = await startEngine(redis.url, prefix);
    expect((await first.send('h1', { host: 'web01' })).fired).toEqual(['once per host']);
    await first.kill();
    const second = await startEngine(redis.url, prefix);
    // The queue would redeliver h1 if the crash came before its ack: it must not fire again.
    expect(await second.send('h1', { host: 'web01' })).toMatchObject({ duplicate: true, fired: [] });
    expect((await second.send('h2', { host: 'web01' })).fired).toEqual([]);
    expect((await second.send('h3', { host: 'web02' })).fired).toEqual(['once per host']);
    await second.kill();
  });

  it('keeps the state when redis-server itself is killed and restarted (AOF)', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const engine = await startEngine(redis.url, prefix);
    expect((await engine.send('r1', { i: 1 })).fired).toEqual([]);
    await engine.kill();
    await redis.server.kill();
    await redis.server.restart();
    const after = await startEngine(redis.url, prefix);
    expect((await after.send('r2', { i: 3 })).fired).toEqual([]);
    expect((await after.send('r3', { i: 7 })).fired).toEqual(['one three seven']);
    await after.kill();
  });
});
