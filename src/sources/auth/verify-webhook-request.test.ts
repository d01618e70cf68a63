import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { resolveWebhookAuth, verifyWebhookRequest } from './verify-webhook-request.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);

describe('verifyWebhookRequest', () => {
  const body = '{"a":1}';
  const sig = `sha256=${createHmac('sha256', 'hs').update(body).digest('hex')}`;

  it('checks the bearer token, then the HMAC, as upstream', () => {
    const options = resolveWebhookAuth({ port: 5000, token: 'tok', hmac_secret: 'hs' });
    expect(options).toEqual({ token: 'tok', hmac: { secret: 'hs', algo: 'sha256', header: 'x-hub-signature-256', format: 'hex' } });
    const ok = { Authorization: 'Bearer tok', 'X-Hub-Signature-256': sig };
    expect(code(verifyWebhookRequest({ headers: ok, rawBody: body }, options))).toBe('ok');
    expect(code(verifyWebhookRequest({ headers: { ...ok, Authorization: 'Bearer no' }, rawBody: body }, options))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyWebhookRequest({ headers: { Authorization: 'Bearer tok' }, rawBody: body }, options))).toBe(ErrorCode.WebhookMissingSignature);
    expect(code(verifyWebhookRequest({ headers: { ...ok, 'X-Hub-Signature-256': 'sha256=00' }, rawBody: body }, options))).toBe(
      ErrorCode.WebhookBadSignature,
    );
  });

  it('lets everything through when nothing is configured, as upstream', () => {
    expect(code(verifyWebhookRequest({ headers: {}, rawBody: body }, resolveWebhookAuth({})))).toBe('ok');
  });

  it('rejects bad auth arguments without echoing them', () => {
    expect(() => resolveWebhookAuth({ hmac_secret: 'x', hmac_format: 'b32' })).toThrow(/hmac_format/);
    expect(() => resolveWebhookAuth({ hmac_secret: 'x', hmac_algo: 'nope' })).toThrow(/unsupported HMAC algorithm/);
    expect(() => resolveWebhookAuth({ token: 42 })).toThrow(/token must be a non-empty string/);
  });
});
