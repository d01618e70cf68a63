/**
 * @module Turns a loaded ruleset into what the session evaluates: one compiled predicate per
 * pattern, the alpha index over single-pattern rules, and the facts about each rule the engine
 * model needs (which patterns join on earlier bindings, single-leaf `is not defined`).
 */
import { compileExpr, equalityKeys, type Expr, type PathSegment, type Predicate } from '../condition/index.js';
import type { Rule, Ruleset } from '../rulebook/index.js';
import { AlphaIndex } from './alpha-index.js';

export interface CompiledPattern {
  readonly binding: string;
  readonly expr: Expr;
  readonly predicate: Predicate;
  /** Bindings of other patterns this one reads (`events.m_0.host`); empty = alpha-only. */
  readonly joins: ReadonlySet<string>;
  /**
   * The part of the pattern that needs no other binding (its top-level `and` operands without
   * joins): necessary for a match, so it decides whether an event is worth keeping in memory.
   */
  readonly alpha: Predicate;
}

/**
 * A join equality of an `all` rule: the object at `pos` has at `path` the value the object at
 * `otherPos` has at `otherPath` (from `event.host == events.m_0.host` in pattern `pos`). The
 * session hashes memory on both sides, so finding partners is a lookup, not a scan.
 */
export interface JoinKey {
  readonly pos: number;
  readonly path: readonly PathSegment[];
  readonly otherPos: number;
  readonly otherPath: readonly PathSegment[];
}

export interface CompiledRule {
  readonly index: number;
  readonly rule: Rule;
  readonly patterns: readonly CompiledPattern[];
  /** Join equalities between patterns (`all` rules only). */
  readonly joinKeys: readonly JoinKey[];
  /**
   * Path tested by a rule whose whole condition is one `X is not defined` leaf: upstream turns
   * that into "no object in working memory has X" (shared/spec/rulebook-language.md §2.3).
   */
  readonly notExistsPath?: readonly PathSegment[];
}

export interface CompiledRuleset {
  readonly ruleset: Ruleset;
  readonly rules: readonly CompiledRule[];
  /** Alpha index over single-pattern rules (multi-pattern rules are checked every time). */
  readonly singleIndex: AlphaIndex;
  /** Indexes of rules with several patterns, ascending. */
  readonly multiRules: readonly number[];
}

export function compileRuleset(ruleset: Ruleset): CompiledRuleset {
  const singleIndex = new AlphaIndex();
  const multiRules: number[] = [];
  const rules = ruleset.rules.map((rule, index): CompiledRule => {
    const boundNames = new Set(rule.condition.patterns.map((p) => p.binding));
    const patterns = rule.condition.patterns.map((p): CompiledPattern => {
      const predicate = compileExpr(p.expr, { boundNames });
      const joins = referencedBindings(p.expr, boundNames, p.binding);
      return { binding: p.binding, expr: p.expr, predicate, joins, alpha: joins.size === 0 ? predicate : alphaPart(p.expr, boundNames, p.binding) };
    });
    const only = patterns.length === 1 ? patterns[0] : undefined;
    let notExistsPath: readonly PathSegment[] | undefined;
    if (only !== undefined && rule.condition.single && only.expr.kind === 'defined' && only.expr.negated) {
      const ref = only.expr.operand;
      // `events.x`/`facts.x` outside a join mean the matched object, like `event.x`.
      notExistsPath = ref.path;
    }
    if (only !== undefined && rule.condition.kind !== 'not_all') {
      if (notExistsPath === undefined) singleIndex.add(index, equalityKeys(only.expr, boundNames));
    } else {
      multiRules.push(index);
    }
    const joinKeys = rule.condition.kind === 'all' && patterns.length > 1 ? findJoinKeys(rule) : [];
    const compiled: CompiledRule = { index, rule, patterns, joinKeys };
    return notExistsPath === undefined ? compiled : { ...compiled, notExistsPath };
  });
  return { ruleset, rules, singleIndex, multiRules };
}

/** Names of other patterns' bindings that `expr` reads through `events.NAME…`/`facts.NAME…`. */
export function referencedBindings(expr: Expr, boundNames: ReadonlySet<string>, self: string): ReadonlySet<string> {
  const found = new Set<string>();
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'field': {
        const head = e.path[0];
        if ((e.root === 'events' || e.root === 'facts') && typeof head === 'string' && boundNames.has(head) && head !== self) {
          found.add(head);
        }
        return;
      }
      case 'literal':
        return;
      case 'list':
        e.items.forEach(visit);
        return;
      case 'binary':
        visit(e.left);
        visit(e.right);
        return;
      case 'not':
        visit(e.operand);
        return;
      case 'defined':
        visit(e.operand);
        return;
      case 'search':
        visit(e.operand);
        visit(e.pattern);
        return;
      case 'select':
      case 'selectattr':
        visit(e.operand);
        visit(e.value);
        return;
    }
  };
  visit(expr);
  return found;
}

const ALWAYS: Predicate = () => true;

/** Compiles the conjunction of the top-level `and` operands of `expr` that read no other binding. */
function alphaPart(expr: Expr, boundNames: ReadonlySet<string>, self: string): Predicate {
  const operands: Expr[] = [];
  const flatten = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'and') {
      flatten(e.left);
      flatten(e.right);
    } else {
      operands.push(e);
    }
  };
  flatten(expr);
  const local = operands
    .filter((e) => referencedBindings(e, boundNames, self).size === 0)
    .map((e) => compileExpr(e, { boundNames }));
  if (local.length === 0) return ALWAYS;
  return (obj, bindings) => local.every((p) => p(obj, bindings));
}

/** The top-level `field == events.OTHER.path` conjuncts of each pattern of an `all` rule. */
function findJoinKeys(rule: Rule): JoinKey[] {
  const patterns = rule.condition.patterns;
  const positionOf = new Map(patterns.map((p, i) => [p.binding, i]));
  const keys: JoinKey[] = [];
  patterns.forEach((pattern, pos) => {
    const operands: Expr[] = [];
    const flatten = (e: Expr): void => {
      if (e.kind === 'binary' && e.op === 'and') {
        flatten(e.left);
        flatten(e.right);
      } else operands.push(e);
    };
    flatten(pattern.expr);
    for (const e of operands) {
      if (e.kind !== 'binary' || e.op !== '==' || e.left.kind !== 'field' || e.right.kind !== 'field') continue;
      const sides = [e.left, e.right] as const;
      const other = (f: (typeof sides)[number]): number | undefined => {
        const head = f.path[0];
        if ((f.root !== 'events' && f.root !== 'facts') || typeof head !== 'string') return undefined;
        const at = positionOf.get(head);
        return at === undefined || at === pos ? undefined : at;
      };
      const [a, b] = sides;
      const otherA = other(a);
      const otherB = other(b);
      if (otherA === undefined && otherB !== undefined) keys.push({ pos, path: a.path, otherPos: otherB, otherPath: b.path.slice(1) });
      else if (otherB === undefined && otherA !== undefined) keys.push({ pos, path: b.path, otherPos: otherA, otherPath: a.path.slice(1) });
    }
  });
  return keys;
}
