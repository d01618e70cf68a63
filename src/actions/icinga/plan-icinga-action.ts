/**
 * @module Turns the rendered arguments of an icinga_* action into the one Icinga API request it
 * makes (shared/spec/wire-formats.md §3.6). Pure: the current time is a parameter.
 *
 * The target defaults to the matched Icinga event (`event.icinga.host`, `event.icinga.service`
 * of binding `m`, else the first `m_<n>` holding one). An explicit `host` names a different
 * object: alone it targets that host, with `service` that service. An explicit `service` alone
 * keeps the event's host. Names travel in `filter_vars`, never spliced into the filter, so no
 * name can change the filter's meaning.
 */
import type { ActionRequest } from '../action-handler.js';

/** autoheal's Icinga write-back actions. */
export const IcingaActionName = {
  Acknowledge: 'icinga_acknowledge',
  RemoveAcknowledgement: 'icinga_remove_acknowledgement',
  Downtime: 'icinga_downtime',
  Comment: 'icinga_comment',
} as const;
export type IcingaActionName = (typeof IcingaActionName)[keyof typeof IcingaActionName];

/** The Icinga API action each one calls (`POST /v1/actions/<name>`). */
export const ICINGA_API_ACTION: Readonly<Record<IcingaActionName, string>> = {
  [IcingaActionName.Acknowledge]: 'acknowledge-problem',
  [IcingaActionName.RemoveAcknowledgement]: 'remove-acknowledgement',
  [IcingaActionName.Downtime]: 'schedule-downtime',
  [IcingaActionName.Comment]: 'add-comment',
};

/** The `author` sent when the rule gives none. */
export const DEFAULT_ICINGA_AUTHOR = 'autoheal';

export const IcingaObjectType = { Host: 'Host', Service: 'Service' } as const;
export type IcingaObjectType = (typeof IcingaObjectType)[keyof typeof IcingaObjectType];

/** The Icinga object an action is aimed at. */
export interface IcingaTarget {
  readonly type: IcingaObjectType;
  readonly host: string;
  /** Present exactly when `type` is Service. */
  readonly service?: string;
}

/** One planned API call. */
export interface IcingaActionPlan {
  readonly action: IcingaActionName;
  readonly target: IcingaTarget;
  /** `/v1/actions/<api action>`. */
  readonly path: string;
  /** The complete JSON body: target filter plus the action's parameters. */
  readonly body: Readonly<Record<string, unknown>>;
}

export type PlanResult = { readonly ok: true; readonly plan: IcingaActionPlan } | { readonly ok: false; readonly message: string };

/** `web01` or `web01!http`: how Icinga names the object in its messages. */
export function targetName(target: IcingaTarget): string {
  return target.service === undefined ? target.host : `${target.host}!${target.service}`;
}

/** `host web01` or `service web01!http`, for summaries. */
export function describeTarget(target: IcingaTarget): string {
  return `${target.type === IcingaObjectType.Host ? 'host' : 'service'} ${targetName(target)}`;
}

/** The `type`/`filter`/`filter_vars` part of a request body that selects exactly `target`. */
export function targetSelector(target: IcingaTarget): Record<string, unknown> {
  return target.service === undefined
    ? { type: IcingaObjectType.Host, filter: 'host.name==h', filter_vars: { h: target.host } }
    : { type: IcingaObjectType.Service, filter: 'host.name==h && service.name==s', filter_vars: { h: target.host, s: target.service } };
}

class ArgProblem extends Error {}

/** Reads rendered arguments; a template may have rendered a boolean or number as a string. */
class Args {
  constructor(
    private readonly action: IcingaActionName,
    private readonly args: Readonly<Record<string, unknown>>,
  ) {}

  private given(key: string): boolean {
    const v = this.args[key];
    return v !== undefined && v !== null;
  }

  private bad(key: string, what: string): never {
    throw new ArgProblem(`${this.action}: argument "${key}" ${what}`);
  }

  string(key: string): string | undefined {
    if (!this.given(key)) return undefined;
    const v = this.args[key];
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v !== 'string') this.bad(key, `must be a string, found ${typeName(v)}`);
    if (v.trim() === '') this.bad(key, 'must not be empty');
    return v;
  }

  requiredString(key: string, hint: string): string {
    const v = this.string(key);
    if (v === undefined) throw new ArgProblem(`${this.action}: argument "${key}" is required (${hint})`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.given(key)) return fallback;
    const v = this.args[key];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const t = v.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
    }
    return this.bad(key, `must be true or false, found ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)}`);
  }

  /** A number of seconds (a unix time or a duration), > 0. */
  seconds(key: string): number | undefined {
    if (!this.given(key)) return undefined;
    const v = this.args[key];
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n)) this.bad(key, `must be a number of seconds, found ${typeof v === 'string' ? JSON.stringify(v) : typeName(v)}`);
    if (n <= 0) this.bad(key, `must be greater than 0, found ${n}`);
    return n;
  }
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `a ${typeof v}`;
}

/** The `icinga` fields of the matched event: `m`, else the first `m_<n>` that has them. */
function matchedIcingaEvent(bindings: ActionRequest['bindings']): { host: string; service: string | undefined } | undefined {
  const names = Object.keys(bindings)
    .filter((k) => k === 'm' || /^m_\d+$/.test(k))
    .sort((a, b) => (a === 'm' ? -1 : b === 'm' ? 1 : Number(a.slice(2)) - Number(b.slice(2))));
  for (const name of names) {
    const icinga = bindings[name]?.icinga;
    if (typeof icinga !== 'object' || icinga === null) continue;
    const { host, service } = icinga as { host?: unknown; service?: unknown };
    if (typeof host !== 'string' || host === '') continue;
    return { host, service: typeof service === 'string' && service !== '' ? service : undefined };
  }
  return undefined;
}

function resolveTarget(a: Args, bindings: ActionRequest['bindings'], action: IcingaActionName): IcingaTarget {
  const host = a.string('host');
  const service = a.string('service');
  const event = matchedIcingaEvent(bindings);
  if (host !== undefined) {
    return service === undefined ? { type: IcingaObjectType.Host, host } : { type: IcingaObjectType.Service, host, service };
  }
  if (event === undefined) {
    throw new ArgProblem(`${action}: no target: give "host" (and "service"), or match an Icinga event (event.icinga.host)`);
  }
  const svc = service ?? event.service;
  return svc === undefined ? { type: IcingaObjectType.Host, host: event.host } : { type: IcingaObjectType.Service, host: event.host, service: svc };
}

/** Icinga's `expiry` (unix seconds): given absolutely, or as `expire_in` seconds from now. */
function expiry(a: Args, action: IcingaActionName, nowSec: number): number | undefined {
  const absolute = a.seconds('expiry');
  const relative = a.seconds('expire_in');
  if (absolute !== undefined && relative !== undefined) throw new ArgProblem(`${action}: give either "expiry" or "expire_in", not both`);
  if (absolute !== undefined && absolute <= nowSec) {
    // Icinga rejects a past expiry with a 409 that would read like a conflict.
    throw new ArgProblem(`${action}: argument "expiry" (${absolute}) is not in the future (now ${Math.floor(nowSec)}); use expire_in for a relative time`);
  }
  return absolute ?? (relative === undefined ? undefined : Math.round(nowSec + relative));
}

function params(a: Args, action: IcingaActionName, target: IcingaTarget, nowSec: number): Record<string, unknown> {
  const author = a.string('author') ?? DEFAULT_ICINGA_AUTHOR;
  switch (action) {
    case IcingaActionName.Acknowledge: {
      const comment = a.requiredString('comment', 'Icinga needs a comment on every acknowledgement');
      const exp = expiry(a, action, nowSec);
      return {
        author,
        comment,
        sticky: a.boolean('sticky', false),
        notify: a.boolean('notify', false),
        persistent: a.boolean('persistent', false),
        ...(exp === undefined ? {} : { expiry: exp }),
      };
    }
    case IcingaActionName.RemoveAcknowledgement:
      return { author };
    case IcingaActionName.Comment: {
      const comment = a.requiredString('comment', 'the text of the comment');
      const exp = expiry(a, action, nowSec);
      return { author, comment, ...(exp === undefined ? {} : { expiry: exp }) };
    }
    default:
      return downtimeParams(a, target, author, nowSec);
  }
}

function downtimeParams(a: Args, target: IcingaTarget, author: string, nowSec: number): Record<string, unknown> {
  const action = IcingaActionName.Downtime;
  const comment = a.requiredString('comment', 'Icinga needs a comment on every downtime');
  const fixed = a.boolean('fixed', true);
  const duration = a.seconds('duration');
  const start = a.seconds('start_time') ?? Math.floor(nowSec);
  const givenEnd = a.seconds('end_time');
  let end: number;
  if (fixed) {
    if (givenEnd === undefined && duration === undefined) throw new ArgProblem(`${action}: give "duration" (seconds) or "end_time" (unix seconds)`);
    end = givenEnd ?? start + (duration ?? 0);
  } else {
    if (duration === undefined) throw new ArgProblem(`${action}: a flexible downtime (fixed: false) needs "duration" (seconds)`);
    if (givenEnd === undefined) throw new ArgProblem(`${action}: a flexible downtime (fixed: false) needs "end_time", the end of the window it may start in`);
    end = givenEnd;
  }
  // Icinga 2.13 accepts end before start without a word (§3.6): a downtime that never applies.
  if (end <= start) throw new ArgProblem(`${action}: the downtime ends (${end}) before it starts (${start})`);
  if (end <= nowSec) throw new ArgProblem(`${action}: the downtime ends (${end}) in the past (now ${Math.floor(nowSec)})`);
  const allServices = a.boolean('all_services', false);
  if (allServices && target.type === IcingaObjectType.Service) {
    throw new ArgProblem(`${action}: "all_services" applies to host downtimes only, and the target is ${describeTarget(target)}`);
  }
  return {
    author,
    comment,
    start_time: start,
    end_time: end,
    fixed,
    ...(duration === undefined ? {} : { duration }),
    ...(allServices ? { all_services: true } : {}),
  };
}

/**
 * Plans the API call of `action` from the request's rendered args and matched events.
 * `nowMs` is the current time (expiry and downtime defaults). Never throws: unusable arguments
 * come back as `{ok: false, message}`.
 */
export function planIcingaAction(action: IcingaActionName, request: Pick<ActionRequest, 'args' | 'bindings'>, nowMs: number): PlanResult {
  const a = new Args(action, request.args);
  const nowSec = nowMs / 1000;
  try {
    const target = resolveTarget(a, request.bindings, action);
    const body = { ...targetSelector(target), ...params(a, action, target, nowSec) };
    return { ok: true, plan: { action, target, path: `/v1/actions/${ICINGA_API_ACTION[action]}`, body } };
  } catch (err: unknown) {
    if (err instanceof ArgProblem) return { ok: false, message: err.message };
    throw err;
  }
}
