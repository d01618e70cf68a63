/**
 * @module Evaluates events against every ruleset of a rulebook and turns matches into planned
 * actions. The actions that act on the engine itself (`set_fact`, `retract_fact`,
 * `post_event`, `shutdown`) are applied here, because they decide what fires next; every other
 * action is only planned (rendered) and left to the caller: the dry-run reports it, the live
 * engine dispatches it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import { explainExpr } from '../condition/index.js';
import type { Rulebook, Ruleset } from '../rulebook/index.js';
import { planActions, type PlannedAction } from './action-plan.js';
import { compileRuleset, type CompiledRule } from './compile-ruleset.js';
import type { RuleMatch } from './match.js';
import { RulesetSession, type DecisionKind, type SessionResult } from './ruleset-session.js';

type Data = Readonly<Record<string, unknown>>;

/** Actions applied by the evaluator itself. */
export const ENGINE_ACTIONS: ReadonlySet<string> = new Set(['set_fact', 'retract_fact', 'post_event', 'shutdown']);

export interface RulebookEvaluatorOptions {
  readonly clock: Clock;
  /** `--vars` / `--env-vars` values: template variables at top level. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** Ids for the `meta.uuid` of facts and events the engine creates. */
  readonly newId?: () => string;
  /**
   * Hand `post_event`/`set_fact`/`retract_fact` aimed at ANOTHER ruleset to the caller
   * (`takeCrossRuleset`) instead of applying them here. The live engine sends them through the
   * target ruleset's queue, so each ruleset's memory changes in one place at a time even when
   * several processes own different rulesets. Default false (the dry-run applies them at once).
   */
  readonly deferCrossRuleset?: boolean;
}

/** An engine action for another ruleset, to deliver through that ruleset's queue. */
export interface CrossRulesetWork {
  readonly kind: 'event' | 'fact' | 'retract';
  readonly ruleset: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** For `retract`. */
  readonly partial?: boolean;
  /** The ruleset and rule that caused it. */
  readonly from: { readonly ruleset: string; readonly rule: string };
}

export interface FiredRule extends RuleMatch {
  readonly actions: readonly PlannedAction[];
}

/** Why a rule did not fire for an event. */
export interface RuleDecision {
  readonly ruleset: string;
  readonly rule: string;
  readonly reason: string;
}

export interface ShutdownRequest {
  readonly ruleset: string;
  readonly rule: string;
  readonly kind: string;
  readonly message: string;
  readonly delay?: number;
}

/** A rule that matched without firing (throttled, accumulating…), or waiting state that expired. */
export interface HeldDecision extends RuleDecision {
  readonly kind: DecisionKind;
}

export interface EventReport {
  readonly event: Data;
  /** Rules fired, in the order their actions run (including rules fired by post_event/set_fact). */
  readonly fired: readonly FiredRule[];
  /** Rules that matched but were held back, and state that expired meanwhile. */
  readonly held: readonly HeldDecision[];
  /** Rules of the rulesets the event reached that did not fire on it, with the reason. */
  readonly notFired: readonly RuleDecision[];
  readonly shutdown?: ShutdownRequest;
}

/** What moving time forward did: timer-driven firings (`once_after`, `not_all`) and expiries. */
export interface TimeReport {
  readonly at: number;
  readonly fired: readonly FiredRule[];
  readonly held: readonly HeldDecision[];
  readonly shutdown?: ShutdownRequest;
}

export interface ProcessEventOptions {
  /** Rulesets the event goes to (default: every ruleset, as if each ruleset's source sent it). */
  readonly rulesets?: readonly string[];
  /** Compute `notFired` reasons (costs one explanation per rule). Default true. */
  readonly explain?: boolean;
}

export class RulebookEvaluator {
  private readonly sessions = new Map<string, RulesetSession>();
  private readonly vars: Readonly<Record<string, unknown>>;
  private readonly clock: Clock;
  private readonly newId: () => string;
  private stopped: ShutdownRequest | undefined;
  private crossRuleset: CrossRulesetWork[] = [];
  private readonly allRulesets: readonly string[];

  constructor(
    readonly rulebook: Rulebook,
    private readonly options: RulebookEvaluatorOptions,
  ) {
    this.clock = options.clock;
    this.vars = options.vars ?? {};
    this.newId = options.newId ?? randomUUID;
    this.allRulesets = rulebook.rulesets.map((r) => r.name);
    for (const ruleset of rulebook.rulesets) {
      this.sessions.set(ruleset.name, new RulesetSession(compileRuleset(ruleset), { clock: this.clock }));
    }
  }

  /** Engine actions for other rulesets collected since the last call (`deferCrossRuleset`). */
  takeCrossRuleset(): CrossRulesetWork[] {
    const work = this.crossRuleset;
    this.crossRuleset = [];
    return work;
  }

  /** Set once a `shutdown` action ran; the caller stops feeding events. */
  get shutdownRequested(): ShutdownRequest | undefined {
    return this.stopped;
  }

  session(name: string): RulesetSession | undefined {
    return this.sessions.get(name);
  }

  processEvent(event: Data, options: ProcessEventOptions = {}): EventReport {
    const targets = options.rulesets ?? this.allRulesets;
    const explain = options.explain !== false;
    const queue: RuleMatch[] = [];
    const held: HeldDecision[] = [];
    const direct = new Map<string, readonly RuleMatch[]>();
    const retained = new Map<string, boolean>();
    for (const name of targets) {
      const session = this.sessions.get(name);
      if (session === undefined) continue;
      const result = session.processEvent(event);
      if (explain) {
        direct.set(name, result.matches);
        retained.set(name, result.retained);
      }
      for (const m of result.matches) queue.push(m);
      for (const d of result.decisions) held.push({ ruleset: name, rule: d.rule, kind: d.kind, reason: d.reason });
    }
    const fired = queue.length === 0 ? [] : this.runPlan(queue, held);
    let notFired: RuleDecision[] = [];
    if (explain) {
      const heldRules = new Set(held.map((d) => `${d.ruleset}\u0000${d.rule}`));
      notFired = this.explainNotFired(event, targets, direct, retained).filter((d) => !heldRules.has(`${d.ruleset}\u0000${d.rule}`));
    }
    return this.stopped === undefined ? { event, fired, held, notFired } : { event, fired, held, notFired, shutdown: this.stopped };
  }

  /** Runs timers due at the clock's current time in every ruleset (virtual or real time). */
  advanceTime(): TimeReport {
    const queue: RuleMatch[] = [];
    const held: HeldDecision[] = [];
    for (const [name, session] of this.sessions) {
      const result = session.advanceTime();
      queue.push(...result.matches);
      for (const d of result.decisions) held.push({ ruleset: name, rule: d.rule, kind: d.kind, reason: d.reason });
    }
    queue.sort((a, b) => a.at - b.at);
    const fired = this.runPlan(queue, held);
    const at = this.clock.now();
    return this.stopped === undefined ? { at, fired, held } : { at, fired, held, shutdown: this.stopped };
  }

  /** The earliest time a timer is due in any ruleset, or undefined. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const session of this.sessions.values()) {
      const at = session.nextTimerAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Asserts a fact into a ruleset (like `set_fact`), running what it fires. */
  assertFact(fact: Data, ruleset: string): readonly FiredRule[] {
    const session = this.requireSession(ruleset);
    return this.runPlan([...session.assertFact(fact).matches], []);
  }

  /** Retracts facts from a ruleset (like `retract_fact`), running what it fires. */
  retractFact(fact: Data, ruleset: string, partial: boolean): readonly FiredRule[] {
    const session = this.requireSession(ruleset);
    return this.runPlan([...session.retractFact(fact, partial).matches], []);
  }

  /**
   * Runs plan items in order. Engine actions are applied at once; the matches they cause are
   * queued after the items already planned, as upstream does (example 98).
   */
  private runPlan(queue: RuleMatch[], held: HeldDecision[]): FiredRule[] {
    const fired: FiredRule[] = [];
    for (let i = 0; i < queue.length; i += 1) {
      const match = queue[i] as RuleMatch;
      const session = this.requireSession(match.ruleset);
      const compiled = session.compiled.rules[match.ruleIndex] as CompiledRule;
      const actions = planActions(match, compiled.rule, session.compiled.ruleset, this.vars);
      fired.push({ ...match, actions });
      for (const action of actions) {
        if (action.args === undefined || !ENGINE_ACTIONS.has(action.action)) continue;
        queue.push(...this.applyEngineAction(action.action, action.args, match, held));
      }
    }
    return fired;
  }

  private applyEngineAction(name: string, args: Readonly<Record<string, unknown>>, match: RuleMatch, held: HeldDecision[]): RuleMatch[] {
    const target = typeof args.ruleset === 'string' ? args.ruleset : match.ruleset;
    if (this.options.deferCrossRuleset === true && target !== match.ruleset && (name === 'set_fact' || name === 'post_event' || name === 'retract_fact')) {
      this.requireSession(target); // an unknown ruleset fails here, as when applied
      const from = { ruleset: match.ruleset, rule: match.rule };
      if (name === 'set_fact') this.crossRuleset.push({ kind: 'fact', ruleset: target, data: this.withInternalMeta(asObject(args.fact), 'set_fact'), from });
      else if (name === 'post_event') this.crossRuleset.push({ kind: 'event', ruleset: target, data: this.withInternalMeta(asObject(args.event), 'post_event'), from });
      else this.crossRuleset.push({ kind: 'retract', ruleset: target, data: asObject(args.fact), partial: args.partial === undefined ? true : args.partial === true, from });
      return [];
    }
    const collect = (result: SessionResult): RuleMatch[] => {
      for (const d of result.decisions) held.push({ ruleset: target, rule: d.rule, kind: d.kind, reason: d.reason });
      return [...result.matches];
    };
    switch (name) {
      case 'set_fact':
        return collect(this.requireSession(target).assertFact(this.withInternalMeta(asObject(args.fact), 'set_fact')));
      case 'post_event':
        return collect(this.requireSession(target).processEvent(this.withInternalMeta(asObject(args.event), 'post_event')));
      case 'retract_fact': {
        const partial = args.partial === undefined ? true : args.partial === true;
        return collect(this.requireSession(target).retractFact(asObject(args.fact), partial));
      }
      case 'shutdown': {
        if (this.stopped === undefined) {
          this.stopped = {
            ruleset: match.ruleset,
            rule: match.rule,
            kind: typeof args.kind === 'string' ? args.kind : 'graceful',
            message: typeof args.message === 'string' ? args.message : 'Default shutdown message',
            ...(typeof args.delay === 'number' ? { delay: args.delay } : {}),
          };
        }
        return [];
      }
      default:
        return [];
    }
  }

  /** Adds the `meta` upstream gives engine-made events and facts (source type `internal`). */
  private withInternalMeta(data: Data, source: string): Data {
    const given = data.meta;
    const meta = typeof given === 'object' && given !== null && !Array.isArray(given) ? (given as Data) : {};
    return {
      ...data,
      meta: {
        source: { name: source, type: 'internal' },
        received_at: new Date(this.clock.now()).toISOString(),
        uuid: this.newId(),
        ...meta,
      },
    };
  }

  private requireSession(name: string): RulesetSession {
    const session = this.sessions.get(name);
    if (session === undefined) throw new Error(`no ruleset named "${name}"`);
    return session;
  }

  private explainNotFired(
    event: Data,
    targets: readonly string[],
    direct: ReadonlyMap<string, readonly RuleMatch[]>,
    retained: ReadonlyMap<string, boolean>,
  ): RuleDecision[] {
    const decisions: RuleDecision[] = [];
    for (const name of targets) {
      const session = this.sessions.get(name);
      if (session === undefined) continue;
      const matches = direct.get(name) ?? [];
      const firedRules = new Set(matches.map((m) => m.ruleIndex));
      const winner = matches[0];
      for (const rule of session.compiled.rules) {
        if (firedRules.has(rule.index)) continue;
        decisions.push({
          ruleset: name,
          rule: rule.rule.name,
          reason: explainRule(rule, event, session.compiled.ruleset, winner, retained.get(name) === true),
        });
      }
    }
    return decisions;
  }
}

/** One sentence on why `rule` did not fire for `event`. */
function explainRule(rule: CompiledRule, event: Data, ruleset: Ruleset, winner: RuleMatch | undefined, retained: boolean): string {
  if (rule.notExistsPath !== undefined) {
    return `fires only when no event or fact in memory has ${rule.rule.condition.patterns[0]?.text.replace(/\s+is\s+not\s+defined\s*$/, '') ?? 'the attribute'}`;
  }
  const { condition } = rule.rule;
  const boundNames = new Set(rule.patterns.map((p) => p.binding));
  if (rule.patterns.length === 1 && condition.kind !== 'not_all') {
    const pattern = rule.patterns[0] as CompiledRule['patterns'][number];
    const result = explainExpr(pattern.expr, event, {}, { boundNames });
    if (!result.matched) return clauseReason(condition.patterns[0]?.text ?? '', result.failed);
    if (winner !== undefined && !ruleset.matchMultipleRules) {
      return `condition is true, but rule "${winner.rule}" came first and consumed the event (match_multiple_rules is false)`;
    }
    return 'condition is true, but the match was not kept';
  }
  if (condition.kind === 'not_all') return 'not_all fires only when its timeout passes without all conditions matching';
  const satisfied = rule.patterns.filter((p) => p.alpha(event, {})).map((p) => p.binding);
  if (satisfied.length > 0) {
    const missing = condition.patterns.filter((p) => !satisfied.includes(p.binding)).map((p) => `${p.binding}: ${p.text}`);
    const where = retained ? 'kept in memory, waiting for' : 'other conditions still need';
    return `matches ${satisfied.join(', ')}; ${where} ${missing.length > 0 ? missing.join('; ') : 'a different event for the other conditions'}`;
  }
  const first = rule.patterns[0];
  const firstText = condition.patterns[0]?.text ?? '';
  if (first === undefined) return 'rule has no condition';
  const result = explainExpr(first.expr, event, {}, { boundNames });
  return `matches none of its ${condition.kind} conditions; ${first.binding}: ${clauseReason(firstText, result.failed)}`;
}

function clauseReason(text: string, failed: { readonly span: { start: number; end: number }; readonly reason: string } | undefined): string {
  // The reason names the field and what was expected, which says more than the clause text.
  return failed === undefined ? `condition "${text}" is false` : failed.reason;
}

function asObject(value: unknown): Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : {};
}
