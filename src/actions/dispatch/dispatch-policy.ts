/**
 * @module How an action is run, read once from its (rendered) arguments: attempts and backoff,
 * timeout, per-target lock, circuit breaker and the actions to run when it finally fails.
 * Upstream's own knobs keep their meaning (`retries`, `retry`, `delay`, `lock`); the rest is
 * autoheal's (shared/spec/what-users-ask.md rows 1, 2, 6, 12).
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { ActionRequest } from '../action-handler.js';

/** Actions that change systems: locked per target by default, and counted by circuit breakers. */
export const REMEDIATION_ACTIONS: ReadonlySet<string> = new Set(['run_playbook', 'run_module', 'run_job_template', 'run_workflow_template']);

export interface DispatchPolicy {
  /** Total attempts (1 + retries). */
  readonly attempts: number;
  /** Delay before the first retry, ms; doubles each retry (fixed when `retry_backoff: fixed`). */
  readonly retryDelayMs: number;
  readonly retryBackoff: 'fixed' | 'exponential';
  /** Upper bound of one retry delay, ms. */
  readonly maxRetryDelayMs: number;
  /** Per-attempt timeout, ms. */
  readonly timeoutMs: number;
  /** Lock name (one run at a time per name across every process), or undefined for none. */
  readonly lock?: string;
  /** `wait`: queue behind the holder (up to `lockWaitMs`); `skip`: record `skipped`. */
  readonly lockMode: 'wait' | 'skip';
  readonly lockWaitMs: number;
  readonly circuitBreaker?: {
    /** Counted per target (rule + host). */
    readonly target: string;
    readonly maxRuns: number;
    readonly windowMs: number;
    /** Actions run instead when the breaker is open (e.g. notify a human). */
    readonly onOpen: ReadonlyArray<Readonly<Record<string, unknown>>>;
  };
  /** Actions run when the action fails for good (after its last attempt). */
  readonly onFailure: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export const DISPATCH_DEFAULTS = {
  retryDelayMs: 5_000,
  maxRetryDelayMs: 3_600_000,
  timeoutMs: 3_600_000,
  lockWaitMs: 3_600_000,
} as const;

const UNITS: Readonly<Record<string, number>> = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `90`, `"90"` (seconds) or `"5 minutes"` / `"2 hours"` → ms. */
export function durationMs(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
    const m = /^(\d+(?:\.\d+)?)\s*(milliseconds?|seconds?|minutes?|hours?|days?)$/.exec(text);
    if (m !== null) return Math.round(Number(m[1]) * (UNITS[(m[2] as string).replace(/s$/, '')] as number));
  }
  throw new AutohealError(ErrorCode.RulebookInvalid, `${what} must be a number of seconds or a duration such as "5 minutes", found ${JSON.stringify(value)}`);
}

function count(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return n;
  throw new AutohealError(ErrorCode.RulebookInvalid, `${what} must be a whole number ≥ 0, found ${JSON.stringify(value)}`);
}

function actionList(value: unknown, what: string): ReadonlyArray<Readonly<Record<string, unknown>>> {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
      throw new AutohealError(ErrorCode.RulebookInvalid, `${what} must be a list of actions such as [{notify: {…}}], found ${JSON.stringify(item)}`);
    }
  }
  return list as ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** The target a lock or breaker is about: the rule and the first host of the match. */
export function defaultTarget(request: Pick<ActionRequest, 'ruleset' | 'rule' | 'hosts'>): string {
  return `${request.ruleset}::${request.rule}::${request.hosts?.[0] ?? 'all'}`;
}

/** Reads the dispatch policy of one action request. Throws AH_RULEBOOK_INVALID on a bad value. */
export function resolveDispatchPolicy(request: ActionRequest): DispatchPolicy {
  const a = request.args;
  const retries = a.retries !== undefined ? count(a.retries, 'retries') : a.retry === true ? 1 : 0;
  const remediation = REMEDIATION_ACTIONS.has(request.action);
  let lock: string | undefined;
  if (a.lock === false) lock = undefined;
  else if (typeof a.lock === 'string' && a.lock !== '') lock = a.lock;
  else if (remediation) lock = defaultTarget(request);
  const breaker = a.circuit_breaker;
  let circuitBreaker: DispatchPolicy['circuitBreaker'];
  if (breaker !== undefined && breaker !== null) {
    if (typeof breaker !== 'object' || Array.isArray(breaker)) {
      throw new AutohealError(ErrorCode.RulebookInvalid, 'circuit_breaker must be a mapping {max_runs, window, on_open}');
    }
    const b = breaker as Record<string, unknown>;
    circuitBreaker = {
      target: typeof b.key === 'string' && b.key !== '' ? b.key : defaultTarget(request),
      maxRuns: count(b.max_runs, 'circuit_breaker.max_runs'),
      windowMs: durationMs(b.window ?? '1 hour', 'circuit_breaker.window'),
      onOpen: actionList(b.on_open, 'circuit_breaker.on_open'),
    };
  }
  const policy: DispatchPolicy = {
    attempts: 1 + retries,
    retryDelayMs: a.delay !== undefined ? durationMs(a.delay, 'delay') : DISPATCH_DEFAULTS.retryDelayMs,
    retryBackoff: a.retry_backoff === 'fixed' || (a.delay !== undefined && a.retry_backoff === undefined) ? 'fixed' : 'exponential',
    maxRetryDelayMs: a.max_retry_delay !== undefined ? durationMs(a.max_retry_delay, 'max_retry_delay') : DISPATCH_DEFAULTS.maxRetryDelayMs,
    timeoutMs: a.timeout !== undefined ? durationMs(a.timeout, 'timeout') : DISPATCH_DEFAULTS.timeoutMs,
    lockMode: a.lock_mode === 'skip' ? 'skip' : 'wait',
    lockWaitMs: a.lock_wait !== undefined ? durationMs(a.lock_wait, 'lock_wait') : DISPATCH_DEFAULTS.lockWaitMs,
    onFailure: actionList(a.on_failure, 'on_failure'),
    ...(lock !== undefined ? { lock } : {}),
    ...(circuitBreaker !== undefined ? { circuitBreaker } : {}),
  };
  return policy;
}

/**
 * Delay before attempt `nextAttempt` (2 = first retry): fixed, or doubling from
 * `retryDelayMs` up to `maxRetryDelayMs`, with up to 20 % jitter downwards so that retries of
 * many actions do not all hit a recovering target at once.
 */
export function retryDelay(policy: DispatchPolicy, nextAttempt: number, random: () => number): number {
  const base =
    policy.retryBackoff === 'fixed' ? policy.retryDelayMs : Math.min(policy.maxRetryDelayMs, policy.retryDelayMs * 2 ** Math.max(0, nextAttempt - 2));
  return Math.round(base * (1 - 0.2 * random()));
}

/**
 * The longest an action can take from its first delivery to its end under `policy`: the lock
 * wait, every attempt to its timeout, and the retry delays between them (without jitter, which
 * only shortens them). Bounds what waits for an action, such as a shutdown listed after it.
 */
export function worstCaseMs(policy: DispatchPolicy): number {
  let total = (policy.lock !== undefined && policy.lockMode === 'wait' ? policy.lockWaitMs : 0) + policy.attempts * policy.timeoutMs;
  for (let next = 2; next <= policy.attempts; next += 1) total += retryDelay(policy, next, () => 0);
  return total;
}
