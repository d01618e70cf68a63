/**
 * @module From fired rules to running actions. The evaluator writes each fired rule's planned
 * actions to the outbox in the same transaction as its state; the dispatcher turns outbox
 * records into action jobs. A rule's actions run in order — the next one is queued when the
 * previous one finished, whatever its outcome, as upstream continues after a failed action —
 * while different matches run in parallel on every process.
 *
 * The dispatch key of an action is derived from the ruleset, the rule, the ids of the matched
 * events and the action's position, so replaying an outbox record, a redelivered event or two
 * processes racing all produce the same key, and the start marker makes it run at most once.
 */
import { createHash } from 'node:crypto';
import { ENGINE_ACTIONS } from '../../rules/engine/index.js';
import type { DispatchRecord } from '../../state/index.js';
import { OutcomeStatus, type ActionLogger, type ActionRequest } from '../action-handler.js';
import type { ActionQueue } from './action-queue.js';
import type { ActionJob, ActionRunner, OutcomeSink } from './action-runner.js';

export interface ActionDispatcherDeps {
  readonly queue: ActionQueue;
  readonly runner: ActionRunner;
  readonly outcomes: OutcomeSink;
  readonly logger: ActionLogger;
  readonly now: () => number;
}

export class ActionDispatcher {
  constructor(private readonly deps: ActionDispatcherDeps) {}

  /** Queues the first action of each fired rule (the others follow it in order). */
  async dispatch(records: readonly DispatchRecord[]): Promise<void> {
    const jobs: Array<{ job: ActionJob }> = [];
    for (const record of records) {
      const chain = await this.requests(record);
      const [first, ...then] = chain;
      if (first !== undefined) jobs.push({ job: { request: first, attempt: 1, then } });
    }
    if (jobs.length > 0) await this.deps.queue.add(jobs);
  }

  /** Starts running queued actions in this process. */
  async start(concurrency: number): Promise<void> {
    await this.deps.queue.consume((job) => this.process(job), concurrency);
  }

  /** Runs one job and queues what follows it: a retry, follow-ups, the rule's next action. */
  async process(job: ActionJob): Promise<void> {
    const decision = await this.deps.runner.run(job);
    const next: Array<{ job: ActionJob; delayMs?: number }> = [];
    if (decision.kind === 'retry') {
      next.push({ job: job.then === undefined ? decision.job : { ...decision.job, then: job.then }, delayMs: decision.delayMs });
    } else {
      if (decision.kind === 'done') for (const request of decision.followUps) next.push({ job: { request, attempt: 1 } });
      // Also on a duplicate delivery: queuing the next action again is harmless (same job id),
      // and it repairs a crash between finishing this action and queuing the next.
      const [following, ...rest] = job.then ?? [];
      if (following !== undefined) next.push({ job: { request: following, attempt: 1, then: rest } });
    }
    if (next.length > 0) await this.deps.queue.add(next);
  }

  /** The dispatchable actions of a record, in order; unrenderable ones are recorded as failed. */
  private async requests(record: DispatchRecord): Promise<ActionRequest[]> {
    const out: ActionRequest[] = [];
    for (const { request, error } of plannedRequests(record)) {
      if (error !== undefined) {
        await this.deps.outcomes.actionFinished(request, OutcomeStatus.Failed, `cannot render the arguments: ${error}`, this.deps.now());
        this.deps.logger.error({ dispatchKey: request.dispatchKey, rule: record.rule, action: request.action }, 'action arguments could not be rendered');
        continue;
      }
      out.push(request);
    }
    return out;
  }
}

/**
 * The request of every action of a record the dispatcher runs (all but the engine's own), in
 * order, with its position in the rule and its render error if any. Pure: what the dispatcher
 * queues, and what others use to recognise those actions by their dispatch keys.
 */
export function plannedRequests(
  record: Pick<DispatchRecord, 'ruleset' | 'rule' | 'bindings' | 'eventId' | 'at' | 'actions'>,
): Array<{ readonly index: number; readonly request: ActionRequest; readonly error?: string }> {
  const eventIds = matchedEventIds(record);
  const out: Array<{ index: number; request: ActionRequest; error?: string }> = [];
  for (const [index, planned] of record.actions.entries()) {
    if (ENGINE_ACTIONS.has(planned.action)) continue;
    const request: ActionRequest = {
      dispatchKey: dispatchKey(record, eventIds, index),
      ruleset: record.ruleset,
      rule: record.rule,
      action: planned.action,
      args: (planned.args ?? {}) as Record<string, unknown>,
      bindings: record.bindings,
      eventIds,
      ...(planned.hosts !== undefined ? { hosts: planned.hosts } : {}),
      ...(planned.written !== undefined ? { writtenArgs: planned.written } : {}),
    };
    out.push({ index, request, ...(planned.error !== undefined ? { error: planned.error } : {}) });
  }
  return out;
}

/** `meta.uuid` of every matched object, in binding order; else the queued event's id. */
export function matchedEventIds(record: Pick<DispatchRecord, 'bindings' | 'eventId' | 'at'>): string[] {
  const ids: string[] = [];
  for (const data of Object.values(record.bindings)) {
    const meta = data.meta;
    const uuid = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).uuid : undefined;
    if (typeof uuid === 'string') ids.push(uuid);
  }
  if (ids.length === 0) ids.push(record.eventId ?? `t${record.at}`);
  return ids;
}

/** Deterministic per (ruleset, rule, matched events, action position); readable prefix, hashed rest. */
export function dispatchKey(record: Pick<DispatchRecord, 'ruleset' | 'rule'>, eventIds: readonly string[], index: number): string {
  const digest = createHash('sha256').update(JSON.stringify([record.ruleset, record.rule, eventIds, index])).digest('hex').slice(0, 32);
  return `${digest}-${index}`;
}
