import { describe, expect, it } from 'vitest';
import { IcingaActionName, planIcingaAction, type PlanResult } from './plan-icinga-action.js';

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const serviceEvent = { m: { icinga: { host: 'web01', service: 'http' } } };
const hostEvent = { m: { icinga: { host: 'web01' } } };

function plan(action: IcingaActionName, args: Record<string, unknown>, bindings: Record<string, Record<string, unknown>> = serviceEvent): PlanResult {
  return planIcingaAction(action, { args, bindings }, NOW_MS);
}

function body(result: PlanResult): Readonly<Record<string, unknown>> {
  if (!result.ok) throw new Error(result.message);
  return result.plan.body;
}

function problem(result: PlanResult): string {
  if (result.ok) throw new Error('expected a problem');
  return result.message;
}

describe('planIcingaAction', () => {
  it('acknowledges the matched service with filter_vars and Icinga defaults', () => {
    const result = plan(IcingaActionName.Acknowledge, { comment: 'on it' });
    expect(result).toMatchObject({ ok: true, plan: { path: '/v1/actions/acknowledge-problem', target: { type: 'Service', host: 'web01', service: 'http' } } });
    expect(body(result)).toEqual({
      type: 'Service',
      filter: 'host.name==h && service.name==s',
      filter_vars: { h: 'web01', s: 'http' },
      author: 'autoheal',
      comment: 'on it',
      sticky: false,
      notify: false,
      persistent: false,
    });
  });

  it('targets the host of a host event', () => {
    expect(body(plan(IcingaActionName.RemoveAcknowledgement, {}, hostEvent))).toEqual({
      type: 'Host',
      filter: 'host.name==h',
      filter_vars: { h: 'web01' },
      author: 'autoheal',
    });
  });

  it('lets an explicit host replace the event target (alone: the host), and an explicit service keep the event host', () => {
    expect(body(plan(IcingaActionName.Comment, { comment: 'c', host: 'db01' }))).toMatchObject({ type: 'Host', filter_vars: { h: 'db01' } });
    expect(body(plan(IcingaActionName.Comment, { comment: 'c', host: 'db01', service: 'pg' }))).toMatchObject({ type: 'Service', filter_vars: { h: 'db01', s: 'pg' } });
    expect(body(plan(IcingaActionName.Comment, { comment: 'c', service: 'disk' }))).toMatchObject({ type: 'Service', filter_vars: { h: 'web01', s: 'disk' } });
  });

  it('keeps names out of the filter text, so quotes in a name cannot change it', () => {
    const b = body(plan(IcingaActionName.Comment, { comment: 'c', host: 'x" || true || "' }));
    expect(b.filter).toBe('host.name==h');
    expect(b.filter_vars).toEqual({ h: 'x" || true || "' });
  });

  it('takes the event from m_<n> bindings of a multi-event match, the lowest index first', () => {
    const bindings = { m_1: { icinga: { host: 'b' } }, m_0: { other: 1 }, m_10: { icinga: { host: 'c' } } };
    expect(body(plan(IcingaActionName.RemoveAcknowledgement, {}, bindings))).toMatchObject({ filter_vars: { h: 'b' } });
  });

  it('needs a target and a comment, with clear messages', () => {
    expect(problem(plan(IcingaActionName.Acknowledge, { comment: 'x' }, { m: { alert: 1 } }))).toBe(
      'icinga_acknowledge: no target: give "host" (and "service"), or match an Icinga event (event.icinga.host)',
    );
    expect(problem(plan(IcingaActionName.Acknowledge, {}))).toBe('icinga_acknowledge: argument "comment" is required (Icinga needs a comment on every acknowledgement)');
    expect(problem(plan(IcingaActionName.Comment, { comment: '  ' }))).toBe('icinga_comment: argument "comment" must not be empty');
  });

  it('accepts booleans and numbers rendered from templates as strings, and rejects other strings', () => {
    expect(body(plan(IcingaActionName.Acknowledge, { comment: 'c', sticky: 'True', notify: 'false', expire_in: '600' }))).toMatchObject({
      sticky: true,
      notify: false,
      expiry: NOW + 600,
    });
    expect(problem(plan(IcingaActionName.Acknowledge, { comment: 'c', sticky: 'yes' }))).toBe('icinga_acknowledge: argument "sticky" must be true or false, found "yes"');
    expect(problem(plan(IcingaActionName.Comment, { comment: 'c', expire_in: 'soon' }))).toBe(
      'icinga_comment: argument "expire_in" must be a number of seconds, found "soon"',
    );
  });

  it('takes expiry as unix seconds in the future, or expire_in, not both', () => {
    expect(body(plan(IcingaActionName.Comment, { comment: 'c', expiry: NOW + 60 }))).toMatchObject({ expiry: NOW + 60 });
    expect(problem(plan(IcingaActionName.Acknowledge, { comment: 'c', expiry: NOW - 1 }))).toMatch(/"expiry" \(\d+\) is not in the future/);
    expect(problem(plan(IcingaActionName.Acknowledge, { comment: 'c', expiry: NOW + 60, expire_in: 60 }))).toBe(
      'icinga_acknowledge: give either "expiry" or "expire_in", not both',
    );
  });

  it('schedules a fixed downtime from now for a duration, or from start_time to end_time', () => {
    expect(body(plan(IcingaActionName.Downtime, { comment: 'm', duration: 3600 }))).toMatchObject({
      start_time: NOW,
      end_time: NOW + 3600,
      fixed: true,
      duration: 3600,
      author: 'autoheal',
    });
    expect(body(plan(IcingaActionName.Downtime, { comment: 'm', start_time: NOW + 10, end_time: NOW + 20 }))).toMatchObject({ start_time: NOW + 10, end_time: NOW + 20 });
    expect(body(plan(IcingaActionName.Downtime, { comment: 'm', duration: 60, all_services: true }, hostEvent))).toMatchObject({ type: 'Host', all_services: true });
  });

  it('rejects downtimes Icinga would accept but that never apply, and flexible ones without a window', () => {
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm' }))).toBe('icinga_downtime: give "duration" (seconds) or "end_time" (unix seconds)');
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', start_time: NOW + 100, end_time: NOW + 50 }))).toBe(
      `icinga_downtime: the downtime ends (${NOW + 50}) before it starts (${NOW + 100})`,
    );
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', start_time: NOW - 100, end_time: NOW - 50 }))).toMatch(/in the past/);
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', fixed: false, end_time: NOW + 50 }))).toMatch(/needs "duration"/);
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', fixed: false, duration: 50 }))).toMatch(/needs "end_time"/);
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', duration: 50, all_services: true }))).toMatch(/host downtimes only/);
    expect(problem(plan(IcingaActionName.Downtime, { comment: 'm', duration: 0 }))).toBe('icinga_downtime: argument "duration" must be greater than 0, found 0');
  });
});
