import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { verifyGitlabToken } from './verify-gitlab-token.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);
const message = (r: AuthResult) => (r.ok ? '' : r.message);

describe('verifyGitlabToken', () => {
  it('compares X-Gitlab-Token with the configured one(s)', () => {
    expect(code(verifyGitlabToken('tok', 'tok'))).toBe('ok');
    expect(code(verifyGitlabToken('tok2', ['tok', 'tok2']))).toBe('ok');
    expect(code(verifyGitlabToken('tok ', 'tok'))).toBe(ErrorCode.WebhookBadToken);
    expect(code(verifyGitlabToken(undefined, 'tok'))).toBe(ErrorCode.WebhookMissingCredentials);
    expect(message(verifyGitlabToken('my-guess', 'tok'))).not.toMatch(/my-guess|tok\b/);
  });
});
