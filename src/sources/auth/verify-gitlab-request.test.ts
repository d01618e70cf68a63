import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { verifyGitlabRequest } from './verify-gitlab-request.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);

describe('verifyGitlabRequest', () => {
  const key = Buffer.from('a-32-byte-signing-key-for-tests!');
  const secret = `whsec_${key.toString('base64')}`;
  const body = '{"object_kind":"issue"}';
  const id = 'msg_2b9f2ce8';
  const ts = 1_795_303_978;
  const sign = (k: Buffer, t: number) => `v1,${createHmac('sha256', k).update(`${id}.${t}.${body}`).digest('base64')}`;
  const headers = (sig: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });
  const clock = new ManualClock(ts * 1000);

  it('uses the signature alone for signed requests, never falling back to the token', () => {
    const signed = { ...headers(sign(key, ts)), 'X-Gitlab-Token': 'tok' };
    const opts = { tokens: ['tok'], signingSecret: secret };
    expect(code(verifyGitlabRequest({ headers: signed, rawBody: body, clock }, opts))).toBe('ok');
    const forged = { ...headers('v1,AAAA'), 'X-Gitlab-Token': 'tok' };
    expect(code(verifyGitlabRequest({ headers: forged, rawBody: body, clock }, opts))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyGitlabRequest({ headers: { 'X-Gitlab-Token': 'tok' }, rawBody: body, clock }, opts))).toBe('ok');
    expect(code(verifyGitlabRequest({ headers: { 'X-Gitlab-Token': 'tok' }, rawBody: body, clock }, { signingSecret: secret }))).toBe(
      ErrorCode.WebhookMissingSignature,
    );
    expect(code(verifyGitlabRequest({ headers: {}, rawBody: body, clock }, { tokens: ['tok'] }))).toBe(ErrorCode.WebhookMissingCredentials);
    expect(() => verifyGitlabRequest({ headers: {}, rawBody: body, clock }, {})).toThrow(/token or a signing secret/);
  });

  it('checks X-Gitlab-Token when only tokens are configured', () => {
    expect(code(verifyGitlabRequest({ headers: { 'x-gitlab-token': 'new' }, rawBody: body, clock }, { tokens: ['old', 'new'] }))).toBe('ok');
    expect(code(verifyGitlabRequest({ headers: { 'X-Gitlab-Token': 'bad' }, rawBody: body, clock }, { tokens: ['old'] }))).toBe(
      ErrorCode.WebhookBadToken,
    );
  });
});
