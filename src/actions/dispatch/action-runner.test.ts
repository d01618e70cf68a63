import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { OutcomeStatus, type ActionHandler, type ActionLogger, type ActionRequest, type ActionResult } from '../action-handler.js';
import { ActionRunner, type OutcomeSink } from './action-runner.js';
import { MemoryCoordinationStore } from './memory-coordination-store.js';

const silent: ActionLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function request(action: string, args: Record<string, unknown> = {}, key = 'k1'): ActionRequest {
  return { dispatchKey: key, ruleset: 'rs', rule: 'fix', action, args, hosts: ['web01'], bindings: { m: { host: 'web01' } }, eventIds: ['e1'] };
}

function recorder(): OutcomeSink & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    attemptStarted: async (r, attempt) => void log.push(`start ${r.action}#${attempt}`),
    attemptFinished: async (r, attempt, result) => void log.push(`attempt ${r.action}#${attempt} ${result.status}`),
    actionFinished: async (r, status, summary) => void log.push(`done ${r.action} ${status}: ${summary}`),
  };
}

function handler(name: string, results: ActionResult[], safeToRepeat = false): ActionHandler & { calls: number } {
  const h = {
    name,
    safeToRepeat,
    calls: 0,
    async run(): Promise<ActionResult> {
      h.calls += 1;
      return results[Math.min(h.calls - 1, results.length - 1)] as ActionResult;
    },
  };
  return h;
}

type LogLine = { level: string; msg: string; fields: Record<string, unknown> };

/** A logger that keeps every line, for what on-call would read. */
function capturingLogger(): ActionLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (fields: object, msg: string) => void lines.push({ level, msg, fields: fields as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

function setup(handlers: ActionHandler[], clock = new ManualClock(0), logger: ActionLogger = silent) {
  const coordination = new MemoryCoordinationStore(clock);
  const outcomes = recorder();
  const runner = new ActionRunner({ handlers: new Map(handlers.map((h) => [h.name, h])), coordination, outcomes, clock, logger, random: () => 0, owner: 'me', lockPollMs: 1000 });
  return { runner, coordination, outcomes, clock };
}

describe('ActionRunner', () => {
  it('runs a succeeding action once; a second delivery is a duplicate', async () => {
    const h = handler('run_playbook', [{ status: OutcomeStatus.Succeeded, summary: 'ok' }]);
    const { runner, outcomes } = setup([h]);
    expect(await runner.run({ request: request('run_playbook'), attempt: 1 })).toEqual({ kind: 'done', status: 'succeeded', followUps: [] });
    expect(await runner.run({ request: request('run_playbook'), attempt: 1 })).toEqual({ kind: 'duplicate' });
    expect(h.calls).toBe(1);
    expect(outcomes.log).toEqual(['start run_playbook#1', 'attempt run_playbook#1 succeeded', 'done run_playbook succeeded: ok']);
  });

  it('logs each attempt as it starts and the final outcome, a failure at error level', async () => {
    const logger = capturingLogger();
    const { runner } = setup(
      [handler('run_playbook', [{ status: OutcomeStatus.Succeeded, summary: 'playbook ok (rc 0)' }]), handler('notify', [{ status: OutcomeStatus.Failed, summary: 'zulip said 400' }])],
      new ManualClock(0),
      logger,
    );
    await runner.run({ request: request('run_playbook'), attempt: 1 });
    await runner.run({ request: request('notify', {}, 'k2'), attempt: 1 });
    const who = { ruleset: 'rs', rule: 'fix', hosts: ['web01'], eventIds: ['e1'] };
    expect(logger.lines).toEqual([
      { level: 'info', msg: 'action started', fields: { dispatchKey: 'k1', action: 'run_playbook', attempt: 1, ...who } },
      { level: 'info', msg: 'action finished', fields: { dispatchKey: 'k1', action: 'run_playbook', status: 'succeeded', summary: 'playbook ok (rc 0)', ...who } },
      { level: 'info', msg: 'action started', fields: { dispatchKey: 'k2', action: 'notify', attempt: 1, ...who } },
      { level: 'error', msg: 'action finished', fields: { dispatchKey: 'k2', action: 'notify', status: 'failed', summary: 'zulip said 400', ...who } },
    ]);
  });

  it('retries a retryable failure with exponential backoff, then runs on_failure with the outcome', async () => {
    const failed: ActionResult = { status: OutcomeStatus.Failed, summary: 'job failed', retryable: true, rc: 2 };
    const h = handler('run_job_template', [failed]);
    const { runner } = setup([h, handler('notify', [{ status: OutcomeStatus.Succeeded, summary: 'sent' }])]);
    const req = request('run_job_template', {
      retries: 2,
      on_failure: [{ notify: { target: 'ops', message: '{{ outcome.action }} on {{ event.host }}: {{ outcome.status }} ({{ outcome.summary }}, rc {{ outcome.rc }})' } }],
    });
    const first = await runner.run({ request: req, attempt: 1 });
    expect(first).toMatchObject({ kind: 'retry', delayMs: 5000, job: { attempt: 2 } });
    const second = await runner.run({ request: req, attempt: 2 });
    expect(second).toMatchObject({ kind: 'retry', delayMs: 10_000, job: { attempt: 3 } });
    const last = await runner.run({ request: req, attempt: 3 });
    expect(last.kind).toBe('done');
    if (last.kind !== 'done') return;
    expect(last.status).toBe('failed');
    expect(last.followUps).toEqual([
      expect.objectContaining({ action: 'notify', dispatchKey: 'k1/on_failure/0', args: { target: 'ops', message: 'run_job_template on web01: failed (job failed, rc 2)' } }),
    ]);
    expect(h.calls).toBe(3);
  });

  it('honours a target\'s Retry-After over a shorter backoff', async () => {
    const { runner } = setup([handler('notify', [{ status: OutcomeStatus.Failed, summary: '429', retryable: true, retryAfterMs: 42_000 }])]);
    expect(await runner.run({ request: request('notify', { retries: 1 }), attempt: 1 })).toMatchObject({ kind: 'retry', delayMs: 42_000 });
  });

  it('records interrupted for an attempt found started but unfinished, and does not run it again', async () => {
    const h = handler('run_playbook', [{ status: OutcomeStatus.Succeeded, summary: 'ok' }]);
    const { runner, coordination, outcomes } = setup([h]);
    await coordination.begin('k1', 1, 'a worker that died');
    expect(await runner.run({ request: request('run_playbook', { retries: 3 }), attempt: 1 })).toEqual({ kind: 'done', status: 'interrupted', followUps: [] });
    expect(h.calls).toBe(0);
    expect(outcomes.log.at(-1)).toMatch(/^done run_playbook interrupted/);
  });

  it('runs again after an interruption when the action is safe to repeat', async () => {
    const h = handler('notify', [{ status: OutcomeStatus.Succeeded, summary: 'sent' }], true);
    const { runner, coordination } = setup([h]);
    await coordination.begin('k1', 1, 'dead');
    const decision = await runner.run({ request: request('notify', { retries: 1 }), attempt: 1 });
    expect(decision).toMatchObject({ kind: 'retry', delayMs: 0, job: { attempt: 2 } });
  });

  it('times out an attempt by aborting it', async () => {
    const slow: ActionHandler = {
      name: 'run_playbook',
      safeToRepeat: false,
      run: ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: OutcomeStatus.Failed, summary: 'killed' }))),
    };
    const { runner } = setup([slow]);
    const decision = await runner.run({ request: request('run_playbook', { timeout: 0.05 }), attempt: 1 });
    expect(decision).toMatchObject({ kind: 'done', status: 'timed_out' });
  });

  it('waits for, or skips past, a lock held by another remediation of the same target', async () => {
    const h = handler('run_playbook', [{ status: OutcomeStatus.Succeeded, summary: 'ok' }]);
    const { runner, coordination, clock } = setup([h]);
    await coordination.acquireLock('rs::fix::web01', 'other', 60_000);
    const waiting = await runner.run({ request: request('run_playbook'), attempt: 1 });
    expect(waiting).toMatchObject({ kind: 'retry', delayMs: 1000, job: { attempt: 1, waitingSince: 0 } });
    const skipped = await runner.run({ request: request('run_playbook', { lock_mode: 'skip' }, 'k2'), attempt: 1 });
    expect(skipped).toMatchObject({ kind: 'done', status: 'skipped' });
    await coordination.releaseLock('rs::fix::web01', 'other');
    clock.advance(1000);
    expect(await runner.run(waiting.kind === 'retry' ? waiting.job : { request: request('run_playbook'), attempt: 1 })).toMatchObject({ kind: 'done', status: 'succeeded' });
    expect(h.calls).toBe(1);
  });

  it('opens the circuit breaker after max_runs per target in the window and runs on_open instead', async () => {
    const h = handler('run_playbook', [{ status: OutcomeStatus.Succeeded, summary: 'ok' }]);
    const { runner, clock } = setup([h, handler('notify', [{ status: OutcomeStatus.Succeeded, summary: 'sent' }])]);
    const args = { circuit_breaker: { max_runs: 2, window: '1 hour', on_open: [{ notify: { target: 'ops', message: 'stopped: {{ outcome.summary }}' } }] } };
    for (const key of ['a', 'b']) expect(await runner.run({ request: request('run_playbook', args, key), attempt: 1 })).toMatchObject({ status: 'succeeded' });
    const third = await runner.run({ request: request('run_playbook', args, 'c'), attempt: 1 });
    expect(third).toMatchObject({ kind: 'done', status: 'skipped' });
    if (third.kind === 'done') expect(third.followUps[0]?.args.message).toMatch(/^stopped: circuit breaker open: 2 runs for rs::fix::web01/);
    clock.advance(3_600_001);
    expect(await runner.run({ request: request('run_playbook', args, 'd'), attempt: 1 })).toMatchObject({ status: 'succeeded' });
    expect(h.calls).toBe(3);
  });

  it('fails clearly when no handler implements the action', async () => {
    const { runner } = setup([]);
    expect(await runner.run({ request: request('teleport'), attempt: 1 })).toMatchObject({ kind: 'done', status: 'failed' });
  });
});
