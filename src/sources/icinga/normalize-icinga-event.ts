/**
 * @module One Icinga 2 stream event (wire-formats.md §3.4) → an autoheal event with the raw body
 * under `payload` and the fields rules test most often under `icinga`:
 *
 * ```yaml
 * icinga:
 *   type: StateChange            # the Icinga event type
 *   host: web01
 *   service: http                # absent for host events
 *   state: 2                     # check_result.state (NOT exit_status, 0 for passive results);
 *                                # hosts: 0 UP / 1 DOWN (the event's `state`, or derived)
 *   state_text: CRITICAL         # OK WARNING CRITICAL UNKNOWN | UP DOWN
 *   state_type: HARD             # SOFT | HARD (CheckResult/Notification: from vars_after)
 *   output: HTTP CRITICAL - 503  # check_result.output, long output included
 *   execution_end: 1795303984.874391   # check_result.execution_end (float seconds)
 *   acknowledgement: false       # CheckResult/StateChange
 *   downtime_depth: 0            # CheckResult/StateChange
 *   notification_type: PROBLEM   # Notification
 *   users: [oncall]              # Notification
 *   author: autoheal             # Notification, Acknowledgement*, Comment*, Downtime*
 *   comment: …                   # Notification text, ack comment, comment text, downtime comment
 *   expiry: 0                    # AcknowledgementSet
 *   name: web01!http!0127cf00-…  # Comment and Downtime events: the object's full name
 *   timestamp: 1795303984.87456  # Icinga's emission time (float seconds)
 *   timestamp_iso: 2026-11-21T23:33:04.874560Z
 *   reconciled: true             # only on events synthesized by reconcileProblems
 * payload: {…}                   # the event as Icinga sent it
 * meta: {hosts: [web01]}         # so playbook actions are limited to the host, as with
 *                                # Alertmanager's meta.hosts
 * ```
 *
 * Dedup keys (wire-formats.md §3.5, §7), built from content Icinga replicates between HA
 * endpoints (`timestamp` is not replicated):
 * - CheckResult/StateChange: `icinga:<type>:<host>:<service>:<execution_end>:<state>:<state_type>`,
 *   `state` being the event's `state` when it has one (StateChange: the host state for hosts)
 *   else `check_result.state`, `state_type` the event's or `vars_after.state_type`;
 * - Notification: `icinga:Notification:<host>:<service>:<notification_type>:<h>:<execution_end>`,
 *   `<h>` a short hash of command, users, author and text: several Notification objects fire
 *   for one check result (mail and chat), and they must not merge;
 * - AcknowledgementSet: `icinga:AcknowledgementSet:<host>:<service>:<author>:<comment>:<expiry>`;
 * - AcknowledgementCleared: `icinga:AcknowledgementCleared:<host>:<service>:<timestamp rounded to 1 s>`;
 * - Comment*, Downtime*: `icinga:<type>:<__name>` (+ `:<trigger_time>` for DowntimeTriggered).
 * Other types (Flapping, Object*) are ignored.
 */
import { ErrorCode } from '../../core/index.js';
import { dedupKey, sha256Hex } from '../dedup-key.js';
import { InvalidPayloadError, ProblemList, jsonTypeName } from '../invalid-payload-error.js';
import { isoFromEpochSeconds } from '../iso-time.js';
import { canonicalJson, findNonJson, isPlainObject, type JsonObject } from '../json-value.js';
import type { KeyedEvent, NormalizeResult } from '../source-event.js';
import { hostStateFromCheckState, stateText, stateTypeText, type IcingaStateType } from './icinga-state.js';

export const IcingaEventType = {
  CheckResult: 'CheckResult',
  StateChange: 'StateChange',
  Notification: 'Notification',
  AcknowledgementSet: 'AcknowledgementSet',
  AcknowledgementCleared: 'AcknowledgementCleared',
  CommentAdded: 'CommentAdded',
  CommentRemoved: 'CommentRemoved',
  DowntimeAdded: 'DowntimeAdded',
  DowntimeStarted: 'DowntimeStarted',
  DowntimeTriggered: 'DowntimeTriggered',
  DowntimeRemoved: 'DowntimeRemoved',
} as const;
export type IcingaEventType = (typeof IcingaEventType)[keyof typeof IcingaEventType];

const SUPPORTED: ReadonlySet<string> = new Set(Object.values(IcingaEventType));

export type IcingaFields = {
  readonly type: IcingaEventType;
  readonly host: string;
  readonly service?: string;
  readonly state?: number;
  readonly state_text?: string;
  readonly state_type?: IcingaStateType;
  readonly output?: string;
  readonly execution_end?: number;
  readonly acknowledgement?: boolean;
  readonly downtime_depth?: number;
  readonly notification_type?: string;
  readonly users?: readonly string[];
  readonly author?: string;
  readonly comment?: string;
  readonly expiry?: number;
  readonly name?: string;
  readonly timestamp: number;
  readonly timestamp_iso: string;
  readonly reconciled?: true;
};

export type IcingaEvent = {
  readonly icinga: IcingaFields;
  readonly payload: JsonObject;
  readonly meta: { readonly hosts: readonly string[] };
};

type Obj = Record<string, unknown>;
type Writable<T> = { -readonly [K in keyof T]: T[K] };

const WHAT = 'Icinga event';

function invalid(problems: ProblemList): InvalidPayloadError {
  return new InvalidPayloadError(WHAT, problems.items, ErrorCode.IcingaEventInvalid);
}

function needString(obj: Obj, key: string, path: string, problems: ProblemList): string {
  const v = obj[key];
  if (typeof v !== 'string') problems.add(`${path}.${key}`, `expected a string, got ${jsonTypeName(v)}`);
  return typeof v === 'string' ? v : '';
}

function needNumber(obj: Obj, key: string, path: string, problems: ProblemList): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) problems.add(`${path}.${key}`, `expected a number, got ${jsonTypeName(v)}`);
  return typeof v === 'number' ? v : 0;
}

/** The service name, or undefined for host events (`service` absent, or `""` in comments). */
function optionalService(v: unknown, path: string, problems: ProblemList): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') {
    problems.add(path, `expected a string, got ${jsonTypeName(v)}`);
    return undefined;
  }
  return v;
}

interface CheckInfo {
  readonly checkState: number;
  readonly executionEnd: number;
  readonly output: string | undefined;
  readonly stateType: number | undefined;
}

function checkInfo(v: unknown, path: string, problems: ProblemList): CheckInfo | undefined {
  if (!isPlainObject(v)) {
    problems.add(path, `expected an object, got ${jsonTypeName(v)}`);
    return undefined;
  }
  const checkState = needNumber(v, 'state', path, problems);
  const executionEnd = needNumber(v, 'execution_end', path, problems);
  const vars = v.vars_after;
  const stateType = isPlainObject(vars) && typeof vars.state_type === 'number' ? vars.state_type : undefined;
  return { checkState, executionEnd, output: typeof v.output === 'string' ? v.output : undefined, stateType };
}

interface Built {
  readonly fields: IcingaFields;
  readonly dedupKey: string;
}

/** Validates and lifts one event of a supported type; collects problems instead of throwing. */
function build(body: Obj, type: IcingaEventType, problems: ProblemList): Built {
  const timestamp = needNumber(body, 'timestamp', '$', problems);
  const base = { type, timestamp, timestamp_iso: Number.isFinite(timestamp) ? isoFromEpochSeconds(timestamp) : '' };

  switch (type) {
    case 'CheckResult':
    case 'StateChange':
    case 'Notification':
    case 'AcknowledgementSet':
    case 'AcknowledgementCleared': {
      const host = needString(body, 'host', '$', problems);
      const service = optionalService(body.service, '$.service', problems);
      const isHost = service === undefined;
      const f: Writable<IcingaFields> = { ...base, host, ...(isHost ? {} : { service }) };
      let key: string;

      if (type === 'CheckResult' || type === 'StateChange') {
        const cr = checkInfo(body.check_result, '$.check_result', problems);
        let state: number;
        let stateType: number | undefined;
        if (type === 'StateChange') {
          state = needNumber(body, 'state', '$', problems);
          stateType = needNumber(body, 'state_type', '$', problems);
        } else {
          state = cr === undefined ? 0 : isHost ? hostStateFromCheckState(cr.checkState) : cr.checkState;
          stateType = cr?.stateType;
        }
        const keyState = type === 'StateChange' ? state : cr?.checkState;
        Object.assign(f, {
          state,
          state_text: stateText(state, isHost),
          ...(stateType === undefined ? {} : { state_type: stateTypeText(stateType) }),
          ...(cr?.output === undefined ? {} : { output: cr.output }),
          execution_end: cr?.executionEnd,
          acknowledgement: body.acknowledgement === true,
          downtime_depth: typeof body.downtime_depth === 'number' ? body.downtime_depth : 0,
        });
        key = dedupKey('icinga', [type, host, service, cr?.executionEnd, keyState, stateType]);
      } else if (type === 'Notification') {
        const notificationType = needString(body, 'notification_type', '$', problems);
        // CUSTOM notifications on a never-checked object have no check result.
        const cr = body.check_result === null || body.check_result === undefined ? undefined : checkInfo(body.check_result, '$.check_result', problems);
        const users = Array.isArray(body.users) ? body.users.filter((u: unknown): u is string => typeof u === 'string') : [];
        const author = typeof body.author === 'string' ? body.author : '';
        const text = typeof body.text === 'string' ? body.text : '';
        if (cr !== undefined) {
          const state = isHost ? hostStateFromCheckState(cr.checkState) : cr.checkState;
          Object.assign(f, {
            state,
            state_text: stateText(state, isHost),
            ...(cr.stateType === undefined ? {} : { state_type: stateTypeText(cr.stateType) }),
            ...(cr.output === undefined ? {} : { output: cr.output }),
            execution_end: cr.executionEnd,
          });
        }
        Object.assign(f, { notification_type: notificationType, users, author, comment: text });
        const who = sha256Hex(canonicalJson([typeof body.command === 'string' ? body.command : '', users, author, text])).slice(0, 16);
        key = dedupKey('icinga', [type, host, service, notificationType, who, cr?.executionEnd]);
      } else {
        const state = needNumber(body, 'state', '$', problems);
        const stateType = needNumber(body, 'state_type', '$', problems);
        Object.assign(f, { state, state_text: stateText(state, isHost), state_type: stateTypeText(stateType) });
        if (type === 'AcknowledgementSet') {
          const author = needString(body, 'author', '$', problems);
          const comment = needString(body, 'comment', '$', problems);
          const expiry = needNumber(body, 'expiry', '$', problems);
          Object.assign(f, { author, comment, expiry });
          key = dedupKey('icinga', [type, host, service, author, comment, expiry]);
        } else {
          key = dedupKey('icinga', [type, host, service, Math.round(timestamp)]);
        }
      }
      return { fields: f, dedupKey: key };
    }

    default: {
      // Comment* and Downtime*: the object itself is the subject.
      const field = type.startsWith('Comment') ? 'comment' : 'downtime';
      const obj = body[field];
      const path = `$.${field}`;
      if (!isPlainObject(obj)) {
        problems.add(path, `expected an object, got ${jsonTypeName(obj)}`);
        return { fields: { ...base, host: '' }, dedupKey: '' };
      }
      const name = needString(obj, '__name', path, problems);
      const host = needString(obj, 'host_name', path, problems);
      const service = optionalService(obj.service_name, `${path}.service_name`, problems);
      const text = field === 'comment' ? obj.text : obj.comment;
      const f: IcingaFields = {
        ...base,
        host,
        ...(service === undefined ? {} : { service }),
        name,
        ...(typeof obj.author === 'string' ? { author: obj.author } : {}),
        ...(typeof text === 'string' ? { comment: text } : {}),
      };
      const parts: (string | number)[] = [type, name];
      if (type === 'DowntimeTriggered') parts.push(needNumber(obj, 'trigger_time', path, problems));
      return { fields: f, dedupKey: dedupKey('icinga', parts) };
    }
  }
}

/**
 * Validates one Icinga stream event and lifts it (see the module comment), or reports an
 * "ignored" result for types autoheal does not handle (Flapping, Object*).
 * @throws InvalidPayloadError (`AH_ICINGA_EVENT_INVALID`) listing every problem.
 */
export function normalizeIcingaEvent(body: unknown): NormalizeResult<IcingaEvent> {
  const built = buildIcingaEvent(body);
  if (built !== undefined) return { kind: 'accepted', events: [built] };
  // buildIcingaEvent only returns undefined for an object with a string `type`.
  return { kind: 'ignored', reason: `unsupported Icinga event type "${String((body as { type: string }).type)}"` };
}

/** Shared with reconcileProblems: the event and key, or undefined for an unsupported type. */
export function buildIcingaEvent(body: unknown, extra: Partial<Pick<IcingaFields, 'reconciled'>> = {}): KeyedEvent<IcingaEvent> | undefined {
  const problems = new ProblemList();
  if (!isPlainObject(body)) {
    problems.add('$', `expected an object, got ${jsonTypeName(body)}`);
    throw invalid(problems);
  }
  const type = body.type;
  if (typeof type !== 'string') {
    problems.add('$.type', `expected a string, got ${jsonTypeName(type)}`);
    throw invalid(problems);
  }
  if (!SUPPORTED.has(type)) return undefined;
  const { fields, dedupKey: key } = build(body, type as IcingaEventType, problems);
  if (problems.empty) {
    const bad = findNonJson(body);
    if (bad !== undefined) problems.add(bad, 'not JSON data');
  }
  if (!problems.empty) throw invalid(problems);
  const payload = body as JsonObject;
  return {
    event: { icinga: { ...fields, ...extra }, payload, meta: { hosts: [fields.host] } },
    dedupKey: key,
  };
}
