/**
 * @module Where rule-engine state lives between restarts: each ruleset's working memory (facts
 * and events waiting for partners), throttle and correlation windows, and the id of the last
 * event applied to it. Two implementations behind this one interface: in memory (the embedded
 * default, lost on exit) and Redis (durable, shared by every autoheal process).
 */
import type { SessionChanges, SessionState } from '../rules/engine/index.js';

export interface StoredSession {
  /** Undefined when nothing was stored for the ruleset yet. */
  readonly state?: SessionState;
  /** The queue id of the last event whose effects are in `state`. */
  readonly lastEventId?: string;
}

/** The changes of one ruleset within a save. */
export interface RulesetChanges {
  readonly ruleset: string;
  readonly changes: SessionChanges;
  /** Set for the ruleset whose queued event caused the changes. */
  readonly lastEventId?: string;
}

export interface StateStore {
  readonly durable: boolean;
  load(ruleset: string): Promise<StoredSession>;
  /**
   * Applies every ruleset's changes and records the event id, atomically: after a crash either
   * all of it is stored or none, so an event redelivered by the queue is recognised and not
   * applied twice (a `post_event` into another ruleset commits together with its cause).
   * `outbox` entries (serialized action requests) are appended in the same transaction, so the
   * actions of a match are never lost between evaluating and dispatching.
   */
  save(batch: readonly RulesetChanges[], outbox?: readonly string[]): Promise<void>;
  /** Up to `max` outbox entries, oldest first, left in place until `ackOutbox`. */
  peekOutbox(max: number): Promise<string[]>;
  /**
   * Removes these exact entries (once each). Safe when two processes drain at once: both may
   * dispatch an entry — harmless, dispatch is idempotent by key — and neither drops an entry the
   * other has not dispatched yet.
   */
  ackOutbox(entries: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
