/**
 * @module What the evaluator reports: rule matches (fired), and the decisions that explain why
 * a rule did not fire, so the dry-run and the outcome history can answer "why didn't my rule fire?".
 */

/** An object in a ruleset's working memory: an event (consumable) or a fact (persistent). */
export const MemoryKind = { Event: 'event', Fact: 'fact' } as const;
export type MemoryKind = (typeof MemoryKind)[keyof typeof MemoryKind];

export interface MemoryObject {
  /** Unique within the session; never reused. */
  readonly id: number;
  readonly kind: MemoryKind;
  readonly data: Readonly<Record<string, unknown>>;
  /** When it entered working memory (clock ms). */
  readonly insertedAt: number;
  /** When an unconsumed event leaves memory (default_events_ttl / rule timeout); facts: Infinity. */
  readonly expiresAt: number;
}

/** How a match came about. */
export const MatchTrigger = {
  Event: 'event',
  Fact: 'fact',
  Retract: 'retract',
  Timer: 'timer',
} as const;
export type MatchTrigger = (typeof MatchTrigger)[keyof typeof MatchTrigger];

export interface RuleMatch {
  readonly ruleset: string;
  readonly rule: string;
  /** Position of the rule in its ruleset (declaration order). */
  readonly ruleIndex: number;
  /**
   * Binding name → matched object, in pattern order: `{m: …}` for a single condition,
   * `{m_0: …, m_1: …}` or aliases for multi-condition rules. `{}` is possible for a single-leaf
   * `is not defined` rule (upstream: a match with no event).
   */
  readonly bindings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly trigger: MatchTrigger;
  /** When the match was made (clock ms). */
  readonly at: number;
}

/** True when the action context gets `event` (one binding named `m`) rather than `events`. */
export function isSingleEventMatch(match: Pick<RuleMatch, 'bindings'>): boolean {
  const keys = Object.keys(match.bindings);
  return keys.length === 1 && keys[0] === 'm';
}
