/**
 * @module Reading a path out of an event: the one place that decides what "present" means, so
 * the index, the joins and the throttle keys agree with the compiled conditions.
 */
import type { PathSegment } from '../condition/index.js';

/** Marks "no such attribute" (distinct from a present `null`). */
export const MISSING: unique symbol = Symbol('missing');

/**
 * The value at `path` inside `root`, or MISSING. Only own properties of plain objects and
 * array items are read (never prototypes); negative indexes count from the end, as upstream.
 */
export function readPath(root: unknown, path: readonly PathSegment[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return MISSING;
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number') return MISSING;
      const i = seg < 0 ? cur.length + seg : seg;
      if (i < 0 || i >= cur.length) return MISSING;
      cur = cur[i];
    } else {
      // A numeric step on a mapping is missing, exactly as in compiled conditions.
      if (typeof seg === 'number') return MISSING;
      const key = seg;
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return MISSING;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}

/**
 * A hash key for a scalar such that two values get the same key exactly when the condition
 * language's `==` calls them equal (numbers across int/float/bigint; `"5"` ≠ `5`); undefined for
 * missing values, lists and objects, which no literal equals. The condition compiler's own.
 */
export { indexKeyOf as equalityKey } from '../condition/index.js';
