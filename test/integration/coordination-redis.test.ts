/**
 * Coordination shared by every process through Redis (issue "Remediation", items 1 and 4): two
 * stores on separate connections stand for two autoheal processes.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { OutcomeStatus, type ActionHandler, type ActionRequest } from '../../src/actions/action-handler.js';
import { ActionRunner, BeginResult, RedisCoordinationStore, type OutcomeSink } from '../../src/actions/dispatch/index.js';

const url = inject('redisUrl');
const opened: RedisCoordinationStore[] = [];
function store(prefix: string): RedisCoordinationStore {
  const s = new RedisCoordinationStore({ url, prefix });
  opened.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const noOutcomes: OutcomeSink = { attemptStarted: async () => undefined, attemptFinished: async () => undefined, actionFinished: async () => undefined };

describe('RedisCoordinationStore', () => {
  it('lets only one process claim an attempt, and recognises a crash and a finished action', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const a = store(prefix);
    const b = store(prefix);
    const [first, second] = await Promise.all([a.begin('act', 1, 'A'), b.begin('act', 1, 'B')]);
    expect([first, second].sort()).toEqual([BeginResult.Interrupted, BeginResult.Started]);
    await a.finish('act', 1);
    expect(await b.begin('act', 1, 'B')).toBe(BeginResult.Finished);
    expect(await b.begin('act', 2, 'B')).toBe(BeginResult.Started);
    expect(await b.isComplete('act')).toBe(false);
    await a.complete('act');
    expect(await b.begin('act', 3, 'B')).toBe(BeginResult.Finished);
    // What a shutdown listed after the action waits for, seen from the other process.
    expect(await b.isComplete('act')).toBe(true);
    expect(await b.isComplete('another')).toBe(false);
  });

  it('holds a lock for one owner across processes, releases only for its owner, and frees it when the lease ends', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const a = store(prefix);
    const b = store(prefix);
    expect(await a.acquireLock('web01', 'A', 60_000)).toBe(true);
    expect(await b.acquireLock('web01', 'B', 60_000)).toBe(false);
    expect(await a.acquireLock('web01', 'A', 60_000)).toBe(true); // the same run again (a retry)
    await b.releaseLock('web01', 'B'); // not the owner: no effect
    expect(await b.acquireLock('web01', 'B', 60_000)).toBe(false);
    await a.releaseLock('web01', 'A');
    expect(await b.acquireLock('web01', 'B', 200)).toBe(true);
    // The holder died: its lease runs out and another process takes the lock.
    await new Promise((r) => setTimeout(r, 300));
    expect(await a.acquireLock('web01', 'A', 60_000)).toBe(true);
    expect(await b.renewLock('web01', 'B', 60_000)).toBe(false);
  });

  it('counts runs per target in a sliding window shared by processes', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const a = store(prefix);
    const b = store(prefix);
    expect(await a.countRun('rs::fix::web01', 1_000, 60_000, true)).toBe(1);
    expect(await b.countRun('rs::fix::web01', 2_000, 60_000, true)).toBe(2);
    expect(await a.countRun('rs::fix::web01', 2_500, 60_000, false)).toBe(2);
    expect(await b.countRun('rs::fix::web01', 61_500, 60_000, false)).toBe(1);
  });

  it('runs one remediation at a time per host when two processes race for the same target', async () => {
    const prefix = `{t-${randomUUID()}}`;
    let running = 0;
    let maxRunning = 0;
    const slow: ActionHandler = {
      name: 'run_playbook',
      safeToRepeat: false,
      run: async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 150));
        running -= 1;
        return { status: OutcomeStatus.Succeeded, summary: 'ok' };
      },
    };
    const runner = (s: RedisCoordinationStore, owner: string) =>
      new ActionRunner({ handlers: new Map([['run_playbook', slow]]), coordination: s, outcomes: noOutcomes, clock: new ManualClock(0), logger: silent, owner, lockPollMs: 10 });
    const request = (key: string): ActionRequest => ({ dispatchKey: key, ruleset: 'rs', rule: 'fix', action: 'run_playbook', args: { name: 'x.yml' }, hosts: ['web01'], bindings: {}, eventIds: [key] });
    const r1 = runner(store(prefix), 'P1');
    const r2 = runner(store(prefix), 'P2');
    const [d1, d2] = await Promise.all([r1.run({ request: request('k1'), attempt: 1 }), r2.run({ request: request('k2'), attempt: 1 })]);
    // One ran; the other was told to wait for the lock (and runs when it tries again).
    expect([d1.kind, d2.kind].sort()).toEqual(['done', 'retry']);
    const waiting = d1.kind === 'retry' ? { runner: r1, decision: d1 } : { runner: r2, decision: d2 };
    if (waiting.decision.kind !== 'retry') throw new Error('unreachable');
    expect(await waiting.runner.run(waiting.decision.job)).toMatchObject({ kind: 'done', status: 'succeeded' });
    expect(maxRunning).toBe(1);
  });
});
