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
    // autoheal's own actions follow upstream's; they are checked in their own tests.
    expect(ACTION_NAMES.slice(0, 11)).toEqual([
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

  it('takes autoheal\'s dispatch arguments on dispatched actions (delay widened to durations), not on local ones', () => {
    // Upstream wants an integer delay for controller templates; autoheal accepts seconds or "5 minutes" everywhere.
    expect(issues('run_job_template', { name: 'a', organization: 'b', delay: 1.5 })).toEqual([]);
    expect(issues('run_playbook', { name: 'a', delay: '5 minutes', timeout: 600, lock_mode: 'skip', on_failure: [{ notify: { target: 'ops', message: 'x' } }] })).toEqual([]);
    expect(issues('run_playbook', { name: 'a', circuit_breaker: { max_runs: 3, window: '1 hour', on_open: [{ notify: { target: 'ops', message: 'x' } }] } })).toEqual([]);
    expect(issues('run_playbook', { name: 'a', delay: true })).toHaveLength(1);
    expect(issues('run_playbook', { name: 'a', lock_mode: 'sometimes' })).toHaveLength(1);
    expect(issues('debug', { msg: 'x', retries: 2 })).toHaveLength(1);
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

describe('icinga actions', () => {
  it('are registered after upstream\'s, as autoheal actions', () => {
    expect(ACTION_NAMES).toEqual(expect.arrayContaining(['icinga_acknowledge', 'icinga_remove_acknowledgement', 'icinga_downtime', 'icinga_comment']));
    expect(ACTION_NAMES.indexOf('icinga_acknowledge')).toBeGreaterThan(ACTION_NAMES.indexOf('shutdown'));
  });

  it('accept their documented arguments, templated values included', () => {
    expect(
      issues('icinga_acknowledge', { comment: 'c', host: 'h', service: 's', author: 'a', sticky: true, notify: false, persistent: false, expire_in: 60 }),
    ).toEqual([]);
    expect(issues('icinga_acknowledge', { comment: '{{ event.icinga.output }}', sticky: '{{ vars.sticky }}', expiry: '{{ vars.until }}' })).toEqual([]);
    expect(issues('icinga_remove_acknowledgement', {})).toEqual([]);
    expect(issues('icinga_downtime', { comment: 'c', duration: 3600, start_time: 1, end_time: 2, fixed: false, all_services: true })).toEqual([]);
    expect(issues('icinga_downtime', { comment: 'c', duration: '{{ vars.minutes * 60 }}', fixed: '{{ vars.fixed }}' })).toEqual([]);
    expect(issues('icinga_comment', { comment: 'c', expiry: 1800000000 })).toEqual([]);
  });

  it('need a comment, positive seconds, and either expiry or expire_in', () => {
    expect(issues('icinga_acknowledge', {})).toEqual(['owner [] missing required argument "comment" for icinga_acknowledge']);
    expect(issues('icinga_downtime', { comment: 'c', duration: 0 })).toEqual(['value ["duration"] argument "duration" of icinga_downtime must be > 0, found 0']);
    expect(issues('icinga_comment', { comment: 'c', expiry: 1, expire_in: 1 })).toEqual(['key ["expire_in"] icinga_comment takes either "expiry" or "expire_in", not both']);
    expect(issues('icinga_remove_acknowledgement', { sticky: true })).toEqual([
      'key ["sticky"] unknown argument "sticky" for icinga_remove_acknowledgement; expected one of host, service, author, retry, retries, delay, retry_backoff, max_retry_delay, timeout, lock, lock_mode, lock_wait, on_failure, circuit_breaker',
    ]);
  });
});

describe('notify and gitlab actions', () => {
  it('are registered after upstream\'s, as autoheal actions', () => {
    expect(ACTION_NAMES).toEqual(expect.arrayContaining(['notify', 'gitlab_comment', 'gitlab_label', 'gitlab_close']));
    expect(ACTION_NAMES.indexOf('notify')).toBeGreaterThan(ACTION_NAMES.indexOf('shutdown'));
  });

  it('accept their documented arguments, templated values included', () => {
    expect(issues('notify', { target: 'ops', message: 'm', title: 't', topic: 'web01', stream: 'ops' })).toEqual([]);
    expect(issues('notify', { target: 'ops', message: 'm', stream: 12 })).toEqual([]);
    expect(issues('notify', { target: '{{ vars.notifier }}', message: '{{ event.alert.summary }}', stream: '{{ vars.stream_id }}' })).toEqual([]);
    expect(issues('gitlab_comment', { body: 'b' })).toEqual([]);
    expect(issues('gitlab_comment', { body: 'b', project: 'ops/infra', issue: 23 })).toEqual([]);
    expect(issues('gitlab_comment', { body: 'b', project: 14, issue: '{{ event.issue.iid }}' })).toEqual([]);
    expect(issues('gitlab_label', { add: ['a', 'b'], remove: 'c' })).toEqual([]);
    expect(issues('gitlab_label', { add: '{{ event.labels }}' })).toEqual([]);
    expect(issues('gitlab_close', {})).toEqual([]);
    expect(issues('gitlab_close', { comment: 'Fixed', project: 'ops/infra', issue: 1 })).toEqual([]);
  });

  it('need notify target and message, and a comment body', () => {
    expect(issues('notify', { message: 'm' })).toEqual(['owner [] missing required argument "target" for notify']);
    expect(issues('notify', { target: 'ops' })).toEqual(['owner [] missing required argument "message" for notify']);
    expect(issues('gitlab_comment', {})).toEqual(['owner [] missing required argument "body" for gitlab_comment']);
  });

  it('reject wrong types and unknown arguments, with suggestions', () => {
    expect(issues('notify', { target: 'ops', message: 'm', stream: true })).toEqual([
      'value ["stream"] argument "stream" of notify must be a string or an integer, found a boolean',
    ]);
    expect(issues('gitlab_comment', { body: 'b', issue: 0 })).toEqual(['value ["issue"] argument "issue" of gitlab_comment must be >= 1, found 0']);
    expect(issues('gitlab_comment', { body: 'b', issue: '23' })).toEqual(['value ["issue"] argument "issue" of gitlab_comment must be an integer, found a string']);
    expect(issues('gitlab_label', { add: [1] })).toEqual(['value ["add",0] argument "add[0]" of gitlab_label must be a string, found an integer']);
    expect(issues('gitlab_close', { coment: 'x' })).toEqual(['key ["coment"] unknown argument "coment" for gitlab_close; did you mean "comment"?']);
    expect(issues('notify', { target: 'ops', message: 'm', url: 'https://hooks' })[0]).toMatch(/^key \["url"\] unknown argument "url" for notify/);
  });
});
