import { describe, expect, it } from 'vitest';
import { ErrorCode, type SecretDeps } from '../../core/index.js';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, resolveApiConfig } from './api-config.js';

const SECRET = 's3cr3t-api-token-value';

function deps(env: Record<string, string> = {}, files: Record<string, string> = {}): SecretDeps {
  return {
    env,
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
}

async function problemsOf(raw: unknown, d: SecretDeps = deps()): Promise<string> {
  try {
    await resolveApiConfig(raw, d);
  } catch (err) {
    expect(err).toMatchObject({ code: ErrorCode.ApiConfigInvalid });
    return (err as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('resolveApiConfig', () => {
  it('means no operations server when the section is absent', async () => {
    expect(await resolveApiConfig(undefined, deps())).toBeUndefined();
    expect(await resolveApiConfig(null, deps())).toBeUndefined();
  });

  it('fills in the defaults for an empty section', async () => {
    expect(await resolveApiConfig({}, deps())).toEqual({ host: DEFAULT_API_HOST, port: DEFAULT_API_PORT, metricsAuth: false, literalToken: false });
    expect(DEFAULT_API_PORT).toBe(5080);
  });

  it('reads the token from the environment or a file, trimmed', async () => {
    expect(await resolveApiConfig({ token_env: 'API_TOKEN' }, deps({ API_TOKEN: SECRET }))).toMatchObject({ token: SECRET, literalToken: false });
    expect(await resolveApiConfig({ token_file: '/run/t' }, deps({}, { '/run/t': `${SECRET}\n` }))).toMatchObject({ token: SECRET });
  });

  it('flags a literal token', async () => {
    expect(await resolveApiConfig({ token: SECRET, metrics_auth: true, host: '127.0.0.1', port: 0 }, deps())).toEqual({
      host: '127.0.0.1',
      port: 0,
      token: SECRET,
      metricsAuth: true,
      literalToken: true,
    });
  });

  it('reports every problem at once, precisely', async () => {
    const message = await problemsOf({ hots: 'x', port: 70000, metrics_auth: 'yes', token_env: 'MISSING' });
    expect(message.split('\n')).toEqual([
      'api: unknown key "hots"; did you mean "host"?',
      'api: "port" must be an integer from 0 to 65535, found 70000',
      'api: "metrics_auth" must be true or false, found a string',
      'api: "token_env" names the environment variable MISSING, which is not set',
    ]);
  });

  it('refuses metrics_auth without a token', async () => {
    expect(await problemsOf({ metrics_auth: true })).toBe('api: "metrics_auth: true" needs a token ("token_env", "token_file" or "token")');
  });

  it('refuses a section that is not a mapping, a bad host, two token forms', async () => {
    expect(await problemsOf(['x'])).toBe('api: must be a mapping, found a list');
    expect(await problemsOf({ host: '' })).toBe('api: "host" must be a non-empty string, found a string');
    expect(await problemsOf({ token: 'a', token_env: 'B' })).toMatch(/give only one of "token", "token_env" and "token_file"/);
  });

  it('refuses a token with whitespace without showing it', async () => {
    const message = await problemsOf({ token_env: 'T' }, deps({ T: `${SECRET} more` }));
    expect(message).toMatch(/must not contain whitespace/);
    expect(message).not.toContain(SECRET);
  });
});
