/**
 * @module `dashes_to_underscores` (rulebook-language.md §1.2): renames keys containing `-` to
 * use `_`, at every depth including inside lists. When the new name is taken, the renamed
 * value replaces it only with `overwrite` (default true); without it the dashed key is dropped
 * all the same, exactly as upstream (which deletes before it checks).
 */
import { cloneJson, isPlainObject, setOwn, type JsonObject } from '../json-value.js';

export interface DashesToUnderscoresOptions {
  /** Default true. */
  readonly overwrite?: boolean;
}

const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/** A copy of `event` with dashes in keys replaced by underscores. */
export function dashesToUnderscores(event: JsonObject, options: DashesToUnderscoresOptions = {}): JsonObject {
  const overwrite = options.overwrite ?? true;
  // Upstream's algorithm mutates as it goes (a later key sees an earlier rename), so it is
  // replayed step by step on a private copy.
  const copy = cloneJson(event) as Record<string, unknown>;
  const queue: unknown[] = [copy];
  while (queue.length > 0) {
    const obj = queue.pop();
    if (Array.isArray(obj)) {
      queue.push(...(obj as unknown[]));
    } else if (isPlainObject(obj)) {
      for (const key of Object.keys(obj)) {
        if (!has(obj, key)) continue;
        const value = obj[key];
        queue.push(value);
        if (!key.includes('-')) continue;
        const newKey = key.replaceAll('-', '_');
        delete obj[key];
        if (!has(obj, newKey) || overwrite) setOwn(obj, newKey, value);
      }
    }
  }
  return copy as JsonObject;
}
