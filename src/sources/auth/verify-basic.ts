/**
 * @module `Authorization: Basic base64(user:password)` (Alertmanager's `basic_auth`, GitLab's
 * `user:pass@` hook URLs). User name and password are both compared in constant time against
 * every configured user, so timing tells neither which users exist nor which part was wrong.
 */
import { AuthFailureCode, authFailure, type AuthResult } from './auth-result.js';
import { constantTimeEqual } from './constant-time-equal.js';
import { parseAuthorization } from './verify-bearer.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks an `Authorization` header value against `users` (user name → password).
 * @returns `{ok: true, username}` on success.
 */
export function verifyBasic(header: string | undefined, users: Readonly<Record<string, string>>): AuthResult {
  if (header === undefined || header.trim() === '') {
    return authFailure(AuthFailureCode.MissingCredentials, 'missing Authorization header');
  }
  const parsed = parseAuthorization(header);
  if (parsed === undefined) return authFailure(AuthFailureCode.BadToken, 'malformed Authorization header');
  if (parsed.scheme.toLowerCase() !== 'basic') {
    return authFailure(AuthFailureCode.BadToken, 'only the Basic authorization scheme is accepted');
  }
  if (!BASE64.test(parsed.credentials) || parsed.credentials.length % 4 !== 0) {
    return authFailure(AuthFailureCode.BadToken, 'malformed Basic credentials');
  }
  const decoded = Buffer.from(parsed.credentials, 'base64').toString('utf8');
  // RFC 7617: the user-id cannot contain ':', the password can.
  const colon = decoded.indexOf(':');
  if (colon === -1) return authFailure(AuthFailureCode.BadToken, 'malformed Basic credentials');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);

  let matched: string | undefined;
  for (const [name, secret] of Object.entries(users)) {
    // Both comparisons always run: `&&` would skip the password for unknown users.
    const same = Number(constantTimeEqual(user, name)) & Number(constantTimeEqual(password, secret));
    if (same === 1) matched = name;
  }
  if (matched === undefined) return authFailure(AuthFailureCode.BadToken, 'invalid user name or password');
  return { ok: true, username: matched };
}
