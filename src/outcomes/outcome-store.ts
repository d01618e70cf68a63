/**
 * @module The outcome store contract, shared by the memory (+ JSON-lines file) and Redis
 * implementations: writes by the dispatcher, queries by `autoheal history` and the API, and a
 * bounded retention (what-users-ask.md row 9) enforced on write, so storage never grows without
 * bound even when nobody runs a clean-up.
 */
import type { ActionResult, OutcomeStatus } from '../actions/action-handler.js';
import { AutohealError, ErrorCode } from '../core/index.js';
import {
  ACTION_STATUSES,
  type ActionRecord,
  type ActionStatus,
  type DecisionRecord,
  type EventRecord,
  type LinkedActionRecord,
  type NewActionRecord,
} from './outcome-records.js';

/** How much history is kept. Applies to each kind of record (events, decisions, actions) separately. */
export interface OutcomeRetention {
  /** Records older than this (by their time) are deleted. Default 30 days. */
  readonly maxAgeMs: number;
  /** At most this many records of each kind are kept, the oldest go first. Default 10 000. */
  readonly maxCount: number;
}

export const DEFAULT_OUTCOME_RETENTION: OutcomeRetention = { maxAgeMs: 30 * 24 * 3_600_000, maxCount: 10_000 };

/** Default and maximum page size of `query`. */
export const DEFAULT_QUERY_LIMIT = 50;
export const MAX_QUERY_LIMIT = 1_000;

/** Which action records to list. Newest first (by `createdAt`, then `actionId`). */
export interface OutcomeQuery {
  readonly ruleset?: string;
  readonly rule?: string;
  readonly host?: string;
  readonly status?: ActionStatus;
  /** Only records created at or after this clock ms. */
  readonly since?: number;
  /** Only records created before this clock ms. */
  readonly until?: number;
  /** Page size, 1…`MAX_QUERY_LIMIT`. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface OutcomePage {
  readonly items: readonly LinkedActionRecord[];
  /** Present when more records match: pass it as `cursor` for the next page. */
  readonly nextCursor?: string;
}

/**
 * Where outcomes are kept. Writes are idempotent where a redelivery can repeat them
 * (`startAction` of a known id returns the stored record unchanged). Updates of an action that is
 * not (or no longer) stored are ignored: retention may have removed it, and losing history must
 * never fail a remediation.
 */
/** Filters of `queryDecisions`; `limit` 1..1000. */
export interface DecisionQuery {
  readonly ruleset?: string;
  readonly rule?: string;
  readonly kind?: string;
  /** Inclusive, clock ms. */
  readonly since?: number;
  readonly limit: number;
}

/** Whether a decision passes the filters of `query` (shared by the stores). */
export function decisionMatches(d: DecisionRecord, query: DecisionQuery): boolean {
  return (
    (query.ruleset === undefined || d.ruleset === query.ruleset) &&
    (query.rule === undefined || d.rule === query.rule) &&
    (query.kind === undefined || d.kind === query.kind) &&
    (query.since === undefined || d.at >= query.since)
  );
}

export interface OutcomeStore {
  readonly retention: OutcomeRetention;
  /** Connects or replays the file. Must be called before anything else. */
  start(): Promise<void>;
  recordEvent(record: EventRecord): Promise<void>;
  recordDecision(record: DecisionRecord): Promise<void>;
  /**
   * The events of an evaluated batch and the decisions about them, in one write (one Redis
   * transaction): the engine's way, so history costs one round trip per batch, not two per event.
   */
  recordEvaluations(events: readonly EventRecord[], decisions: readonly DecisionRecord[]): Promise<void>;
  /** Records a new action as `pending` at the clock's now; returns the stored record (the existing one for a known id). */
  startAction(record: NewActionRecord): Promise<ActionRecord>;
  /** Attempt `attempt` starts now: the action becomes `running`. Replaces an earlier record of the same attempt. */
  startAttempt(actionId: string, attempt: number): Promise<void>;
  /**
   * Attempt `attempt` ended now with `result` (summary bounded, output tail bounded, details
   * redacted). The action goes back to `pending` until `finishAction` or the next attempt.
   */
  finishAttempt(actionId: string, attempt: number, result: ActionResult): Promise<void>;
  /** The action ended with `status` now. */
  finishAction(actionId: string, status: OutcomeStatus): Promise<void>;
  /**
   * Rule decisions newest first — fired, throttled, deduplicated, skipped — including those that
   * ran no action: the production answer to "why didn't my rule fire?".
   */
  queryDecisions(query: DecisionQuery): Promise<DecisionRecord[]>;
  query(query: OutcomeQuery): Promise<OutcomePage>;
  get(actionId: string): Promise<LinkedActionRecord | undefined>;
  close(): Promise<void>;
}

/** Validates retention settings and fills in the defaults. Throws `AH_OUTCOME_STORE_CONFIG_INVALID`. */
export function resolveOutcomeRetention(retention: Partial<OutcomeRetention> = {}): OutcomeRetention {
  const maxAgeMs = retention.maxAgeMs ?? DEFAULT_OUTCOME_RETENTION.maxAgeMs;
  const maxCount = retention.maxCount ?? DEFAULT_OUTCOME_RETENTION.maxCount;
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 1) {
    throw new AutohealError(ErrorCode.OutcomeStoreConfigInvalid, `retention maxAgeMs must be a positive integer of milliseconds, got ${maxAgeMs}`);
  }
  if (!Number.isSafeInteger(maxCount) || maxCount < 1) {
    throw new AutohealError(ErrorCode.OutcomeStoreConfigInvalid, `retention maxCount must be a positive integer, got ${maxCount}`);
  }
  return { maxAgeMs, maxCount };
}

/** Rejects a query the stores cannot answer. Throws `AH_OUTCOME_QUERY_INVALID`. */
export function checkOutcomeQuery(query: OutcomeQuery): void {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_QUERY_LIMIT) {
    throw new AutohealError(ErrorCode.OutcomeQueryInvalid, `limit must be an integer from 1 to ${MAX_QUERY_LIMIT}, got ${query.limit}`);
  }
  if (query.status !== undefined && !ACTION_STATUSES.includes(query.status)) {
    throw new AutohealError(ErrorCode.OutcomeQueryInvalid, `unknown status "${String(query.status)}" (one of ${ACTION_STATUSES.join(', ')})`);
  }
  if (query.since !== undefined && query.until !== undefined && query.since > query.until) {
    throw new AutohealError(ErrorCode.OutcomeQueryInvalid, 'since is after until');
  }
  if (query.cursor !== undefined) decodeCursor(query.cursor);
}

/** A position in the newest-first order: after the record with this time and id. */
export interface CursorPosition {
  readonly createdAt: number;
  readonly actionId: string;
}

/** Opaque to callers (base64url of JSON); only the stores read it. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.actionId])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== 'string') {
    throw new AutohealError(ErrorCode.OutcomeQueryInvalid, 'cursor is not one this store returned');
  }
  return { createdAt: parsed[0] as number, actionId: parsed[1] };
}

/** Newest first: by `createdAt` descending, then `actionId` descending (the Redis sorted-set order). */
export function compareNewestFirst(a: CursorPosition, b: CursorPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.actionId < b.actionId ? 1 : a.actionId > b.actionId ? -1 : 0;
}

/** True when `record` comes strictly after `cursor` in the newest-first order. */
export function isAfterCursor(record: CursorPosition, cursor: CursorPosition | undefined): boolean {
  return cursor === undefined || compareNewestFirst(cursor, record) < 0;
}

/**
 * True when an action record matches the query's field filters and time range, and is not older
 * than `oldestKept` (records past retention are hidden even before a write removes them).
 */
export function matchesOutcomeQuery(record: ActionRecord, query: OutcomeQuery, oldestKept: number): boolean {
  return (
    (query.ruleset === undefined || record.ruleset === query.ruleset) &&
    (query.rule === undefined || record.rule === query.rule) &&
    (query.host === undefined || record.host === query.host) &&
    (query.status === undefined || record.status === query.status) &&
    (query.since === undefined || record.createdAt >= query.since) &&
    (query.until === undefined || record.createdAt < query.until) &&
    record.createdAt >= oldestKept
  );
}

/** Key of an event record: the same event is evaluated once per ruleset. */
export function eventKey(ruleset: string, eventId: string): string {
  return JSON.stringify([ruleset, eventId]);
}
