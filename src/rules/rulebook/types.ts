/**
 * @module The validated, defaulted rulebook: what the loader produces from YAML and every
 * other part consumes. Readonly throughout: nothing past the loader re-checks shapes.
 * Semantics: shared/spec/rulebook-language.md §1.
 */
import type { SourcePosition } from '../../core/index.js';
import type { Expr, FieldRef } from '../condition/ast.js';

export interface Rulebook {
  /** The path the rulebook was loaded from, as given. */
  readonly file: string;
  readonly rulesets: readonly Ruleset[];
}

export const ExecutionStrategy = { Sequential: 'sequential', Parallel: 'parallel' } as const;
export type ExecutionStrategy = (typeof ExecutionStrategy)[keyof typeof ExecutionStrategy];

export interface Ruleset {
  readonly name: string;
  readonly hosts: string;
  readonly sources: readonly SourceSpec[];
  /** Enabled rules only, in declaration order (disabled rules are dropped at load, as upstream). */
  readonly rules: readonly Rule[];
  /** How many rules had `enabled: false`. */
  readonly disabledRuleCount: number;
  readonly gatherFacts: boolean;
  /** How long partial matches live; upstream's default is 2 hours. */
  readonly defaultEventsTtlMs: number;
  readonly executionStrategy: ExecutionStrategy;
  readonly matchMultipleRules: boolean;
  readonly position: SourcePosition;
}

export interface SourceSpec {
  /** `name:` of the entry, or the plugin name when absent (becomes `meta.source.name`). */
  readonly name: string;
  /** The plugin as written (`ansible.eda.alertmanager`, `range`, `autoheal.gitlab`). */
  readonly plugin: string;
  /** The registry name `plugin` resolves to (`range` → `eda.builtin.range`); see source-plugins.ts. */
  readonly canonicalPlugin: string;
  readonly args: Readonly<Record<string, unknown>>;
  /**
   * Dotted paths of the arguments rendered from templates when the source started
   * (`token`, `basic_auth.password`): their values came from variables, not the rulebook.
   */
  readonly renderedArgs?: readonly string[];
  readonly filters: readonly FilterSpec[];
  readonly position: SourcePosition;
}

export interface FilterSpec {
  /** The filter as written (`ansible.eda.json_filter`). */
  readonly name: string;
  /** The registry name `name` resolves to (`eda.builtin.json_filter`); see source-plugins.ts. */
  readonly canonicalName: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly position: SourcePosition;
}

export const ConditionKind = { All: 'all', Any: 'any', NotAll: 'not_all' } as const;
export type ConditionKind = (typeof ConditionKind)[keyof typeof ConditionKind];

/** One entry of a rule's condition: an expression one event or fact must satisfy. */
export interface Pattern {
  /** `m` for a single condition, `m_0..m_n` by position, or the `<<` alias. */
  readonly binding: string;
  readonly expr: Expr;
  /** The condition text as written (after YAML unquoting). */
  readonly text: string;
  readonly position: SourcePosition;
}

export interface RuleCondition {
  /** A plain string or boolean condition is `all` with one pattern, as upstream. */
  readonly kind: ConditionKind;
  readonly patterns: readonly Pattern[];
  readonly timeoutMs?: number;
  /** True when written as a plain string/boolean rather than an `all:`/`any:`/`not_all:` map. */
  readonly single: boolean;
}

export const ThrottleKind = {
  OnceWithin: 'once_within',
  OnceAfter: 'once_after',
  AccumulateWithin: 'accumulate_within',
} as const;
export type ThrottleKind = (typeof ThrottleKind)[keyof typeof ThrottleKind];

export interface Throttle {
  readonly kind: ThrottleKind;
  readonly windowMs: number;
  /** The window as written (`5 minutes`), for output. */
  readonly windowText: string;
  /** Only for `accumulate_within`. */
  readonly threshold?: number;
  /** `group_by_attributes`, parsed as field references. */
  readonly groupBy: readonly FieldRef[];
  readonly groupByText: readonly string[];
}

export interface ActionSpec {
  /** Canonical action name (`run_playbook`, `debug`, …). */
  readonly name: string;
  /** Arguments as written; strings holding `{{ }}` are rendered per match, not at load. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly position: SourcePosition;
}

export interface Rule {
  readonly name: string;
  readonly condition: RuleCondition;
  readonly throttle?: Throttle;
  readonly actions: readonly ActionSpec[];
  readonly position: SourcePosition;
}
