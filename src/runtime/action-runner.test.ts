import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { MatchTrigger, type FiredRule, type PlannedAction } from '../rules/engine/index.js';
import type { Rulebook } from '../rules/rulebook/index.js';
import { createActionRunner } from './action-runner.js';

const position = { file: 'rb.yml', line: 1, col: 1 };
const planned = (action: string, args: Record<string, unknown> | undefined, extra: Partial<PlannedAction> = {}): PlannedAction => ({
  action,
  spec: { name: action, args: args ?? {}, position },
  ...(args !== undefined ? { args } : {}),
  ...extra,
});
const fired = (actions: PlannedAction[]): FiredRule => ({
  ruleset: 'rs',
  rule: 'r1',
  ruleIndex: 0,
  bindings: { m: { i: 7, meta: { hosts: ['web01'] } } },
  trigger: MatchTrigger.Event,
  at: 0,
  actions,
});

function setup() {
  const out: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const run = createActionRunner({
    logger,
    stdout: (t) => out.push(t),
    vars: { token: 's3cret' },
    rulebook: { file: 'rb.yml', rulesets: [{ name: 'rs', hosts: 'all' }] } as unknown as Rulebook,
    clock: new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5)),
    inventory: 'inv.yml',
  });
  return { run, out, logs };
}

describe('createActionRunner', () => {
  it('runs actions in order, skipping the engine actions the evaluator applied', async () => {
    const { run, out } = setup();
    await run(
      fired([
        planned('debug', { msg: 'first' }),
        planned('set_fact', { fact: {} }),
        planned('print_event', {}),
        planned('shutdown', { message: 'bye' }),
        planned('none', {}),
      ]),
    );
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/\[debug\] \*+\nfirst\n\*+\n$/);
    expect(out[1]).toMatch(/\[event\] \*+\n\{'i': 7, 'meta': \{'hosts': \['web01'\]\}\}\n/);
    expect(out[2]).toContain('rs rule: r1 has initiated shutdown of type: graceful. Delay: 60.000 seconds, Message: bye');
  });

  it('logs a failed render and a non-console action, and goes on with the next action', async () => {
    const { run, out, logs } = setup();
    await run(fired([planned('debug', undefined, { error: 'undefined variable x' }), planned('run_job_template', { name: 'j' }), planned('debug', { msg: 'after' })]));
    expect(logs.filter((l) => l.msg === 'action failed').map((l) => l.reason)).toEqual(['undefined variable x']);
    expect(logs.some((l) => l.msg === 'action not run inline' && l.action === 'run_job_template' && l.level === 40)).toBe(true);
    expect(out).toHaveLength(1);
  });

  it('masks secret-looking variables in the argument-less debug dump', async () => {
    const { run, out } = setup();
    await run(fired([planned('debug', {})]));
    expect(out[0]).toContain('[debug: kwargs]');
    expect(out[0]).toContain("'token': '******'");
    expect(out[0]).not.toContain('s3cret');
    expect(out[0]).toContain("'hosts': ['web01']");
  });
});
