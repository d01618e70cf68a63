import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode, type SecretDeps } from '../../core/index.js';
import { DEFAULT_GITLAB_TIMEOUT_MS, resolveGitlabConfig } from './gitlab-config.js';

const deps: SecretDeps = {
  env: { GITLAB_TOKEN: 'glpat-secret-1' },
  readFile: async (path) => {
    if (path === '/run/secrets/gl') return 'glpat-from-file\n';
    throw Object.assign(new Error('no'), { code: 'ENOENT' });
  },
};

async function problemsOf(raw: unknown): Promise<string[]> {
  try {
    await resolveGitlabConfig(raw, deps);
  } catch (err: unknown) {
    if (!hasErrorCode(err, ErrorCode.GitlabConfigInvalid)) throw err;
    return err.message.split('\n');
  }
  throw new Error('expected a config error');
}

describe('resolveGitlabConfig', () => {
  it('resolves the API URL, token and documented defaults', async () => {
    expect(await resolveGitlabConfig({ url: 'https://gitlab.example.com/', token_env: 'GITLAB_TOKEN' }, deps)).toEqual({
      apiUrl: 'https://gitlab.example.com/api/v4',
      token: 'glpat-secret-1',
      auth: 'private-token',
      timeoutMs: DEFAULT_GITLAB_TIMEOUT_MS,
    });
    expect(await resolveGitlabConfig({ url: 'http://127.0.0.1:8080/gitlab/api/v4', token_file: '/run/secrets/gl', auth: 'bearer', timeout_ms: 500 }, deps)).toEqual({
      apiUrl: 'http://127.0.0.1:8080/gitlab/api/v4',
      token: 'glpat-from-file',
      auth: 'bearer',
      timeoutMs: 500,
    });
  });

  it('means no GitLab when the section is absent', async () => {
    expect(await resolveGitlabConfig(undefined, deps)).toBeUndefined();
    expect(await resolveGitlabConfig(null, deps)).toBeUndefined();
  });

  it('reports every problem at once', async () => {
    expect(await problemsOf({ url: 'gitlab.example.com', tokn: 'x', auth: 'basic', timeout_ms: 1.5 })).toEqual([
      'gitlab: unknown key "tokn"; did you mean "token"?',
      'gitlab: "url" is not a valid URL: "gitlab.example.com"',
      'gitlab: missing "token" (or "token_env" / "token_file")',
      'gitlab: "auth" must be one of private-token, bearer, found "basic"',
      'gitlab: "timeout_ms" must be a positive integer (milliseconds), found 1.5',
    ]);
    expect(await problemsOf({ url: 'https://u:p@gitlab.example.com', token_file: '/nope' })).toEqual([
      'gitlab: "url" must be a plain base URL, without credentials, query or fragment',
      'gitlab: "token_file" names the file /nope, which cannot be read (ENOENT)',
    ]);
    expect(await problemsOf('https://gitlab')).toEqual(['gitlab: must be a mapping, found a string']);
  });
});
