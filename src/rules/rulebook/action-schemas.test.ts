import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, REMOVED_ACTIONS, actionArgsValidator } from './action-schemas.js';
import { validateArgs } from './validate-args.js';

function issues(action: string, args: Record<string, unknown>): string[] {
  const validator = actionArgsValidator(action);
  if (!validator) throw new Error(`no validator for ${action}`);
  return validateArgs(validator, args, action).map((i) => `${i.target} ${JSON.stringify(i.path)} ${i.message}`);
}

describe('action registry', () => {
  it('knows upstream actions, in documentation order, and not the removed pg_notify', () => {
    expect(ACTION_NAMES).toEqual([
      'run_playbook',
      'run_module',
      'run_job_template',
      'run_workflow_template',
      'post_event',
      'set_fact',
      'retract_fact',
      'print_event',
      'debug',
      'none',
      'shutdown',
    ]);
    expect(REMOVED_ACTIONS.has('pg_notify')).toBe(true);
    expect(actionArgsValidator('pg_notify')).toBeUndefined();
  });

  it('accepts the documented arguments of every action', () => {
    expect(
      issues('run_playbook', {
        name: 'p.yml',
        extra_vars: { a: 1 },
        verbosity: 2,
        json_mode: true,
        copy_files: false,
        retry: true,
        retries: 3,
        delay: 0.5,
        set_facts: true,
        post_events: false,
        ruleset: 'other',
        var_root: { 'alert.labels': 'labels' },
        lock: '{{ event.host }}',
      }),
    ).toEqual([]);
    expect(issues('run_module', { name: 'ansible.builtin.ping', module_args: 'data=pong' })).toEqual([]);
    expect(
      issues('run_job_template', {
        name: 'Fix',
        organization: 'Default',
        job_args: { limit: 'web' },
        include_events: false,
        labels: ['a'],
        add_event_uuid_label: true,
        delay: 2,
      }),
    ).toEqual([]);
    expect(issues('retract_fact', { fact: { a: 1 }, partial: false })).toEqual([]);
    expect(issues('print_event', { pretty: true, var_root: 'alert' })).toEqual([]);
    expect(issues('debug', { msg: ['a', 'b'] })).toEqual([]);
    expect(issues('shutdown', { delay: 1.5, message: 'bye', kind: 'graceful' })).toEqual([]);
  });

  it('needs the required arguments of controller templates and fact actions', () => {
    expect(issues('run_workflow_template', { name: 'W' })).toEqual([
      'owner [] missing required argument "organization" for run_workflow_template',
    ]);
    expect(issues('set_fact', {})).toEqual(['owner [] missing required argument "fact" for set_fact']);
  });

  it('wants an integer delay for controller templates but a number for playbooks', () => {
    expect(issues('run_job_template', { name: 'a', organization: 'b', delay: 1.5 })).toEqual([
      'value ["delay"] argument "delay" of run_job_template must be an integer, found a number',
    ]);
    expect(issues('run_playbook', { name: 'a', delay: 1.5 })).toEqual([]);
  });

  it('points into lists', () => {
    expect(issues('run_job_template', { name: 'a', organization: 'b', labels: ['ok', 7] })).toEqual([
      'value ["labels",1] argument "labels[1]" of run_job_template must be a string, found an integer',
    ]);
  });

  it('skips type checks on templated and vaulted values, not on plain ones', () => {
    expect(issues('run_playbook', { name: 'a', verbosity: '{{ v }}', retries: '{{ n }}', json_mode: { __vault__: 'x' } })).toEqual(
      [],
    );
    expect(issues('shutdown', { kind: '{{ event.kind }}', delay: '{{ d }}' })).toEqual([]);
    expect(issues('run_playbook', { name: 'a', verbosity: '{ v }' })).toEqual([
      'value ["verbosity"] argument "verbosity" of run_playbook must be an integer, found a string',
    ]);
  });

  it('takes debug msg or var, not both', () => {
    expect(issues('debug', { msg: 'a', var: 'event.i' })).toEqual(['key ["var"] debug takes either "msg" or "var", not both']);
    expect(issues('debug', {})).toEqual([]);
  });
});
