/**
 * @module What an Icinga action answer means for the dispatcher (shared/spec/wire-formats.md
 * §3.6). Icinga answers one `{code, status}` entry per matched object and an HTTP status
 * summarising them, so the entries decide, not the HTTP status alone:
 * - every entry 2xx → succeeded; `409 "… is already acknowledged."` on acknowledge counts as
 *   done (a retry after a lost answer, or a human was faster);
 * - no entry (2.13: `500 {"results":[]}`) or `404 "No objects found."` (≥2.15, a filter
 *   matching nothing, or a missing `actions/…` permission) → failed, not retryable;
 * - 401, other 4xx and 409 → failed, not retryable (the same request would fail again);
 * - 5xx with failed entries, 429, 502/503/504, an unreadable body → failed, retryable.
 */
import { ErrorCode } from '../../core/index.js';
import { OutcomeStatus, type ActionResult } from '../action-handler.js';
import type { IcingaTransportResponse } from './icinga-transport.js';
import { IcingaActionName, describeTarget, ICINGA_API_ACTION, type IcingaActionPlan } from './plan-icinga-action.js';

/** Longest response body kept in `outputTail`. */
export const MAX_OUTPUT_TAIL = 4096;
/** Longest Icinga status text quoted in a summary. */
const MAX_STATUS_TEXT = 300;

/** One `results[]` entry as Icinga sends it. */
interface ResultEntry {
  readonly code: number;
  readonly status: string;
  /** Full name of the created comment or downtime. */
  readonly name?: string;
  readonly legacy_id?: number;
}

type Parsed =
  | { readonly kind: 'results'; readonly results: readonly ResultEntry[] }
  | { readonly kind: 'error'; readonly status: string }
  | { readonly kind: 'unreadable' };

function parseBody(text: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'unreadable' };
  }
  if (typeof json !== 'object' || json === null) return { kind: 'unreadable' };
  const obj = json as Record<string, unknown>;
  if (Array.isArray(obj.results)) {
    const results: ResultEntry[] = [];
    for (const r of obj.results as unknown[]) {
      if (typeof r !== 'object' || r === null) return { kind: 'unreadable' };
      const e = r as Record<string, unknown>;
      const code = typeof e.code === 'number' ? e.code : Number(e.code);
      if (!Number.isFinite(code)) return { kind: 'unreadable' };
      results.push({
        code,
        status: typeof e.status === 'string' ? e.status : '',
        ...(typeof e.name === 'string' ? { name: e.name } : {}),
        ...(typeof e.legacy_id === 'number' ? { legacy_id: e.legacy_id } : {}),
      });
    }
    return { kind: 'results', results };
  }
  if (typeof obj.status === 'string') return { kind: 'error', status: obj.status };
  return { kind: 'unreadable' };
}

const ALREADY_ACKNOWLEDGED = /is already acknowledged/i;
/** `… for object 'web01!http'.`: the object an entry is about. */
const FOR_OBJECT = /for object '([^']+)'/;

/** What was done, past tense, for summaries. */
const DONE: Readonly<Record<IcingaActionName, string>> = {
  [IcingaActionName.Acknowledge]: 'acknowledged the problem of',
  [IcingaActionName.RemoveAcknowledgement]: 'removed the acknowledgement of',
  [IcingaActionName.Downtime]: 'scheduled a downtime for',
  [IcingaActionName.Comment]: 'added a comment to',
};
const VERB: Readonly<Record<IcingaActionName, string>> = {
  [IcingaActionName.Acknowledge]: 'acknowledge the problem of',
  [IcingaActionName.RemoveAcknowledgement]: 'remove the acknowledgement of',
  [IcingaActionName.Downtime]: 'schedule a downtime for',
  [IcingaActionName.Comment]: 'add a comment to',
};

function quote(status: string): string {
  const s = status.trim().slice(0, MAX_STATUS_TEXT);
  return s === '' ? '' : `: ${s}`;
}

/** `Retry-After` as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The ActionResult of one answered request. `user` names the ApiUser in hints; `nowMs` reads
 * an HTTP-date `Retry-After`.
 */
export function interpretIcingaResponse(plan: IcingaActionPlan, response: IcingaTransportResponse, user: string, nowMs: number): ActionResult {
  const { status } = response;
  const target = describeTarget(plan.target);
  const apiAction = ICINGA_API_ACTION[plan.action];
  const parsed = parseBody(response.body);
  const outputTail = response.body.slice(-MAX_OUTPUT_TAIL);
  const base = { httpStatus: status, ...(outputTail === '' ? {} : { outputTail }) };
  const failed = (summary: string, code: ErrorCode, retryable: boolean, extra: Record<string, unknown> = {}): ActionResult => {
    const retryAfterMs = retryable ? parseRetryAfter(response.retryAfter, nowMs) : undefined;
    return {
      status: OutcomeStatus.Failed,
      summary,
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...base,
      details: { code, target: plan.target, ...extra },
    };
  };
  const errorText = parsed.kind === 'error' ? quote(parsed.status) : '';

  if (status === 401) {
    return failed(`Icinga rejected the credentials of ApiUser "${user}" (401 Unauthorized)`, ErrorCode.IcingaUnauthorized, false);
  }
  if (parsed.kind === 'results' && parsed.results.length > 0) {
    return fromEntries(plan, parsed.results, base, failed);
  }
  const noObjects = (hint: string): ActionResult =>
    failed(`cannot ${VERB[plan.action]} ${target}: no such Icinga object${hint}`, ErrorCode.IcingaNoObjectsMatched, false);
  if (parsed.kind === 'results') {
    // 2.13 answers a filter that matched nothing with 500 and no entries (§3.6).
    return noObjects(` (or ApiUser "${user}" may not see it)`);
  }
  if (status === 404 && parsed.kind === 'error' && /no objects found/i.test(parsed.status)) {
    // The same answer for a missing object and a missing permission (§3.6): name both.
    return noObjects(` (or ApiUser "${user}" lacks the actions/${apiAction} permission)`);
  }
  if (status === 429 || status >= 500 || status === 0) {
    return failed(`Icinga answered ${status} to ${apiAction} for ${target}${errorText}`, ErrorCode.IcingaUnavailable, true);
  }
  if (status >= 200 && status < 300) {
    // A 2xx always carries entries; without them we cannot tell what happened.
    return failed(`Icinga answered ${status} to ${apiAction} for ${target} with an unreadable body`, ErrorCode.IcingaUnavailable, true);
  }
  return failed(`Icinga refused to ${VERB[plan.action]} ${target} (${status})${errorText}`, ErrorCode.IcingaRequestRejected, false);
}

type Failed = (summary: string, code: ErrorCode, retryable: boolean, extra?: Record<string, unknown>) => ActionResult;

function fromEntries(
  plan: IcingaActionPlan,
  results: readonly ResultEntry[],
  base: { readonly httpStatus: number; readonly outputTail?: string },
  failed: Failed,
): ActionResult {
  const target = describeTarget(plan.target);
  const already = (r: ResultEntry): boolean => plan.action === IcingaActionName.Acknowledge && r.code === 409 && ALREADY_ACKNOWLEDGED.test(r.status);
  const ok = (r: ResultEntry): boolean => (r.code >= 200 && r.code < 300) || already(r);
  const objects = [...new Set(results.map((r) => FOR_OBJECT.exec(r.status)?.[1]).filter((o): o is string => o !== undefined))];
  const created = results.filter((r) => r.name !== undefined).map((r) => ({ name: r.name, ...(r.legacy_id === undefined ? {} : { legacy_id: r.legacy_id }) }));
  const entries = results.map((r) => ({ code: r.code, status: r.status.slice(0, MAX_STATUS_TEXT) }));
  const details = { target: plan.target, objects, results: entries, ...(created.length === 0 ? {} : { created }) };

  const bad = results.filter((r) => !ok(r));
  if (bad.length === 0) {
    const allAlready = results.every(already);
    const summary = allAlready ? `${target} is already acknowledged` : `${DONE[plan.action]} ${target}`;
    return { status: OutcomeStatus.Succeeded, summary, ...base, details: { ...details, ...(allAlready ? { alreadyAcknowledged: true } : {}) } };
  }
  const first = bad[0]!;
  // An entry's 5xx is Icinga's own trouble; 4xx (400 bad option, 409 "is OK") would repeat.
  const retryable = bad.some((r) => r.code >= 500 || r.code === 429);
  const code = retryable ? ErrorCode.IcingaUnavailable : ErrorCode.IcingaRequestRejected;
  const partial = bad.length < results.length ? ` (${results.length - bad.length} of ${results.length} objects done)` : '';
  return failed(`Icinga refused to ${VERB[plan.action]} ${target} (${first.code})${quote(first.status)}${partial}`, code, retryable, {
    objects,
    results: entries,
    ...(created.length === 0 ? {} : { created }),
  });
}
