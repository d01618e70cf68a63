/**
 * @module What every verifier returns: a typed result, not an exception, because a failed
 * check is an expected outcome of an HTTP request. Codes are stable (they appear in logs and
 * response bodies); messages never contain the secret nor what the client sent.
 *
 * Suggested HTTP mapping (the HTTP layer's error handler decides): MISSING_CREDENTIALS,
 * BAD_TOKEN, BAD_SIGNATURE and STALE_SIGNATURE → 401; MISSING_SIGNATURE → 400 (as upstream's
 * webhook source).
 */
import { AutohealError, ErrorCode } from '../../core/index.js';

export const AuthFailureCode = {
  MissingCredentials: ErrorCode.WebhookMissingCredentials,
  BadToken: ErrorCode.WebhookBadToken,
  MissingSignature: ErrorCode.WebhookMissingSignature,
  BadSignature: ErrorCode.WebhookBadSignature,
  StaleSignature: ErrorCode.WebhookStaleSignature,
} as const;
export type AuthFailureCode = (typeof AuthFailureCode)[keyof typeof AuthFailureCode];

export interface AuthOk {
  readonly ok: true;
  /** The authenticated user, for Basic auth. */
  readonly username?: string;
}

export interface AuthFailure {
  readonly ok: false;
  readonly code: AuthFailureCode;
  readonly message: string;
}

export type AuthResult = AuthOk | AuthFailure;

export const AUTH_OK: AuthOk = { ok: true };

export function authFailure(code: AuthFailureCode, message: string): AuthFailure {
  return { ok: false, code, message };
}

/** The failure as an AutohealError, for callers that prefer to throw to the error handler. */
export function authFailureToError(failure: AuthFailure): AutohealError {
  return new AutohealError(failure.code, failure.message);
}
