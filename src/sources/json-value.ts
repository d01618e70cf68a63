/**
 * @module JSON data as it flows through sources and filters: readonly, plain, and checked once
 * at the edge. `bigint` is allowed because the engine keeps integers beyond 2^53 exact
 * (rulebook-language.md, Errata) when the HTTP layer parses losslessly.
 */

export type JsonPrimitive = string | number | bigint | boolean | null;
export type JsonValue = JsonPrimitive | JsonArray | JsonObject;
export type JsonArray = readonly JsonValue[];
export type JsonObject = { readonly [key: string]: JsonValue };

/** True for a plain object (`{}` or `Object.create(null)`), the only objects JSON can hold. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` is a JSON object (own plain properties); its members are not re-checked. */
export function isJsonObject(value: unknown): value is JsonObject {
  return isPlainObject(value);
}

/**
 * The path of the first part of `value` that is not JSON data (`undefined`, a function, a
 * non-finite number, a class instance, a cycle), or undefined when all of it is JSON.
 * `path` is a dotted display path such as `alerts[0].labels`.
 */
export function findNonJson(value: unknown, path = '$'): string | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, p: string): string | undefined => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'bigint':
        return undefined;
      case 'number':
        return Number.isFinite(v) ? undefined : p;
      case 'object': {
        if (v === null) return undefined;
        if (seen.has(v)) return p;
        seen.add(v);
        let bad: string | undefined;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length && bad === undefined; i += 1) bad = walk(v[i], `${p}[${i}]`);
        } else if (isPlainObject(v)) {
          for (const [k, item] of Object.entries(v)) {
            bad = walk(item, `${p}.${k}`);
            if (bad !== undefined) break;
          }
        } else {
          bad = p;
        }
        seen.delete(v);
        return bad;
      }
      default:
        return p;
    }
  };
  return walk(value, path);
}

/** A deep copy of JSON data (the filters return new events instead of mutating their input). */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: JsonValue) => cloneJson(v)) as unknown as T;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value as JsonObject)) setOwn(out, k, cloneJson(v));
  return out as T;
}

/**
 * Sets an own, enumerable property even for the key `__proto__`: a plain assignment would
 * call the prototype setter instead, and payload keys are attacker-chosen.
 */
export function setOwn<V>(target: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * JSON text with object keys sorted at every depth, for hashing: two equal values always give
 * the same text whatever the key order they arrived in. Bigints print as plain integers.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => canonicalJson(v)).join(',')}]`;
  const obj = value as JsonObject;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k] as JsonValue)}`).join(',')}}`;
}
