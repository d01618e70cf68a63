/**
 * @module What autoheal remembers of what it did, as small linked records: an event that was
 * evaluated (`EventRecord`), what a rule decided about it (`DecisionRecord`), and each action it
 * dispatched with its attempts (`ActionRecord`, `AttemptRecord`). Ids link them:
 * action → `decisionId` → decision → `eventId` → event. Records hold summaries, never payloads
 * (what-users-ask.md row 9: cheap summaries kept longer than payloads) and never secrets.
 *
 * Secrets: `summary` comes from action handlers, whose contract (`ActionResult.summary`) is
 * "never a secret"; `details` is additionally passed through `redactDetails`, which replaces the
 * value of any secret-looking key; `outputTail` is bounded to `OUTPUT_TAIL_MAX_BYTES`.
 */
import { OutcomeStatus, type ActionRequest, type ActionResult } from '../actions/action-handler.js';
import { toJsonSafe } from '../core/index.js';

/** What a rule decided about an event (or a timer step). Lowercase: appears in JSON and Redis. */
export const DecisionKind = {
  Fired: 'fired',
  Throttled: 'throttled',
  Locked: 'locked',
  Deduplicated: 'deduplicated',
  CircuitOpen: 'circuit_open',
  Skipped: 'skipped',
} as const;
export type DecisionKind = (typeof DecisionKind)[keyof typeof DecisionKind];

/** Status of an action record: an `OutcomeStatus` once it ended, before that pending or running. */
export const ActionStatus = {
  ...OutcomeStatus,
  /** Recorded, no attempt started yet (queued, or waiting for a retry). */
  Pending: 'pending',
  /** An attempt is running. */
  Running: 'running',
} as const;
export type ActionStatus = (typeof ActionStatus)[keyof typeof ActionStatus];

/** Every `ActionStatus` value, for validating filters. */
export const ACTION_STATUSES: readonly ActionStatus[] = Object.values(ActionStatus);

/** Bound of `AttemptRecord.outputTail`, in UTF-8 bytes (the end of the output is kept). */
export const OUTPUT_TAIL_MAX_BYTES = 4096;
/** Bound of a `summary` line, in characters. */
export const SUMMARY_MAX_CHARS = 500;
/** What a redacted value is stored as. */
export const REDACTED = '******';

/** The small description of an event kept instead of its payload. */
export interface EventSummary {
  /** Name of the source entry that produced it. */
  readonly source: string;
  /** A few identifying scalar fields (alertname, fingerprint, host, …), by dotted path. */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  /** Size of the whole payload as JSON, in UTF-8 bytes. */
  readonly sizeBytes: number;
}

export interface EventRecord {
  /** The queued event's id (`meta.uuid`). */
  readonly eventId: string;
  readonly ruleset: string;
  readonly source: string;
  /** When intake accepted it (clock ms). */
  readonly receivedAt: number;
  readonly summary: EventSummary;
  readonly host?: string;
}

export interface DecisionRecord {
  readonly decisionId: string;
  /** The event that caused it; undefined for timer firings (`once_after`, `not_all` timeouts). */
  readonly eventId?: string;
  readonly ruleset: string;
  readonly rule: string;
  readonly kind: DecisionKind;
  /** Why it was not `fired` (throttle window, lock holder, …). One line, never a secret. */
  readonly reason?: string;
  /** Clock ms. */
  readonly at: number;
  /** Ids (`meta.uuid`) of the events the rule matched. */
  readonly matchedEventIds: readonly string[];
}

export interface AttemptRecord {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly durationMs?: number;
  /** `running` until it ends. */
  readonly status: ActionStatus;
  readonly summary: string;
  readonly rc?: number;
  readonly httpStatus?: number;
  /** At most `OUTPUT_TAIL_MAX_BYTES` of the end of the output. */
  readonly outputTail?: string;
  /** Handler facts (job id, URL, …) with secret-looking keys redacted. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ActionRecord {
  /** The dispatch key (`ActionRequest.dispatchKey`): unique per match and action. */
  readonly actionId: string;
  readonly decisionId: string;
  readonly ruleset: string;
  readonly rule: string;
  /** The action name (`run_playbook`, `notify`, …). */
  readonly action: string;
  readonly host?: string;
  readonly status: ActionStatus;
  /** Oldest first. */
  readonly attempts: readonly AttemptRecord[];
  /** Clock ms. */
  readonly createdAt: number;
  readonly finishedAt?: number;
}

/** An action record as queries return it: with its decision and event, when still retained. */
export interface LinkedActionRecord extends ActionRecord {
  readonly decision?: DecisionRecord;
  readonly event?: EventRecord;
}

/** What `startAction` needs: the record without what the store fills in. */
export type NewActionRecord = Omit<ActionRecord, 'status' | 'attempts' | 'createdAt' | 'finishedAt'>;

const SECRET_KEY = /token|passw(or)?d|passphrase|secret|api[-_]?key|private[-_]?key|authorization|cookie|credential/i;

/** The paths tried, in order, for the identifying fields of an event summary. */
const SUMMARY_PATHS: readonly string[] = [
  'alert.labels.alertname',
  'alert.fingerprint',
  'alert.status',
  'alert.labels.instance',
  'alert.labels.severity',
  'alertname',
  'fingerprint',
  'status',
  'host',
  'hostname',
  'service',
  'state',
  'type',
  'object_kind',
  'payload.object_kind',
  'payload.type',
  'payload.host',
  'payload.service',
  'payload.state',
];
/** The paths split once, without any that crosses a secret-looking key. */
const SUMMARY_LOOKUPS = SUMMARY_PATHS.map((path) => ({ path, parts: path.split('.') })).filter(({ parts }) => !parts.some(isSecretKey));
const SUMMARY_MAX_FIELDS = 6;
const SUMMARY_FIELD_MAX_CHARS = 120;

/**
 * The summary of an event: its source, up to six identifying scalar fields found at well-known
 * paths (Alertmanager labels, Icinga host/service/state, GitLab `object_kind`, …) and its size.
 * Values under secret-looking keys are never taken.
 */
export function summarizeEvent(source: string, event: Readonly<Record<string, unknown>>): EventSummary {
  const fields: Record<string, string | number | boolean> = {};
  let count = 0;
  for (const { path, parts } of SUMMARY_LOOKUPS) {
    if (count >= SUMMARY_MAX_FIELDS) break;
    const value = valueAtParts(event, parts);
    if (typeof value === 'string') fields[path] = value.length > SUMMARY_FIELD_MAX_CHARS ? `${value.slice(0, SUMMARY_FIELD_MAX_CHARS)}…` : value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[path] = value;
    else continue;
    count++;
  }
  return { source, fields, sizeBytes: jsonBytes(event) };
}

/** Size of the event as JSON; the bigint walk only when `JSON.stringify` refuses (it is on every event's path). */
function jsonBytes(event: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(event);
  } catch {
    text = JSON.stringify(toJsonSafe(event));
  }
  return Buffer.byteLength(text ?? '');
}

/** The host an event is about: the first of `meta.hosts`, if any. */
export function eventHost(event: Readonly<Record<string, unknown>>): string | undefined {
  const hosts = valueAt(event, 'meta.hosts');
  if (typeof hosts === 'string' && hosts !== '') return hosts;
  if (Array.isArray(hosts) && typeof hosts[0] === 'string') return hosts[0];
  return undefined;
}

/**
 * The action record input for a request. `host` is set only when the request targets exactly
 * one host: a record filtered by host must really be about that host.
 */
export function newActionFromRequest(request: ActionRequest, decisionId: string): NewActionRecord {
  const host = request.hosts?.length === 1 ? request.hosts[0] : undefined;
  return {
    actionId: request.dispatchKey,
    decisionId,
    ruleset: request.ruleset,
    rule: request.rule,
    action: request.action,
    ...(host !== undefined ? { host } : {}),
  };
}

/** True when a key looks like it holds a secret (`token`, `password`, `api_key`, `Authorization`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A JSON-safe copy of `details` where the value of every secret-looking key (at any depth) is
 * replaced by `REDACTED`, whatever its type: a secret held as an object is dropped whole.
 */
export function redactDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redact(toJsonSafe(details)) as Record<string, unknown>;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    // A "__proto__" key must stay an own property, not become the prototype.
    Object.defineProperty(out, key, { value: isSecretKey(key) ? REDACTED : redact(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The end of `text`, at most `maxBytes` UTF-8 bytes, never splitting a character. */
export function tailBytes(text: string, maxBytes: number = OUTPUT_TAIL_MAX_BYTES): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let start = buf.length - maxBytes;
  // Skip UTF-8 continuation bytes (10xxxxxx) so the tail starts on a character.
  while (start < buf.length && ((buf[start] as number) & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** A one-line summary bounded to `SUMMARY_MAX_CHARS`. */
export function boundSummary(summary: string): string {
  const line = summary.replace(/\s*\n\s*/g, ' ');
  return line.length > SUMMARY_MAX_CHARS ? `${line.slice(0, SUMMARY_MAX_CHARS - 1)}…` : line;
}

/** The finished attempt for a handler result: bounded and redacted. */
export function finishedAttempt(started: AttemptRecord, result: ActionResult, finishedAt: number): AttemptRecord {
  return {
    attempt: started.attempt,
    startedAt: started.startedAt,
    finishedAt,
    durationMs: Math.max(0, finishedAt - started.startedAt),
    status: result.status,
    summary: boundSummary(result.summary),
    ...(result.rc !== undefined ? { rc: result.rc } : {}),
    ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
    ...(result.outputTail !== undefined ? { outputTail: tailBytes(result.outputTail) } : {}),
    ...(result.details !== undefined ? { details: redactDetails(result.details) } : {}),
  };
}

function valueAt(root: unknown, path: string): unknown {
  return valueAtParts(root, path.split('.'));
}

function valueAtParts(root: unknown, parts: readonly string[]): unknown {
  let current: unknown = root;
  for (const part of parts) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
