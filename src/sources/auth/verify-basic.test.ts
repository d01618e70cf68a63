import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { verifyBasic } from './verify-basic.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);
const message = (r: AuthResult) => (r.ok ? '' : r.message);
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('verifyBasic', () => {
  const users = { alertmanager: 's3cret', other: 'pa:ss' };

  it('accepts a configured user and tells who it is; the password may contain ":"', () => {
    expect(verifyBasic(basic('alertmanager', 's3cret'), users)).toEqual({ ok: true, username: 'alertmanager' });
    expect(verifyBasic(basic('other', 'pa:ss'), users)).toEqual({ ok: true, username: 'other' });
  });

  it('refuses wrong passwords, unknown users, other schemes and malformed credentials alike', () => {
    expect(code(verifyBasic(basic('alertmanager', 'nope'), users))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBasic(basic('nobody', 's3cret'), users))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBasic('Bearer s3cret', users))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBasic('Basic !!!', users))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`, users))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyBasic(undefined, users))).toBe(ErrorCode.WebhookMissingCredentials);
    expect(message(verifyBasic(basic('alertmanager', 'guess'), users))).not.toMatch(/guess|s3cret|alertmanager/);
  });
});
