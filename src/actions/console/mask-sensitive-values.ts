/**
 * @module The masking upstream applies to the variables `debug` sees (`mask_sensitive_variable_values`
 * in ansible_rulebook/util.py), so `--vars` secrets do not reach the console.
 */

/** What a masked value is printed as. */
export const MASKED_STRING = '******';

/**
 * Key fragments (case-insensitive) whose string values are masked. Upstream's list is token,
 * password, key, passphrase; `secret` is added on purpose (house rule: secrets never in logs).
 */
export const SENSITIVE_KEY_FRAGMENTS: readonly string[] = ['token', 'password', 'key', 'passphrase', 'secret'];

/**
 * A copy of `value` where every **string** value of a mapping key containing a sensitive
 * fragment becomes `******`, recursively through mappings and lists. As upstream, non-string
 * values (numbers, booleans, null) are kept, and a sensitive key holding a mapping or list is
 * descended into rather than masked whole.
 */
export function maskSensitiveValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSensitiveValues);
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const masked = Array.isArray(v) || isMapping(v) ? maskSensitiveValues(v) : typeof v === 'string' && isSensitiveKey(key) ? MASKED_STRING : v;
    // A "__proto__" key must stay an own property, not become the prototype.
    Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** True when `key` contains a sensitive fragment (Python `casefold` ≈ `toLowerCase` here). */
export function isSensitiveKey(key: string): boolean {
  const folded = key.toLowerCase();
  return SENSITIVE_KEY_FRAGMENTS.some((fragment) => folded.includes(fragment));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Template results are null-prototype dicts; class instances (Python objects) are left alone.
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
