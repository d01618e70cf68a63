import { describe, expect, it } from 'vitest';
import type { ActionRequest } from '../action-handler.js';
import { buildLaunchPayload, parseControllerActionArgs, type ControllerActionArgs } from './controller-template-action.js';

const REQUEST: ActionRequest = {
  dispatchKey: 'k',
  ruleset: 'rs',
  rule: 'r',
  action: 'run_job_template',
  args: {},
  hosts: ['h1'],
  bindings: { m_0: { a: 1 }, m_1: { b: 2 } },
  eventIds: ['e0', 'e1'],
};

describe('parseControllerActionArgs', () => {
  it('splits job_args into extra vars, limit and the rest', () => {
    const args = parseControllerActionArgs('run_job_template', { name: 'n', organization: 'o', job_args: { extra_vars: { x: 1 }, limit: ['a', 'b'], inventory: 3 } });
    expect(args).toEqual({ name: 'n', organization: 'o', jobArgs: { inventory: 3 }, extraVars: { x: 1 }, limit: 'a,b', includeEvents: true, labels: [], addEventUuidLabel: false });
  });

  it('lists every problem', () => {
    const message = parseControllerActionArgs('run_job_template', { name: '', job_args: { extra_vars: 'x=1', limit: 3 }, include_events: 'yes' });
    expect(message).toBe(
      'invalid run_job_template arguments: "name" is required and must be a non-empty string, found a string; "organization" is required and must be a non-empty string, found nothing; "include_events" must be true or false, found a string; "job_args.extra_vars" must be a mapping, found a string; "job_args.limit" must be a string or a list of strings, found a number',
    );
  });

  it('refuses the reserved crash-safety variables', () => {
    expect(parseControllerActionArgs('run_job_template', { name: 'n', organization: 'o', job_args: { extra_vars: { autoheal_dispatch_key: 'x' } } })).toContain('reserved');
  });
});

describe('buildLaunchPayload', () => {
  const args = parseControllerActionArgs('run_job_template', { name: 'n', organization: 'o' }) as ControllerActionArgs;

  it('passes the events of a multi-condition match by binding', () => {
    const payload = buildLaunchPayload(args, { askLimitOnLaunch: true }, { request: REQUEST, attempt: 3 });
    expect(payload).toEqual({
      extra_vars: { ansible_eda: { ruleset: 'rs', rule: 'r', events: { m_0: { a: 1 }, m_1: { b: 2 } } }, autoheal_dispatch_key: 'k', autoheal_attempt: 3 },
      limit: 'h1',
    });
  });
});
