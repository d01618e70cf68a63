/**
 * @module Runs one delivery of an action job and decides what happens next. The order matters:
 * 1. circuit breaker (too many runs for this target lately → `skipped`, on_open actions instead);
 * 2. per-target lock (held elsewhere → wait in the queue, or `skipped` with `lock_mode: skip`);
 * 3. start marker, written before anything runs — a marker found without a finish means an
 *    earlier run died mid-way: recorded `interrupted`, and run again only when the action says
 *    repeating is safe;
 * 4. the attempt, under a timeout that aborts it;
 * 5. finish marker and outcome; a retryable failure becomes a delayed job for the next attempt
 *    (a queue job, so hours-long backoffs survive restarts); the last failure runs `on_failure`.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { templateContext } from '../../rules/engine/index.js';
import { renderArguments } from '../../rules/template/index.js';
import { OutcomeStatus, type ActionHandler, type ActionLogger, type ActionRequest, type ActionResult } from '../action-handler.js';
import { BeginResult, type CoordinationStore } from './coordination-store.js';
import { resolveDispatchPolicy, retryDelay, type DispatchPolicy } from './dispatch-policy.js';

/** One delivery of an action: which attempt, and since when it waits for its lock. */
export interface ActionJob {
  readonly request: ActionRequest;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Set while queued behind a lock: when the waiting started (clock ms). */
  readonly waitingSince?: number;
  /** The rule's later actions: each runs after this one finished, in order (as upstream). */
  readonly then?: readonly ActionRequest[];
}

/** What the queue does with the job afterwards. */
export type JobDecision =
  | { readonly kind: 'done'; readonly status: OutcomeStatus; readonly followUps: readonly ActionRequest[] }
  | { readonly kind: 'retry'; readonly job: ActionJob; readonly delayMs: number }
  | { readonly kind: 'duplicate' };

/** Where the runner reports what happened (the outcome store, logs, metrics). */
export interface OutcomeSink {
  attemptStarted(request: ActionRequest, attempt: number, at: number): Promise<void>;
  attemptFinished(request: ActionRequest, attempt: number, result: ActionResult, startedAt: number, finishedAt: number): Promise<void>;
  actionFinished(request: ActionRequest, status: OutcomeStatus, summary: string, at: number): Promise<void>;
}

export interface ActionRunnerDeps {
  readonly handlers: ReadonlyMap<string, ActionHandler>;
  readonly coordination: CoordinationStore;
  readonly outcomes: OutcomeSink;
  readonly clock: Clock;
  readonly logger: ActionLogger;
  /** Template variables (`--vars`), for follow-up actions rendered with the outcome. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Identifies this process in start markers and locks. */
  readonly owner?: string;
  readonly random?: () => number;
  /** How often a waiting job looks at its lock again, ms (default 5 s). */
  readonly lockPollMs?: number;
  /** Lock lease, renewed while the action runs, ms (default 60 s). */
  readonly lockLeaseMs?: number;
  /** Extra time given to a handler that ignores its abort signal, ms (default 10 s). */
  readonly abortGraceMs?: number;
  /** Aborted when the engine shuts down: running attempts are aborted too. */
  readonly signal?: AbortSignal;
  /** Receives a successful run's artifacts for `set_facts` / `post_events` (back to the engine). */
  readonly feedback?: (item: Feedback) => Promise<void>;
}

/** Artifacts going back to the rule engine, as a fact or as an event. */
export interface Feedback {
  readonly kind: 'fact' | 'event';
  readonly ruleset: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly request: ActionRequest;
}

export class ActionRunner {
  private readonly owner: string;
  private readonly random: () => number;
  private readonly lockPollMs: number;
  private readonly lockLeaseMs: number;
  private readonly abortGraceMs: number;

  constructor(private readonly deps: ActionRunnerDeps) {
    this.owner = deps.owner ?? `autoheal-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.random = deps.random ?? Math.random;
    this.lockPollMs = deps.lockPollMs ?? 5_000;
    this.lockLeaseMs = deps.lockLeaseMs ?? 60_000;
    this.abortGraceMs = deps.abortGraceMs ?? 10_000;
  }

  async run(job: ActionJob): Promise<JobDecision> {
    const { request } = job;
    const { coordination, clock } = this.deps;
    let policy: DispatchPolicy;
    try {
      policy = resolveDispatchPolicy(request);
    } catch (err) {
      return this.finalize(request, OutcomeStatus.Failed, messageOf(err), undefined, undefined);
    }
    const handler = this.deps.handlers.get(request.action);
    if (handler === undefined) {
      return this.finalize(request, OutcomeStatus.Failed, `no handler for action "${request.action}" in this engine`, policy, undefined);
    }

    if (job.attempt === 1 && job.waitingSince === undefined && policy.circuitBreaker !== undefined) {
      const b = policy.circuitBreaker;
      const recent = await coordination.countRun(b.target, clock.now(), b.windowMs, false);
      if (recent >= b.maxRuns) {
        await coordination.complete(request.dispatchKey);
        const summary = `circuit breaker open: ${recent} runs for ${b.target} within ${Math.round(b.windowMs / 1000)} s (max ${b.maxRuns})`;
        await this.deps.outcomes.actionFinished(request, OutcomeStatus.Skipped, summary, clock.now());
        this.deps.logger.warn({ dispatchKey: request.dispatchKey, rule: request.rule, target: b.target }, 'circuit breaker open');
        return { kind: 'done', status: OutcomeStatus.Skipped, followUps: this.followUps(request, b.onOpen, 'on_open', { status: OutcomeStatus.Skipped, summary }) };
      }
    }

    if (policy.lock !== undefined) {
      const got = await coordination.acquireLock(policy.lock, request.dispatchKey, this.lockLeaseMs);
      if (!got) {
        const since = job.waitingSince ?? clock.now();
        if (policy.lockMode === 'skip' || clock.now() - since >= policy.lockWaitMs) {
          await coordination.complete(request.dispatchKey);
          const summary = `another remediation holds the lock "${policy.lock}"${policy.lockMode === 'skip' ? '' : ` (waited ${Math.round((clock.now() - since) / 1000)} s)`}`;
          await this.deps.outcomes.actionFinished(request, OutcomeStatus.Skipped, summary, clock.now());
          this.logFinished(request, OutcomeStatus.Skipped, summary);
          return { kind: 'done', status: OutcomeStatus.Skipped, followUps: [] };
        }
        return { kind: 'retry', job: { ...job, waitingSince: since }, delayMs: this.lockPollMs };
      }
    }

    try {
      const begin = await coordination.begin(request.dispatchKey, job.attempt, this.owner);
      if (begin === BeginResult.Finished) return { kind: 'duplicate' };
      if (begin === BeginResult.Interrupted) return await this.interrupted(job, handler, policy);
      if (job.attempt === 1 && policy.circuitBreaker !== undefined) {
        await coordination.countRun(policy.circuitBreaker.target, clock.now(), policy.circuitBreaker.windowMs, true);
      }
      const startedAt = clock.now();
      await this.deps.outcomes.attemptStarted(request, job.attempt, startedAt);
      this.deps.logger.info({ ...logFields(request), attempt: job.attempt }, 'action started');
      const result = await this.attempt(job, handler, policy);
      const finishedAt = clock.now();
      await coordination.finish(request.dispatchKey, job.attempt);
      await this.deps.outcomes.attemptFinished(request, job.attempt, result, startedAt, finishedAt);
      if (result.status === OutcomeStatus.Succeeded) {
        await this.feedBack(request, result);
        return await this.finalize(request, result.status, result.summary, policy, result);
      }
      if (result.retryable === true && job.attempt < policy.attempts) {
        const delayMs = Math.max(result.retryAfterMs ?? 0, retryDelay(policy, job.attempt + 1, this.random));
        this.deps.logger.warn({ dispatchKey: request.dispatchKey, rule: request.rule, action: request.action, attempt: job.attempt, delayMs }, 'action attempt failed; retrying');
        return { kind: 'retry', job: { request, attempt: job.attempt + 1 }, delayMs };
      }
      return await this.finalize(request, result.status, result.summary, policy, result);
    } finally {
      if (policy.lock !== undefined) await coordination.releaseLock(policy.lock, request.dispatchKey).catch(() => undefined);
    }
  }

  /** The attempt under its timeout: a handler that ignores the abort is given up after a grace period. */
  private async attempt(job: ActionJob, handler: ActionHandler, policy: DispatchPolicy): Promise<ActionResult> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('action timed out'));
    }, policy.timeoutMs);
    const onShutdown = (): void => controller.abort(new Error('engine shutting down'));
    this.deps.signal?.addEventListener('abort', onShutdown, { once: true });
    if (this.deps.signal?.aborted === true) onShutdown();
    const renew =
      policy.lock === undefined
        ? undefined
        : setInterval(() => {
            void this.deps.coordination.renewLock(policy.lock as string, job.request.dispatchKey, this.lockLeaseMs).catch(() => undefined);
          }, Math.max(1000, Math.floor(this.lockLeaseMs / 3)));
    let grace: NodeJS.Timeout | undefined;
    try {
      const abandoned = new Promise<ActionResult>((resolve) => {
        controller.signal.addEventListener('abort', () => {
          grace = setTimeout(
            () => resolve({ status: OutcomeStatus.TimedOut, summary: `timed out after ${Math.round(policy.timeoutMs / 1000)} s and did not stop within ${Math.round(this.abortGraceMs / 1000)} s`, retryable: true }),
            this.abortGraceMs,
          );
        });
      });
      const run = handler
        .run({ request: job.request, attempt: job.attempt, signal: controller.signal, clock: this.deps.clock, logger: this.deps.logger })
        .catch((err: unknown): ActionResult => ({ status: OutcomeStatus.Failed, summary: messageOf(err), retryable: false }));
      const result = await Promise.race([run, abandoned]);
      if (timedOut && result.status !== OutcomeStatus.Succeeded) {
        return { ...result, status: OutcomeStatus.TimedOut, summary: `timed out after ${Math.round(policy.timeoutMs / 1000)} s: ${result.summary}`, retryable: true };
      }
      return result;
    } finally {
      clearTimeout(timer);
      this.deps.signal?.removeEventListener('abort', onShutdown);
      if (grace !== undefined) clearTimeout(grace);
      if (renew !== undefined) clearInterval(renew);
    }
  }

  /** `set_facts` / `post_events`: a successful run's artifacts go back to the rule engine. */
  private async feedBack(request: ActionRequest, result: ActionResult): Promise<void> {
    const feedback = this.deps.feedback;
    if (feedback === undefined || result.artifacts === undefined) return;
    const ruleset = typeof request.args.ruleset === 'string' && request.args.ruleset !== '' ? request.args.ruleset : request.ruleset;
    if (request.args.set_facts === true) await feedback({ kind: 'fact', ruleset, data: result.artifacts, request });
    if (request.args.post_events === true) await feedback({ kind: 'event', ruleset, data: result.artifacts, request });
  }

  /** An attempt found started but never finished: the process running it died. */
  private async interrupted(job: ActionJob, handler: ActionHandler, policy: DispatchPolicy): Promise<JobDecision> {
    const { request } = job;
    const now = this.deps.clock.now();
    const summary = 'the run was interrupted (the engine stopped while it ran); its effect is unknown';
    await this.deps.coordination.finish(request.dispatchKey, job.attempt);
    await this.deps.outcomes.attemptFinished(request, job.attempt, { status: OutcomeStatus.Interrupted, summary }, now, now);
    this.deps.logger.warn({ dispatchKey: request.dispatchKey, rule: request.rule, action: request.action, attempt: job.attempt }, 'action interrupted');
    if (handler.safeToRepeat && job.attempt < policy.attempts) return { kind: 'retry', job: { request, attempt: job.attempt + 1 }, delayMs: 0 };
    return this.finalize(request, OutcomeStatus.Interrupted, summary, policy, undefined);
  }

  private async finalize(request: ActionRequest, status: OutcomeStatus, summary: string, policy: DispatchPolicy | undefined, result: ActionResult | undefined): Promise<JobDecision> {
    await this.deps.coordination.complete(request.dispatchKey);
    await this.deps.outcomes.actionFinished(request, status, summary, this.deps.clock.now());
    this.logFinished(request, status, summary);
    const failed = status !== OutcomeStatus.Succeeded && status !== OutcomeStatus.Skipped;
    const followUps = failed && policy !== undefined ? this.followUps(request, policy.onFailure, 'on_failure', { status, summary, ...outcomeFields(result) }) : [];
    return { kind: 'done', status, followUps };
  }

  /** The final outcome, one line: what on-call reads first. A failure is an error, whatever comes next. */
  private logFinished(request: ActionRequest, status: OutcomeStatus, summary: string): void {
    const fields = { ...logFields(request), status, summary };
    if (status === OutcomeStatus.Succeeded || status === OutcomeStatus.Skipped) this.deps.logger.info(fields, 'action finished');
    else this.deps.logger.error(fields, 'action finished');
  }

  /**
   * Follow-up actions (`on_failure`, circuit breaker `on_open`), rendered now with the match's
   * variables plus `outcome` (status, summary, rc, http_status), so a message can say what
   * went wrong.
   */
  private followUps(request: ActionRequest, actions: DispatchPolicy['onFailure'], kind: string, outcome: Record<string, unknown>): ActionRequest[] {
    return actions.map((entry, i) => {
      const [name, rawArgs] = Object.entries(entry)[0] as [string, unknown];
      const context = { ...templateContext({ bindings: request.bindings }, this.deps.vars ?? {}), outcome: { action: request.action, ...outcome } };
      let args: Record<string, unknown>;
      try {
        args = (renderArguments(rawArgs ?? {}, context) ?? {}) as Record<string, unknown>;
      } catch (err) {
        args = { __render_error__: messageOf(err) };
      }
      return { ...request, dispatchKey: `${request.dispatchKey}/${kind}/${i}`, action: name, args };
    });
  }
}

function outcomeFields(result: ActionResult | undefined): Record<string, unknown> {
  if (result === undefined) return {};
  return { ...(result.rc !== undefined ? { rc: result.rc } : {}), ...(result.httpStatus !== undefined ? { http_status: result.httpStatus } : {}) };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Who and what an action log line is about; summaries are written never to hold secrets. */
function logFields(request: ActionRequest): Record<string, unknown> {
  return {
    dispatchKey: request.dispatchKey,
    ruleset: request.ruleset,
    rule: request.rule,
    action: request.action,
    ...(request.hosts !== undefined && request.hosts.length > 0 ? { hosts: request.hosts } : {}),
    eventIds: request.eventIds,
  };
}
