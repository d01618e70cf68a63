/**
 * @module Reading a separator-delimited path (`labels.instance`) out of JSON data, the way
 * upstream's `dpath.get` does for the plain paths rulebooks use: leading separators are
 * ignored, a list is indexed by a decimal segment (negative counts from the end, as Python).
 * Glob segments (`*`, `?`, `[...]`) are not supported: a segment matches a key exactly.
 */
import { isPlainObject } from './json-value.js';

/** Marks "no value at that path" (distinct from a present `null`). */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

/** Splits a path as dpath does: separators at the start are dropped, the rest split. */
export function splitPath(path: string, separator = '.'): readonly string[] {
  if (separator === '') return [path];
  let start = 0;
  while (path.startsWith(separator, start)) start += separator.length;
  return path.slice(start).split(separator);
}

/**
 * The value at `path` inside `root`, or MISSING. Only own properties are read (never the
 * prototype chain), so `constructor` or `__proto__` in a path cannot reach engine internals.
 */
export function getPath(root: unknown, path: string | readonly string[], separator = '.'): unknown {
  const segments = typeof path === 'string' ? splitPath(path, separator) : path;
  let cur: unknown = root;
  for (const seg of segments) {
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(seg)) return MISSING;
      const n = Number(seg);
      const i = n < 0 ? cur.length + n : n;
      if (i < 0 || i >= cur.length) return MISSING;
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return MISSING;
      cur = cur[seg];
    } else {
      return MISSING;
    }
  }
  return cur;
}
