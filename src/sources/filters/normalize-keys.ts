/**
 * @module `normalize_keys` (rulebook-language.md §1.2): every run of characters other than
 * ASCII letters, digits and `_` in a key becomes one `_` (`server.com/&abc` → `server_com_abc`),
 * at every depth including inside lists. When the new name is also an original key, the
 * renamed value is written only with `overwrite` (default true), and whichever of the two comes
 * later in the object wins, as upstream.
 */
import { isPlainObject, setOwn, type JsonObject, type JsonValue } from '../json-value.js';

export interface NormalizeKeysOptions {
  /** Default true. */
  readonly overwrite?: boolean;
}

const NON_WORD = /[^0-9a-zA-Z_]+/g;

/** The normalized form of one key. */
export function normalizeKey(key: string): string {
  return key.replace(NON_WORD, '_');
}

function normalize(value: JsonValue, overwrite: boolean): JsonValue {
  if (Array.isArray(value)) return value.map((v: JsonValue) => normalize(v, overwrite));
  if (!isPlainObject(value)) return value;
  const obj = value as JsonObject;
  const original = new Set(Object.keys(obj));
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of Object.entries(obj)) {
    const newKey = normalizeKey(key);
    if (newKey === key || !original.has(newKey) || overwrite) setOwn(out, newKey, normalize(v, overwrite));
  }
  return out;
}

/** A copy of `event` with normalized keys. */
export function normalizeKeys(event: JsonObject, options: NormalizeKeysOptions = {}): JsonObject {
  return normalize(event, options.overwrite ?? true) as JsonObject;
}
