import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { OutcomeStatus, type ActionContext, type ActionRequest } from '../action-handler.js';
import type { AnsibleRunResult } from './ansible-run-result.js';
import type { ModuleRequest, PlaybookRequest } from './ansible-run-options.js';
import { createRunModuleHandler, createRunPlaybookHandler } from './ansible-action-handlers.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const result = (over: Partial<AnsibleRunResult> = {}): AnsibleRunResult => ({
  rc: 0, status: 'succeeded', rcMeaning: 'ok', signal: null, durationMs: 5, outputTail: 'PLAY RECAP', startedAt: 0, finishedAt: 5, ...over,
});

function context(action: string, args: Record<string, unknown>, hosts: string[] = ['web01'], bindings: ActionRequest['bindings'] = { m: { i: 7 } }): ActionContext {
  return {
    request: { dispatchKey: 'k', ruleset: 'rs', rule: 'r1', action, args, hosts, bindings, eventIds: ['e1'] },
    attempt: 1,
    signal: new AbortController().signal,
    clock: new ManualClock(0),
    logger: silent,
  };
}

describe('run_playbook / run_module handlers', () => {
  it('runs a playbook with the host limit, inventory, extra vars and the ansible_eda block', async () => {
    const seen: PlaybookRequest[] = [];
    const handler = createRunPlaybookHandler({ projectDir: '/proj', inventory: 'inv.yml', runPlaybook: async (r) => (seen.push(r), result()) });
    const outcome = await handler.run(context('run_playbook', { name: 'fix.yml', extra_vars: { a: 1 }, verbosity: 2 }));
    expect(seen[0]).toMatchObject({ playbook: 'fix.yml', projectDir: '/proj', inventory: 'inv.yml', hosts: ['web01'], extraVars: { a: 1 }, verbosity: 2, ansibleEda: { ruleset: 'rs', rule: 'r1', event: { i: 7 } } });
    expect(outcome).toMatchObject({ status: OutcomeStatus.Succeeded, rc: 0, outputTail: 'PLAY RECAP' });
  });

  it('passes all matched events as ansible_eda.events and drops the ruleset-wide limit "all"', async () => {
    const seen: PlaybookRequest[] = [];
    const handler = createRunPlaybookHandler({ projectDir: '/proj', runPlaybook: async (r) => (seen.push(r), result()) });
    await handler.run(context('run_playbook', { name: 'fix.yml' }, ['all'], { m_0: { a: 1 }, m_1: { b: 2 } }));
    expect(seen[0]?.hosts).toBeUndefined();
    expect(seen[0]?.ansibleEda).toEqual({ ruleset: 'rs', rule: 'r1', events: { m_0: { a: 1 }, m_1: { b: 2 } } });
  });

  it('reports a failed run as retryable with its rc, and returns artifacts only on success', async () => {
    const artifacts = { source: 'set_stats', host: 'web01', data: { done: true } } as AnsibleRunResult['artifacts'];
    const failing = createRunPlaybookHandler({ projectDir: '/p', runPlaybook: async () => result({ rc: 2, status: 'failed', rcMeaning: 'failed hosts', artifacts }) });
    const failed = await failing.run(context('run_playbook', { name: 'x.yml' }));
    expect(failed).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, rc: 2, summary: 'playbook x.yml failed: rc 2 (failed hosts)' });
    expect(failed.artifacts).toBeUndefined();
    const passing = createRunPlaybookHandler({ projectDir: '/p', runPlaybook: async () => result({ artifacts }) });
    expect((await passing.run(context('run_playbook', { name: 'x.yml' }))).artifacts).toEqual({ done: true });
  });

  it('fails clearly without a playbook name, and passes module arguments to run_module', async () => {
    const handler = createRunPlaybookHandler({ projectDir: '/p', runPlaybook: async () => result() });
    expect(await handler.run(context('run_playbook', {}))).toMatchObject({ status: OutcomeStatus.Failed, retryable: false });
    const seen: ModuleRequest[] = [];
    const module = createRunModuleHandler({ projectDir: '/p', runModule: async (r) => (seen.push(r), result()) });
    await module.run(context('run_module', { name: 'ansible.builtin.service', module_args: { name: 'rsyslog', state: 'restarted' } }));
    expect(seen[0]).toMatchObject({ module: 'ansible.builtin.service', moduleArgs: { name: 'rsyslog', state: 'restarted' } });
  });
});
