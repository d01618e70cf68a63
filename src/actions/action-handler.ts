/**
 * @module The contract every remediation action implements. The dispatcher (queue, exactly-once
 * markers, retries, locks, outcome records) calls `run` once per attempt; an action only does
 * its one job and describes how it went. Retrying is decided by data (`retryable`,
 * `retryAfterMs`), never by the class of an error.
 */
import type { Clock } from '../core/index.js';

/** What an action attempt ended as. Lowercase: these appear in logs, JSON and Redis. */
export const OutcomeStatus = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  TimedOut: 'timed_out',
  /** Found started but unfinished after a crash; not run again unless the action says it is safe. */
  Interrupted: 'interrupted',
  /** Not run: throttled, locked, circuit open, dry-run. */
  Skipped: 'skipped',
} as const;
export type OutcomeStatus = (typeof OutcomeStatus)[keyof typeof OutcomeStatus];

/** One action to run, as the evaluator planned it. */
export interface ActionRequest {
  /** Deterministic: ruleset + rule + matched event ids + action position. Unique per match and action. */
  readonly dispatchKey: string;
  readonly ruleset: string;
  readonly rule: string;
  /** The action name (`run_job_template`, `notify`, …). */
  readonly action: string;
  /** Arguments, already rendered from the rule's templates. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Host limit from the matched events' `meta.hosts` (playbooks and jobs). */
  readonly hosts?: readonly string[];
  /** The matched events by binding (`m`, or `m_0…`), for `ansible_eda` and templates. */
  readonly bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Ids (`meta.uuid`) of the matched events. */
  readonly eventIds: readonly string[];
  /**
   * The arguments as written in the rulebook, for an action that renders them itself: `debug`,
   * against masked variables (its `args` were rendered with the real ones).
   */
  readonly writtenArgs?: Readonly<Record<string, unknown>>;
}

/** A pino-compatible logger subset. Messages constant, context in fields; never secrets. */
export interface ActionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ActionContext {
  readonly request: ActionRequest;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted on timeout or shutdown: stop, kill children, return. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly logger: ActionLogger;
}

/** How one attempt went. */
export interface ActionResult {
  readonly status: OutcomeStatus;
  /** One line for humans: what was done, or why it failed. Never a secret. */
  readonly summary: string;
  /** Whether another attempt may succeed (network errors, 5xx, 429, a failed job): default false. */
  readonly retryable?: boolean;
  /** The target asked to wait this long before retrying (429 `Retry-After`). */
  readonly retryAfterMs?: number;
  /** Exit code of a process. */
  readonly rc?: number;
  /** HTTP status of the decisive response. */
  readonly httpStatus?: number;
  /** Last part of the output (playbook output, job stdout, response body), bounded. */
  readonly outputTail?: string;
  /** Action-specific facts worth recording (job id and URL, note id, message id). */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * Data the run produced for the rule engine (a playbook's last `set_stats` data or `set_fact`
   * facts, a module's result): asserted as a fact with `set_facts: true`, posted as an event
   * with `post_events: true`, into the rule's ruleset or `ruleset:` (upstream's semantics).
   */
  readonly artifacts?: Readonly<Record<string, unknown>>;
}

export interface ActionHandler {
  /** The action name it implements. */
  readonly name: string;
  /**
   * Whether running it again after an unknown end (a crash mid-run) is harmless. A playbook that
   * restarts a service is not assumed to be; a chat message is (at worst a duplicate line).
   */
  readonly safeToRepeat: boolean;
  run(context: ActionContext): Promise<ActionResult>;
}
