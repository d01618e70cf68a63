/**
 * @module JSON for stored state: exact big integers survive the round trip (JSON has no bigint),
 * as `{"$bigint": "<digits>"}`. An event that itself holds an object whose only key is
 * `$bigint` would read back as a bigint; such events are not expected from any source.
 */

const BIGINT_KEY = '$bigint';

export function encodeState(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? { [BIGINT_KEY]: v.toString() } : v));
}

export function decodeState<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const digits = (v as Record<string, unknown>)[BIGINT_KEY];
      if (keys.length === 1 && typeof digits === 'string' && /^-?\d+$/.test(digits)) return BigInt(digits);
    }
    return v;
  }) as T;
}
