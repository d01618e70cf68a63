/**
 * @module The condition language's syntax tree: what `parseCondition` produces and
 * `compileCondition` consumes. Shapes follow ansible-rulebook's JSON AST
 * (shared/spec/rulebook-language.md §2.1) with offsets into the condition text kept on every
 * node, so errors and dry-run explanations can point inside the condition string.
 */

/** Offsets into the condition text: `start` inclusive, `end` exclusive, 0-based. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Runtime values a condition sees: JSON, except that integers outside ±2^53 are `bigint` so
 * that they compare exactly (upstream's own tests use 65-digit integers).
 */
export type Value = null | boolean | number | bigint | string | readonly Value[] | { readonly [key: string]: Value };

/** `event.a.b` and `fact.a.b` test the object being matched; `events.X.a` / `facts.X.a` name a bound pattern. */
export const FieldRoot = { Event: 'event', Fact: 'fact', Events: 'events', Facts: 'facts' } as const;
export type FieldRoot = (typeof FieldRoot)[keyof typeof FieldRoot];

/** One step of a path: an object key, or a (possibly negative) list index. */
export type PathSegment = string | number;

export interface FieldRef {
  readonly kind: 'field';
  readonly root: FieldRoot;
  /** Steps after the root. For `events.m_0.x` this is `['m_0', 'x']`. Never empty. */
  readonly path: readonly PathSegment[];
  readonly span: Span;
}

export interface Literal {
  readonly kind: 'literal';
  readonly value: null | boolean | number | bigint | string;
  readonly span: Span;
}

export interface ListLiteral {
  readonly kind: 'list';
  readonly items: readonly Expr[];
  readonly span: Span;
}

export const BinaryOp = {
  Eq: '==',
  Ne: '!=',
  Lt: '<',
  Le: '<=',
  Gt: '>',
  Ge: '>=',
  Add: '+',
  Sub: '-',
  And: 'and',
  Or: 'or',
  In: 'in',
  NotIn: 'not in',
  Contains: 'contains',
  NotContains: 'not contains',
} as const;
export type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp];

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface Not {
  readonly kind: 'not';
  readonly operand: Expr;
  readonly span: Span;
}

export interface IsDefined {
  readonly kind: 'defined';
  /** `is not defined` */
  readonly negated: boolean;
  readonly operand: FieldRef;
  readonly span: Span;
}

export const SearchKind = { Match: 'match', Search: 'search', Regex: 'regex' } as const;
export type SearchKind = (typeof SearchKind)[keyof typeof SearchKind];

export interface SearchTest {
  readonly kind: 'search';
  readonly negated: boolean;
  readonly operand: Expr;
  readonly searchKind: SearchKind;
  /** A string literal or a field reference (`is search(events.m_0.name)`). */
  readonly pattern: Expr;
  readonly ignorecase: boolean;
  readonly multiline: boolean;
  readonly span: Span;
}

/** Operators allowed inside `select(OP, value)`. */
export type SelectOp = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'regex' | 'search' | 'match';
/** Operators allowed inside `selectattr(key, OP, value)`. */
export type SelectAttrOp = SelectOp | 'in' | 'not in' | 'contains' | 'not contains';

export interface SelectTest {
  readonly kind: 'select';
  readonly negated: boolean;
  readonly operand: Expr;
  readonly op: SelectOp;
  readonly value: Expr;
  readonly span: Span;
}

export interface SelectAttrTest {
  readonly kind: 'selectattr';
  readonly negated: boolean;
  readonly operand: Expr;
  /** Dotted path inside each list item, split on `.`. */
  readonly key: readonly string[];
  readonly op: SelectAttrOp;
  readonly value: Expr;
  readonly span: Span;
}

export type Expr =
  | FieldRef
  | Literal
  | ListLiteral
  | Binary
  | Not
  | IsDefined
  | SearchTest
  | SelectTest
  | SelectAttrTest;

/** A whole condition string: an optional `events.NAME <<` alias and its expression. */
export interface ParsedCondition {
  readonly text: string;
  /** The binding name given with `events.NAME << …` or `facts.NAME << …`. */
  readonly alias?: string;
  readonly expr: Expr;
}
