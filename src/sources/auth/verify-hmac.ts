/**
 * @module HMAC body signatures, compatible with upstream's webhook source
 * (rulebook-language.md §4.3): the header holds the hex or base64 digest of
 * HMAC(secret, raw body), optionally prefixed `<algo>=` (GitHub's `sha256=…`).
 *
 * Differences from upstream, on purpose: the digest is taken over the raw bytes (upstream
 * decodes and re-encodes the body as UTF-8, which is the same for valid UTF-8); a hex digest
 * may be upper-case; both are a superset of what upstream accepts.
 */
import { createHmac, getHashes } from 'node:crypto';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { AUTH_OK, AuthFailureCode, authFailure, type AuthResult } from './auth-result.js';
import { constantTimeEqual } from './constant-time-equal.js';

export const HmacFormat = { Hex: 'hex', Base64: 'base64' } as const;
export type HmacFormat = (typeof HmacFormat)[keyof typeof HmacFormat];

export interface VerifyHmacInput {
  /** The body exactly as received. */
  readonly rawBody: Uint8Array | string;
  /** The signature header's value, undefined when absent. */
  readonly header: string | undefined;
  /** Upstream encodes `hmac_secret` as UTF-8; bytes are used as they are. */
  readonly secret: string | Uint8Array;
  /** A hash name as in Python's hashlib (`sha256`, `sha1`, `sha512`, `sha3_256`…). Default `sha256`. */
  readonly algo?: string;
  /** Default `hex`. */
  readonly format?: HmacFormat;
  /** Accept an `<algo>=` prefix before the digest. Default true (upstream always does). */
  readonly prefixAllowed?: boolean;
}

/** Python hashlib names whose Node name differs. */
const NODE_HASH_NAMES: Readonly<Record<string, string>> = {
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
};

/**
 * The Node hash name for a hashlib-style algorithm name.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for an unknown algorithm (a config error).
 */
export function resolveHmacAlgo(algo: string): string {
  const lower = algo.toLowerCase();
  const name = NODE_HASH_NAMES[lower] ?? lower;
  if (!getHashes().includes(name)) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `unsupported HMAC algorithm "${algo}"`);
  }
  return name;
}

/** Checks an HMAC signature header against the raw body. */
export function verifyHmac(input: VerifyHmacInput): AuthResult {
  const algo = input.algo ?? 'sha256';
  const format = input.format ?? HmacFormat.Hex;
  const hashName = resolveHmacAlgo(algo);
  if (format !== HmacFormat.Hex && format !== HmacFormat.Base64) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `unsupported HMAC format "${String(format)}"`);
  }
  if (input.header === undefined || input.header.trim() === '') {
    return authFailure(AuthFailureCode.MissingSignature, 'signature header not found');
  }
  let received = input.header.trim();
  const prefix = `${algo}=`;
  if ((input.prefixAllowed ?? true) && received.startsWith(prefix)) received = received.slice(prefix.length);
  if (format === HmacFormat.Hex) received = received.toLowerCase();

  const expected = createHmac(hashName, input.secret).update(input.rawBody).digest(format);
  if (!constantTimeEqual(received, expected)) return authFailure(AuthFailureCode.BadSignature, 'HMAC verification failed');
  return AUTH_OK;
}
