/**
 * @module Catching up after a (re)connect. The Icinga 2 event stream has no replay: whatever
 * happened while autoheal was not connected is lost (wire-formats.md §3.3). After each connect
 * the caller queries the current objects — `GET /v1/objects/services` and `/v1/objects/hosts`
 * with `attrs=` the lists below and, ideally, `filter=service.state!=0` / `host.state!=0` — and
 * this module turns every object in a problem state into the `StateChange` event the stream
 * would have delivered, marked `icinga.reconciled: true`.
 *
 * The dedup key is the one the live StateChange event for that same state change had, so a
 * problem seen live before the disconnect is not handled twice, while one that started during
 * the disconnect is handled once:
 * - live key: `icinga:StateChange:<host>:<service>:<check_result.execution_end>:<state>:<state_type>`;
 * - Icinga sets `last_hard_state_change` to the `execution_end` of the check result that caused
 *   the hard state change, the very result whose HARD StateChange event was emitted
 *   (`Checkable::ProcessCheckResult`, 2.13). So a HARD problem is keyed with
 *   `last_hard_state_change`, the object's `state` (for hosts the host state 0/1, as the live
 *   event's `state`) and `state_type` 1;
 * - in a SOFT state Icinga emits a StateChange for every check result, so the last one is
 *   keyed with `last_check_result.execution_end`.
 * The two coincide as long as both numbers arrive through the same JSON encoding (they do: one
 * double, printed by Icinga, parsed by JSON.parse). When `last_hard_state_change` was not
 * requested the key falls back to the last check result's end: the problem may then trigger a
 * second time. Recoveries that happened during the disconnect are not synthesized: an OK object
 * is not a problem, and telling "recovered while away" from "was always OK" needs stored state
 * that this pure function does not have.
 */
import { ErrorCode } from '../../core/index.js';
import { dedupKey } from '../dedup-key.js';
import { InvalidPayloadError, ProblemList, jsonTypeName } from '../invalid-payload-error.js';
import { isPlainObject, type JsonObject } from '../json-value.js';
import type { KeyedEvent } from '../source-event.js';
import { buildIcingaEvent, type IcingaEvent } from './normalize-icinga-event.js';

/** `attrs=` to request from `/v1/objects/services`. */
export const RECONCILE_SERVICE_ATTRS: readonly string[] = [
  'name',
  'host_name',
  'state',
  'state_type',
  'last_check_result',
  'last_hard_state_change',
  'acknowledgement',
  'downtime_depth',
];

/** `attrs=` to request from `/v1/objects/hosts`. */
export const RECONCILE_HOST_ATTRS: readonly string[] = [
  'name',
  'state',
  'state_type',
  'last_check_result',
  'last_hard_state_change',
  'acknowledgement',
  'downtime_depth',
];

const WHAT = 'Icinga objects response';

type Obj = Record<string, unknown>;

function num(obj: Obj, key: string, path: string, problems: ProblemList, optional = false): number | undefined {
  const v = obj[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problems.add(`${path}.${key}`, `expected a number, got ${jsonTypeName(v)}`);
    return undefined;
  }
  return v;
}

interface Problem {
  readonly host: string;
  readonly service: string | undefined;
  readonly state: number;
  readonly stateType: number;
  readonly checkResult: JsonObject;
  readonly changedAt: number;
  readonly acknowledged: boolean;
  readonly downtimeDepth: number;
}

function readResult(item: unknown, path: string, problems: ProblemList): Problem | undefined {
  if (!isPlainObject(item)) {
    problems.add(path, `expected an object, got ${jsonTypeName(item)}`);
    return undefined;
  }
  const type = item.type;
  if (type !== 'Service' && type !== 'Host') {
    problems.add(`${path}.type`, 'expected "Service" or "Host"');
    return undefined;
  }
  const attrs = item.attrs;
  const at = `${path}.attrs`;
  if (!isPlainObject(attrs)) {
    problems.add(at, `expected an object, got ${jsonTypeName(attrs)}`);
    return undefined;
  }
  const fullName = typeof item.name === 'string' ? item.name : undefined;
  let host: string | undefined;
  let service: string | undefined;
  if (type === 'Host') {
    host = typeof attrs.name === 'string' ? attrs.name : fullName;
  } else {
    const bang = fullName?.indexOf('!') ?? -1;
    host = typeof attrs.host_name === 'string' ? attrs.host_name : bang > 0 ? fullName!.slice(0, bang) : undefined;
    service = typeof attrs.name === 'string' ? attrs.name : bang > 0 ? fullName!.slice(bang + 1) : undefined;
    if (service === undefined) problems.add(`${at}.name`, 'expected the service name (attrs.name or a "host!service" name)');
  }
  if (host === undefined) problems.add(`${at}.${type === 'Host' ? 'name' : 'host_name'}`, 'expected the host name');

  const state = num(attrs, 'state', at, problems);
  const stateType = num(attrs, 'state_type', at, problems);
  const hardChange = num(attrs, 'last_hard_state_change', at, problems, true);
  const ack = num(attrs, 'acknowledgement', at, problems, true) ?? 0;
  const depth = num(attrs, 'downtime_depth', at, problems, true) ?? 0;
  const cr = attrs.last_check_result;
  if (cr === null || cr === undefined) return undefined; // pending: never checked, no problem yet
  if (!isPlainObject(cr)) {
    problems.add(`${at}.last_check_result`, `expected an object or null, got ${jsonTypeName(cr)}`);
    return undefined;
  }
  const executionEnd = num(cr, 'execution_end', `${at}.last_check_result`, problems);
  if (host === undefined || state === undefined || stateType === undefined || executionEnd === undefined) return undefined;
  if (state === 0) return undefined;
  return {
    host,
    service,
    state,
    stateType,
    checkResult: cr as JsonObject,
    changedAt: stateType === 1 && hardChange !== undefined && hardChange > 0 ? hardChange : executionEnd,
    acknowledged: ack !== 0,
    downtimeDepth: depth,
  };
}

/**
 * The StateChange events (with dedup keys) for every object of an objects response that is in
 * a problem state (state ≠ 0), in response order. Objects never checked are skipped.
 * @throws InvalidPayloadError (`AH_ICINGA_EVENT_INVALID`) when the response lacks the
 * documented shape or the attributes listed in RECONCILE_*_ATTRS.
 */
export function reconcileProblems(response: unknown): readonly KeyedEvent<IcingaEvent>[] {
  const problems = new ProblemList();
  if (!isPlainObject(response) || !Array.isArray(response.results)) {
    problems.add('$.results', 'expected an array of objects');
    throw new InvalidPayloadError(WHAT, problems.items, ErrorCode.IcingaEventInvalid);
  }
  const found = response.results.map((item: unknown, i: number) => readResult(item, `$.results[${i}]`, problems));
  if (!problems.empty) throw new InvalidPayloadError(WHAT, problems.items, ErrorCode.IcingaEventInvalid);

  const events: KeyedEvent<IcingaEvent>[] = [];
  for (const p of found) {
    if (p === undefined) continue;
    // What the stream sends for a StateChange (keys sorted as Icinga does), dated at the change.
    const body: JsonObject = {
      acknowledgement: p.acknowledged,
      check_result: p.checkResult,
      downtime_depth: p.downtimeDepth,
      host: p.host,
      ...(p.service === undefined ? {} : { service: p.service }),
      state: p.state,
      state_type: p.stateType,
      timestamp: p.changedAt,
      type: 'StateChange',
    };
    const built = buildIcingaEvent(body, { reconciled: true });
    if (built === undefined) continue;
    events.push({
      event: built.event,
      dedupKey: dedupKey('icinga', ['StateChange', p.host, p.service, p.changedAt, p.state, p.stateType]),
    });
  }
  return events;
}
