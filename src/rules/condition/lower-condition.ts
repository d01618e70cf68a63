/**
 * @module Lowers a condition AST to negation-normal form, the one place that decides what `not`
 * means. compile, explain and index-keys all work on this form, so they agree by construction.
 *
 * Upstream (drools-ansible-rulebook-integration `AstCondition.negate`) never evaluates `not` as
 * "the opposite of the inner result": it pushes the negation down to the single constraints.
 * - `not (A and B)` ≡ `not A or not B`, `not (A or B)` ≡ `not A and not B`, `not not A` ≡ `A`.
 * - A comparison flips its operator: `not x > 50` ≡ `x <= 50`, `not x == 1` ≡ `x != 1`. Both
 *   keep the rules "missing attribute ⇒ false" and "incompatible types ⇒ false", so
 *   `not event.i > 50` is false when `i` is missing, when `i` is null and when it is a string.
 * - A bare field `event.flag` is `event.flag == true`; `not event.flag` is `event.flag != true`
 *   (true for false and null; false for a missing field or a string).
 * - `in` ↔ `not in`, `contains` ↔ `not contains` (still false when either side is missing).
 * - `is defined` ↔ `is not defined` (the only test that is true for a missing field).
 * - `search`/`match`/`regex`, `select` and `selectattr` keep their own polarity (`is` vs
 *   `is not`) and get an extra outer negation ("inverted"): the constraint is evaluated and its
 *   result inverted, except that a missing field still makes it false. So
 *   `not (x is search("a"))` is true for a present `x` that is null or does not contain "a",
 *   while `x is not search("a")` is false for null; and `not (xs is select(">", 5))` means "no
 *   item > 5" whereas `xs is not select(">", 5)` means "not every item > 5".
 * - A literal used as a condition is `literal == true`: `true` matches everything, `false`,
 *   strings and null nothing; `not false` and `not null` match everything.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { ComparisonOp } from './compare-values.js';
import type { Expr, FieldRef, SearchKind, SelectAttrOp, SelectOp, Span } from './ast.js';

export type MembershipOp = 'in' | 'not in' | 'contains' | 'not contains';

export type CondNode =
  | { readonly t: 'const'; readonly value: boolean; readonly span: Span }
  | { readonly t: 'and' | 'or'; readonly items: readonly CondNode[]; readonly span: Span }
  | {
      readonly t: 'cmp';
      readonly op: ComparisonOp;
      readonly left: Expr;
      readonly right: Expr;
      /** Written as a bare field (`event.flag`), i.e. an implicit `== true`. */
      readonly implicit: boolean;
      readonly span: Span;
    }
  | { readonly t: 'member'; readonly op: MembershipOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly t: 'defined'; readonly field: FieldRef; readonly negated: boolean; readonly span: Span }
  | {
      readonly t: 'search';
      readonly kind: SearchKind;
      readonly operand: Expr;
      readonly pattern: Expr;
      readonly ignorecase: boolean;
      readonly multiline: boolean;
      readonly negated: boolean;
      readonly inverted: boolean;
      readonly span: Span;
    }
  | {
      readonly t: 'select';
      readonly op: SelectOp;
      readonly operand: Expr;
      readonly value: Expr;
      readonly negated: boolean;
      readonly inverted: boolean;
      readonly span: Span;
    }
  | {
      readonly t: 'selectattr';
      readonly key: readonly string[];
      readonly op: SelectAttrOp;
      readonly operand: Expr;
      readonly value: Expr;
      readonly negated: boolean;
      readonly inverted: boolean;
      readonly span: Span;
    };

const NEGATED_COMPARISON: Readonly<Record<ComparisonOp, ComparisonOp>> = {
  '==': '!=',
  '!=': '==',
  '<': '>=',
  '>=': '<',
  '>': '<=',
  '<=': '>',
};

const NEGATED_MEMBERSHIP: Readonly<Record<MembershipOp, MembershipOp>> = {
  in: 'not in',
  'not in': 'in',
  contains: 'not contains',
  'not contains': 'contains',
};

const TRUE_LITERAL_SPAN: Span = { start: 0, end: 0 };

function notACondition(e: Expr): never {
  throw new AutohealError(ErrorCode.ConditionSyntax, `expected a condition, found ${e.kind} at column ${e.span.start + 1}`, {
    details: { offset: e.span.start, expected: 'a condition', found: e.kind },
  });
}

/**
 * Lowers `expr` (used as a condition) to negation-normal form; `negate` lowers `not expr`.
 * `spanOverride` is the span reported for the produced node (the `not` that was pushed down).
 * @throws AutohealError `AH_CONDITION_SYNTAX` when a value (number, list, arithmetic) is used as a condition.
 */
export function lowerCondition(expr: Expr, negate = false, spanOverride?: Span): CondNode {
  const sp = spanOverride ?? expr.span;
  switch (expr.kind) {
    case 'not':
      return lowerCondition(expr.operand, !negate, sp);
    case 'field':
      return {
        t: 'cmp',
        op: negate ? '!=' : '==',
        left: expr,
        right: { kind: 'literal', value: true, span: TRUE_LITERAL_SPAN },
        implicit: true,
        span: sp,
      };
    case 'literal': {
      const v = expr.value;
      // `v == true` with upstream typing: only true equals true; null is comparable (so
      // `not null` holds); strings and numbers are incompatible, false either way.
      const matches = v === true ? !negate : v === false || v === null ? negate : false;
      return { t: 'const', value: matches, span: sp };
    }
    case 'list':
      return notACondition(expr);
    case 'defined':
      return { t: 'defined', field: expr.operand, negated: expr.negated !== negate, span: sp };
    case 'search':
      return {
        t: 'search',
        kind: expr.searchKind,
        operand: expr.operand,
        pattern: expr.pattern,
        ignorecase: expr.ignorecase,
        multiline: expr.multiline,
        negated: expr.negated,
        inverted: negate,
        span: sp,
      };
    case 'select':
      return { t: 'select', op: expr.op, operand: expr.operand, value: expr.value, negated: expr.negated, inverted: negate, span: sp };
    case 'selectattr':
      return {
        t: 'selectattr',
        key: expr.key,
        op: expr.op,
        operand: expr.operand,
        value: expr.value,
        negated: expr.negated,
        inverted: negate,
        span: sp,
      };
    case 'binary':
      switch (expr.op) {
        case 'and':
        case 'or': {
          const isAnd = (expr.op === 'and') !== negate;
          const t = isAnd ? 'and' : 'or';
          const items: CondNode[] = [];
          for (const side of [expr.left, expr.right]) {
            const lowered = lowerCondition(side, negate, negate ? side.span : undefined);
            if (lowered.t === t) items.push(...lowered.items);
            else items.push(lowered);
          }
          return { t, items, span: sp };
        }
        case '==':
        case '!=':
        case '<':
        case '<=':
        case '>':
        case '>=':
          return { t: 'cmp', op: negate ? NEGATED_COMPARISON[expr.op] : expr.op, left: expr.left, right: expr.right, implicit: false, span: sp };
        case 'in':
        case 'not in':
        case 'contains':
        case 'not contains':
          return { t: 'member', op: negate ? NEGATED_MEMBERSHIP[expr.op] : expr.op, left: expr.left, right: expr.right, span: sp };
        case '+':
        case '-':
          return notACondition(expr);
      }
  }
}
