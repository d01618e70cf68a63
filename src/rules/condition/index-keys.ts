/**
 * @module The equality tests a condition cannot be true without, for the evaluator's alpha
 * index (Rete): a rule requiring `event.kind == "alert"` only needs to be tried on events whose
 * `kind` is `"alert"`.
 */
import type { Expr, PathSegment } from './ast.js';
import { lowerCondition, type CondNode } from './lower-condition.js';

/** A necessary `path == value` test; `path` is read from the matched object. */
export interface EqualityKey {
  readonly path: readonly PathSegment[];
  readonly value: string | number | boolean | null;
}

function keyValue(v: unknown): EqualityKey['value'] | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  // Integral numbers beyond 2^53 may equal a bigint field: a hash lookup would miss them.
  if (typeof v === 'number' && (Number.isSafeInteger(v) || !Number.isInteger(v))) return v;
  return undefined;
}

function collect(node: CondNode, boundNames: ReadonlySet<string>, out: EqualityKey[]): void {
  if (node.t === 'and') {
    for (const item of node.items) collect(item, boundNames, out);
    return;
  }
  if (node.t !== 'cmp' || node.op !== '==') return;
  const [field, lit] = node.left.kind === 'field' ? [node.left, node.right] : [node.right, node.left];
  if (field.kind !== 'field' || lit.kind !== 'literal') return;
  const head = field.path[0];
  if ((field.root === 'events' || field.root === 'facts') && typeof head === 'string' && boundNames.has(head)) return;
  const value = keyValue(lit.value);
  if (value === undefined) return;
  out.push({ path: field.path, value });
}

/**
 * The `field == literal` tests (either side order, bare `event.flag` counting as `== true`)
 * that must hold for `expr` to be true: those reachable from the top through `and` only, after
 * `not` has been pushed down (so `not (event.x != 1)` yields `x == 1`). Fields of bound
 * patterns (`events.m_0.x` with m_0 in `boundNames`) are skipped.
 *
 * A key matches an object exactly when `indexKeyOf(valueAtPath) === key.value` (SameValueZero,
 * as in a `Map`): numbers as they are (3 and 3.0 are the same JS number), strings, booleans and
 * null; never objects, lists or missing values. Keys never hold integers beyond 2^53, so a
 * bigint field can only match when it is within the safe range.
 */
export function equalityKeys(expr: Expr, boundNames: ReadonlySet<string> = new Set()): ReadonlyArray<EqualityKey> {
  const out: EqualityKey[] = [];
  collect(lowerCondition(expr), boundNames, out);
  return out;
}

/**
 * The hash key under which an object's value must be looked up so that it finds exactly the
 * keys of {@link equalityKeys} it satisfies; undefined when no key can match (missing value,
 * list, object, or an integer beyond 2^53).
 */
export function indexKeyOf(value: unknown): EqualityKey['value'] | undefined {
  if (typeof value === 'bigint') {
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : undefined;
  }
  return keyValue(value);
}
