/**
 * @module `json_filter` (rulebook-language.md §1.2): walks every object at every depth; a key
 * matching `include_keys` (exactly or as an fnmatch pattern) is kept and descended into; else a
 * key matching `exclude_keys` is removed; else it is kept. Patterns match key names, not
 * paths. As upstream, objects inside lists are not visited.
 */
import { isPlainObject, setOwn, type JsonObject, type JsonValue } from '../json-value.js';
import { fnmatch } from './fnmatch.js';

export interface JsonFilterOptions {
  readonly excludeKeys?: readonly string[];
  readonly includeKeys?: readonly string[];
}

const matches = (key: string, patterns: readonly string[]): boolean =>
  patterns.some((p) => p === key || fnmatch(key, p));

/** A copy of `event` without the excluded keys. */
export function jsonFilter(event: JsonObject, options: JsonFilterOptions = {}): JsonObject {
  const include = options.includeKeys ?? [];
  const exclude = options.excludeKeys ?? [];
  const walk = (obj: JsonObject): JsonObject => {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(obj)) {
      if (!matches(key, include) && matches(key, exclude)) continue;
      setOwn(out, key, isPlainObject(value) ? walk(value as JsonObject) : value);
    }
    return out;
  };
  return walk(event);
}
