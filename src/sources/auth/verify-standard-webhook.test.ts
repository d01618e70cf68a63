import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { verifyStandardWebhook } from './verify-standard-webhook.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);

describe('verifyStandardWebhook', () => {
  const key = Buffer.from('a-32-byte-signing-key-for-tests!');
  const secret = `whsec_${key.toString('base64')}`;
  const body = '{"object_kind":"issue"}';
  const id = 'msg_2b9f2ce8';
  const ts = 1_795_303_978;
  const sign = (k: Buffer, t: number, b = body) => `v1,${createHmac('sha256', k).update(`${id}.${t}.${b}`).digest('base64')}`;
  const headers = (sig: string, t = ts) => ({ 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': sig });
  const clock = new ManualClock(ts * 1000 + 20_000);

  it('accepts a valid signature within the tolerance, also among several', () => {
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts)), rawBody: body, secret, clock }))).toBe('ok');
    const several = `v1,AAAA ${sign(key, ts)}`;
    expect(code(verifyStandardWebhook({ headers: headers(several), rawBody: Buffer.from(body), secret, clock }))).toBe('ok');
    const joined = `v1,AAAA, ${sign(key, ts)}`;
    expect(code(verifyStandardWebhook({ headers: headers(joined), rawBody: body, secret, clock }))).toBe('ok');
  });

  it('refuses a signature by another key, over another body, or of another version', () => {
    const other = Buffer.from('another-key-another-key-another!');
    expect(code(verifyStandardWebhook({ headers: headers(sign(other, ts)), rawBody: body, secret, clock }))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts, '{}')), rawBody: body, secret, clock }))).toBe(
      ErrorCode.WebhookBadSignature,
    );
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts).replace('v1,', 'v2,')), rawBody: body, secret, clock }))).toBe(
      ErrorCode.WebhookBadSignature,
    );
  });

  it('refuses an authentic but stale or future request (replay) with its own code', () => {
    const late = new ManualClock((ts + 301) * 1000);
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts)), rawBody: body, secret, clock: late }))).toBe(
      ErrorCode.WebhookStaleSignature,
    );
    const early = new ManualClock((ts - 301) * 1000);
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts)), rawBody: body, secret, clock: early }))).toBe(
      ErrorCode.WebhookStaleSignature,
    );
    expect(code(verifyStandardWebhook({ headers: headers(sign(key, ts)), rawBody: body, secret, clock: late, toleranceSeconds: 600 }))).toBe('ok');
    // A timestamp moved forward breaks the signature: the check cannot be bypassed that way.
    const moved = headers(sign(key, ts), ts + 301);
    expect(code(verifyStandardWebhook({ headers: moved, rawBody: body, secret, clock: late }))).toBe(ErrorCode.WebhookBadSignature);
  });

  it('reports missing headers and malformed timestamps', () => {
    expect(code(verifyStandardWebhook({ headers: { 'webhook-id': id }, rawBody: body, secret, clock }))).toBe(ErrorCode.WebhookMissingSignature);
    const bad = { ...headers(sign(key, ts)), 'webhook-timestamp': '1e9' };
    expect(code(verifyStandardWebhook({ headers: bad, rawBody: body, secret, clock }))).toBe(ErrorCode.WebhookBadSignature);
  });

  it('treats a secret that is not base64 as a configuration error', () => {
    expect(() => verifyStandardWebhook({ headers: headers('v1,x'), rawBody: body, secret: 'whsec_***', clock })).toThrow(/whsec_/);
  });
});
