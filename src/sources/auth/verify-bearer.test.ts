import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/index.js';
import { authFailureToError, type AuthResult } from './auth-result.js';
import { verifyBearer } from './verify-bearer.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);
const message = (r: AuthResult) => (r.ok ? '' : r.message);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('verifyBearer', () => {
  it('accepts any configured token, with a case-insensitive scheme', () => {
    expect(code(verifyBearer('Bearer acc-bearer-token-1', ['old', 'acc-bearer-token-1']))).toBe('ok');
    expect(code(verifyBearer('bearer   acc-bearer-token-1 ', ['acc-bearer-token-1']))).toBe('ok');
  });

  it('distinguishes missing credentials, wrong scheme, malformed header and wrong token', () => {
    expect(code(verifyBearer(undefined, ['t']))).toBe(ErrorCode.WebhookMissingCredentials);
    expect(code(verifyBearer('  ', ['t']))).toBe(ErrorCode.WebhookMissingCredentials);
    expect(code(verifyBearer(basic('u', 't'), ['t']))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBearer('Bearer', ['t']))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBearer('Bearer a b', ['a b']))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBearer('Bearer t2', ['t']))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBearer('Bearer t', []))).toBe(ErrorCode.WebhookBadToken);
  });

  it('never puts the expected or the received token in the message', () => {
    const r = verifyBearer('Bearer received-guess', ['expected-secret']);
    expect(message(r)).not.toMatch(/received-guess|expected-secret/);
    expect(authFailureToError(r as Exclude<AuthResult, { ok: true }>).code).toBe(ErrorCode.WebhookBadToken);
  });
});
