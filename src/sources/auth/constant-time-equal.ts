/**
 * @module Constant-time comparison of secrets. Both sides are first reduced to fixed-length
 * HMAC-SHA-256 digests under a key random to this process, then compared with
 * `crypto.timingSafeEqual`: the comparison never depends on where the inputs differ, nor
 * branches on their lengths, so response times reveal neither the expected value nor its
 * length. (The only length-dependent work left is hashing, a few nanoseconds per 64 bytes.)
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = randomBytes(32);

function digest(value: string | Uint8Array): Buffer {
  return createHmac('sha256', KEY).update(value).digest();
}

/** True when `a` and `b` are equal (strings as UTF-8), in time independent of their content. */
export function constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * True when `candidate` equals any of `expected`. Every entry is compared (no early exit), so
 * the time does not tell which entry matched or how many there are before it.
 */
export function constantTimeIncludes(candidate: string | Uint8Array, expected: readonly (string | Uint8Array)[]): boolean {
  const c = digest(candidate);
  let found = 0;
  for (const e of expectedDigests(expected)) found |= timingSafeEqual(c, e) ? 1 : 0;
  return found === 1;
}

/** Digests of a configured list, made once per list (a source's tokens are hashed on every request otherwise). */
const digestsOf = new WeakMap<readonly (string | Uint8Array)[], readonly Buffer[]>();

function expectedDigests(expected: readonly (string | Uint8Array)[]): readonly Buffer[] {
  let digests = digestsOf.get(expected);
  if (digests === undefined || digests.length !== expected.length) {
    digests = expected.map(digest);
    digestsOf.set(expected, digests);
  }
  return digests;
}
