/**
 * @module The evaluator with its state in a store: what the queue consumer calls for each event
 * or batch of events. After every batch (and every timer step) the changes of every ruleset are
 * saved in one transaction together with the last event's id and the actions to dispatch, so
 * that a process killed at any point restarts where it stopped: an `all` whose first event came
 * before the kill fires when the second comes after it, a `once_within` window still holds, and
 * events the queue redelivers after a crash are recognised and not applied twice.
 */
import { AutohealError, ErrorCode, type Clock } from '../core/index.js';
import { RulebookEvaluator, type FiredRule, type HeldDecision, type RulebookEvaluatorOptions } from '../rules/engine/index.js';
import type { Rulebook } from '../rules/rulebook/index.js';
import { encodeState } from './state-codec.js';
import type { RulesetChanges, StateStore } from './state-store.js';

export interface DurableEvaluatorOptions extends RulebookEvaluatorOptions {
  readonly store: StateStore;
  readonly clock: Clock;
  /**
   * Whether an action is dispatched from the outbox. Matches with none (only engine or console
   * actions) are not written there. Default: every action.
   */
  readonly dispatchable?: (action: string) => boolean;
}

/** What evaluating something did: the rules that fired and those held back (throttled, …). */
export interface Evaluated {
  readonly fired: readonly FiredRule[];
  readonly held: readonly HeldDecision[];
}

export interface DurableResult extends Evaluated {
  /** True when this event id was already applied (a redelivery): nothing was done. */
  readonly duplicate: boolean;
}

/** What the outbox holds for each fired rule: the actions to dispatch, rendered. */
export interface DispatchRecord {
  readonly ruleset: string;
  readonly rule: string;
  readonly trigger: string;
  /** The queued event that caused the match (undefined for timer firings). */
  readonly eventId?: string;
  readonly at: number;
  readonly bindings: FiredRule['bindings'];
  readonly actions: ReadonlyArray<{
    readonly action: string;
    readonly args?: unknown;
    readonly hosts?: readonly string[];
    readonly error?: string;
    /** `debug` only: its arguments as written, which it renders itself against masked variables. */
    readonly written?: Readonly<Record<string, unknown>>;
  }>;
}

/** One queued item to apply: an event, a fact to assert, or `{fact, partial}` to retract. */
export interface EvaluationItem {
  readonly id: string;
  readonly kind?: 'event' | 'fact' | 'retract';
  readonly event: Readonly<Record<string, unknown>>;
}

/** What one applied item did. */
export interface AppliedItem extends Evaluated {
  readonly id: string;
}

export interface BatchResult {
  /** Items done from the first: skipped + applied (less than all only after a shutdown request). */
  readonly done: number;
  /** Leading items that were applied before (redelivered after a crash): nothing was done for them. */
  readonly skipped: number;
  readonly applied: readonly AppliedItem[];
}

export class DurableEvaluator {
  private evaluator: RulebookEvaluator;
  private readonly lastEventIds = new Map<string, string>();
  /** Set when a save failed: memory may be ahead of the store, so reload before going on. */
  private stale = false;
  /** The batch of the last failed save: whether it landed is known after the reload. */
  private unconfirmed: { readonly ruleset: string; readonly lastId: string; readonly applied: readonly AppliedItem[] } | undefined;

  private constructor(
    private readonly rulebook: Rulebook,
    private readonly options: DurableEvaluatorOptions,
  ) {
    this.evaluator = new RulebookEvaluator(rulebook, options);
  }

  /** Builds the evaluator and loads every ruleset's stored state. */
  static async open(rulebook: Rulebook, options: DurableEvaluatorOptions): Promise<DurableEvaluator> {
    const durable = new DurableEvaluator(rulebook, options);
    await durable.reload();
    return durable;
  }

  get inner(): RulebookEvaluator {
    return this.evaluator;
  }

  /** `applyBatch` for one event. Throws when the store fails. */
  async processEvent(ruleset: string, id: string, event: Readonly<Record<string, unknown>>): Promise<DurableResult> {
    return single(await this.applyBatch(ruleset, [{ id, event }]));
  }

  /**
   * Applies consecutive queued items of one ruleset in order and commits them in ONE transaction
   * (state of every ruleset, the last item's id, the outbox): the cost of a commit is paid once
   * per batch instead of once per event. Items up to and including the stored last id were
   * applied before (a redelivery after a crash) and are skipped. Stops after an item that
   * requested a shutdown, as upstream stops reading events then.
   * @throws when the store fails (retryable; nothing of the batch counts as applied) or an item
   *   cannot be evaluated; either way memory is reloaded from the store before the next call.
   */
  async applyBatch(ruleset: string, items: readonly EvaluationItem[]): Promise<BatchResult> {
    if (this.stale) await this.reload();
    const last = this.lastEventIds.get(ruleset);
    const unconfirmed = this.unconfirmed;
    this.unconfirmed = undefined;
    if (unconfirmed !== undefined && unconfirmed.ruleset === ruleset && unconfirmed.lastId === last) {
      // The commit whose answer was lost did land: hand its results out now, so the caller runs
      // what follows a commit (console output, history) once, instead of skipping it.
      const done = items.findIndex((item) => item.id === last) + 1;
      if (done > 0) return { done, skipped: Math.max(0, done - unconfirmed.applied.length), applied: unconfirmed.applied };
    }
    const skipped = last === undefined ? 0 : items.findIndex((item) => item.id === last) + 1;
    const applied: AppliedItem[] = [];
    const outbox: string[] = [];
    let next = skipped;
    try {
      while (next < items.length) {
        const item = items[next] as EvaluationItem;
        const { fired, held } = this.evaluate(ruleset, item);
        this.addToOutbox(outbox, fired, item.id);
        applied.push({ id: item.id, fired, held });
        next += 1;
        if (this.evaluator.shutdownRequested !== undefined) break;
      }
    } catch (err) {
      // Memory holds part of the batch that the store does not: start again from the store.
      this.stale = true;
      throw err;
    }
    if (applied.length > 0) {
      const lastId = (items[next - 1] as EvaluationItem).id;
      try {
        await this.commit(outbox, ruleset, lastId);
      } catch (err) {
        // Redis may have applied the transaction and only the answer was lost (it went away
        // mid-reply): the next call, after reloading, tells which it was.
        this.unconfirmed = { ruleset, lastId, applied };
        throw err;
      }
    }
    return { done: next, skipped, applied };
  }

  /** Runs the timers due now (once_after, not_all, expiry) and commits the outcome. */
  async advanceTime(): Promise<DurableResult> {
    if (this.stale) await this.reload();
    const report = this.evaluator.advanceTime();
    const outbox: string[] = [];
    this.addToOutbox(outbox, report.fired, undefined);
    await this.commit(outbox, undefined, undefined);
    return { duplicate: false, fired: report.fired, held: report.held };
  }

  /** When the next timer is due (clock ms), for the caller to schedule `advanceTime`. */
  nextTimerAt(): number | undefined {
    return this.evaluator.nextTimerAt();
  }

  private evaluate(ruleset: string, item: EvaluationItem): Evaluated {
    if (item.kind === 'fact') return { fired: this.evaluator.assertFact(item.event, ruleset), held: [] };
    if (item.kind === 'retract') {
      const { fact, partial } = item.event as { fact?: Record<string, unknown>; partial?: unknown };
      return { fired: this.evaluator.retractFact(fact ?? {}, ruleset, partial !== false), held: [] };
    }
    return this.evaluator.processEvent(item.event, { rulesets: [ruleset], explain: false });
  }

  /** The actions to dispatch and the engine actions for other rulesets, keyed by their cause. */
  private addToOutbox(outbox: string[], fired: readonly FiredRule[], eventId: string | undefined): void {
    const dispatchable = this.options.dispatchable ?? (() => true);
    for (const f of fired) if (f.actions.some((a) => dispatchable(a.action))) outbox.push(encodeState(toDispatchRecord(f, eventId)));
    // Engine actions for other rulesets travel in the same transaction, to their queues next.
    this.evaluator.takeCrossRuleset().forEach((work, i) => outbox.push(encodeState({ cross: work, key: `${eventId ?? `t${this.options.clock.now()}`}:${i}` })));
  }

  private async commit(outbox: readonly string[], ruleset: string | undefined, eventId: string | undefined): Promise<void> {
    const batch: RulesetChanges[] = [];
    for (const rs of this.rulebook.rulesets) {
      const changes = (this.evaluator.session(rs.name) as NonNullable<ReturnType<RulebookEvaluator['session']>>).takeChanges();
      const marks = rs.name === ruleset && eventId !== undefined;
      // A ruleset the event left untouched writes nothing (the event's own ruleset records its id).
      if (!marks && changes.put.length === 0 && changes.removed.length === 0 && changes.meta === undefined) continue;
      batch.push(marks ? { ruleset: rs.name, changes, lastEventId: eventId } : { ruleset: rs.name, changes });
    }
    try {
      await this.options.store.save(batch, outbox);
    } catch (err) {
      this.stale = true;
      throw storeUnavailable('could not commit the evaluation to the state store', err);
    }
    if (ruleset !== undefined && eventId !== undefined) this.lastEventIds.set(ruleset, eventId);
  }

  private async reload(): Promise<void> {
    const evaluator = new RulebookEvaluator(this.rulebook, this.options);
    this.lastEventIds.clear();
    for (const rs of this.rulebook.rulesets) {
      let stored: Awaited<ReturnType<StateStore['load']>>;
      try {
        stored = await this.options.store.load(rs.name);
      } catch (err) {
        throw storeUnavailable('could not load rule state from the state store', err);
      }
      if (stored.state !== undefined) evaluator.session(rs.name)?.importState(stored.state);
      if (stored.lastEventId !== undefined) this.lastEventIds.set(rs.name, stored.lastEventId);
    }
    this.evaluator = evaluator;
    this.stale = false;
  }
}

/**
 * A state-store failure (Redis away) is an outage, not a bad event: marked retryable so the
 * queue keeps the event until the store is back instead of giving it up.
 */
function storeUnavailable(message: string, cause: unknown): AutohealError {
  if (cause instanceof AutohealError && cause.retryable) return cause;
  return new AutohealError(ErrorCode.QueueUnavailable, `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { retryable: true, cause });
}

function single(result: BatchResult): DurableResult {
  const item = result.applied[0];
  return item === undefined ? { duplicate: result.skipped > 0, fired: [], held: [] } : { duplicate: false, fired: item.fired, held: item.held };
}

/** The outbox record of a fired rule: what the dispatcher turns into action requests. */
export function toDispatchRecord(f: FiredRule, eventId: string | undefined): DispatchRecord {
  const base = {
    ruleset: f.ruleset,
    rule: f.rule,
    trigger: f.trigger,
    at: f.at,
    bindings: f.bindings,
    actions: f.actions.map((a) => ({
      action: a.action,
      ...(a.args !== undefined ? { args: a.args } : {}),
      ...(a.hosts !== undefined ? { hosts: a.hosts } : {}),
      ...(a.error !== undefined ? { error: a.error } : {}),
      ...(a.action === 'debug' ? { written: a.spec.args } : {}),
    })),
  };
  return eventId === undefined ? base : { ...base, eventId };
}
