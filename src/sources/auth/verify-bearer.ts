/**
 * @module `Authorization: Bearer <token>` (Alertmanager's `http_config.authorization`,
 * upstream's webhook `token`). Unlike upstream, the token is compared in constant time, and
 * the scheme name is case-insensitive (RFC 9110 §11.1). Several tokens may be valid at once so
 * a token can be rotated without downtime.
 */
import { AUTH_OK, AuthFailureCode, authFailure, type AuthResult } from './auth-result.js';
import { constantTimeIncludes } from './constant-time-equal.js';

/** Splits `Scheme credentials`; undefined when there is no credentials part. */
export function parseAuthorization(header: string): { scheme: string; credentials: string } | undefined {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  return m === null ? undefined : { scheme: m[1]!, credentials: m[2]! };
}

/**
 * Checks an `Authorization` header value against the accepted bearer tokens.
 * @param header the header value, undefined when absent.
 */
export function verifyBearer(header: string | undefined, expectedTokens: readonly string[]): AuthResult {
  if (header === undefined || header.trim() === '') {
    return authFailure(AuthFailureCode.MissingCredentials, 'missing Authorization header');
  }
  const parsed = parseAuthorization(header);
  if (parsed === undefined) return authFailure(AuthFailureCode.BadToken, 'malformed Authorization header');
  if (parsed.scheme.toLowerCase() !== 'bearer') {
    return authFailure(AuthFailureCode.BadToken, 'only the Bearer authorization scheme is accepted');
  }
  if (!constantTimeIncludes(parsed.credentials, expectedTokens)) {
    return authFailure(AuthFailureCode.BadToken, 'invalid bearer token');
  }
  return AUTH_OK;
}
