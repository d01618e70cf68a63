/**
 * @module Standard Webhooks signatures, as GitLab's optional signing token sends them
 * (wire-formats.md §2.1): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256>` (several space-separated during key rotation)
 * over `<id>.<timestamp>.<raw body>`, keyed with the base64-decoded part of the `whsec_…`
 * secret. A timestamp outside the tolerance is refused, so a captured request cannot be
 * replayed later.
 */
import { createHmac } from 'node:crypto';
import { AutohealError, ErrorCode, type Clock } from '../../core/index.js';
import { headerValue, type RequestHeaders } from '../request-headers.js';
import { AUTH_OK, AuthFailureCode, authFailure, type AuthResult } from './auth-result.js';
import { constantTimeEqual } from './constant-time-equal.js';

/** ±5 minutes, what Standard Webhooks receivers allow. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface VerifyStandardWebhookInput {
  readonly headers: RequestHeaders;
  /** The body exactly as received. */
  readonly rawBody: Uint8Array | string;
  /** `whsec_<base64>` (the prefix is optional). */
  readonly secret: string;
  readonly clock: Clock;
  /** Largest accepted distance between `webhook-timestamp` and now. Default 300 s. */
  readonly toleranceSeconds?: number;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The HMAC key of a `whsec_…` secret.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` when the secret is not base64 (a config error).
 */
export function standardWebhookKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (b64 === '' || !BASE64.test(b64)) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'the webhook signing secret must be "whsec_" followed by base64');
  }
  return Buffer.from(b64, 'base64');
}

/** Checks the three Standard Webhooks headers against the raw body and the clock. */
export function verifyStandardWebhook(input: VerifyStandardWebhookInput): AuthResult {
  const key = standardWebhookKey(input.secret);
  const id = headerValue(input.headers, 'webhook-id');
  const timestamp = headerValue(input.headers, 'webhook-timestamp');
  const signatures = headerValue(input.headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signatures === undefined || signatures.trim() === '') {
    return authFailure(AuthFailureCode.MissingSignature, 'webhook-id, webhook-timestamp and webhook-signature headers are required');
  }
  if (!/^\d{1,15}$/.test(timestamp.trim())) return authFailure(AuthFailureCode.BadSignature, 'malformed webhook-timestamp');

  const prefix = Buffer.from(`${id}.${timestamp.trim()}.`, 'utf8');
  const expected = createHmac('sha256', key).update(prefix).update(input.rawBody).digest('base64');
  let matched = 0;
  // Space-separated; a repeated header arrives joined with ", ", whose comma is dropped here
  // (base64 never contains one).
  for (const raw of signatures.trim().split(/\s+/)) {
    const entry = raw.replace(/,+$/, '');
    const comma = entry.indexOf(',');
    if (comma === -1 || entry.slice(0, comma) !== 'v1') continue;
    matched |= constantTimeEqual(entry.slice(comma + 1), expected) ? 1 : 0;
  }
  if (matched !== 1) return authFailure(AuthFailureCode.BadSignature, 'webhook signature verification failed');

  // Checked after the signature, so that only an authentic but late request learns it is late.
  const tolerance = input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const skew = Math.abs(input.clock.now() / 1000 - Number(timestamp.trim()));
  if (skew > tolerance) return authFailure(AuthFailureCode.StaleSignature, `webhook-timestamp is more than ${tolerance} s away from now`);
  return AUTH_OK;
}
