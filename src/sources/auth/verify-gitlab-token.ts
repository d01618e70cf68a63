/**
 * @module GitLab's `X-Gitlab-Token`: the configured secret sent verbatim (wire-formats.md §2.1),
 * compared in constant time. A list allows rotating the token without dropping hooks.
 */
import { AUTH_OK, AuthFailureCode, authFailure, type AuthResult } from './auth-result.js';
import { constantTimeIncludes } from './constant-time-equal.js';

/**
 * Checks an `X-Gitlab-Token` header value.
 * @param header the header value, undefined when absent.
 */
export function verifyGitlabToken(header: string | undefined, expected: string | readonly string[]): AuthResult {
  if (header === undefined || header === '') {
    return authFailure(AuthFailureCode.MissingCredentials, 'missing X-Gitlab-Token header');
  }
  const tokens = typeof expected === 'string' ? [expected] : expected;
  if (!constantTimeIncludes(header, tokens)) return authFailure(AuthFailureCode.BadToken, 'invalid X-Gitlab-Token');
  return AUTH_OK;
}
