import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode, type SecretDeps } from '../../core/index.js';
import { resolveIcingaActionsConfig } from './icinga-actions-config.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const deps: SecretDeps = {
  env: { ICINGA_PW: 's3cret' },
  readFile: async (path) => {
    if (path === '/ca.crt') return PEM;
    if (path === '/pw') return 'filepw\n';
    if (path === '/junk') return 'not a cert';
    throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  },
};

async function problemOf(raw: unknown): Promise<string> {
  try {
    await resolveIcingaActionsConfig(raw, deps);
  } catch (err: unknown) {
    if (hasErrorCode(err, ErrorCode.IcingaActionsConfigInvalid)) return err.message;
    throw err;
  }
  throw new Error('expected a problem');
}

describe('resolveIcingaActionsConfig', () => {
  it('resolves url, password from the environment, CA and defaults, and hides the password', async () => {
    const c = await resolveIcingaActionsConfig(
      { url: 'https://127.0.0.1:5665/', user: 'autoheal', password_env: 'ICINGA_PW', ca_file: '/ca.crt', tls_server_name: 'localhost' },
      deps,
    );
    expect(c).toMatchObject({ url: 'https://127.0.0.1:5665', user: 'autoheal', ca: PEM, tlsServerName: 'localhost', requestTimeoutMs: 30_000, passwordLiteral: false });
    expect(c.password.reveal()).toBe('s3cret');
    expect(JSON.stringify(c)).not.toContain('s3cret');
  });

  it('reads a password file without its newline and converts the timeout to ms', async () => {
    const c = await resolveIcingaActionsConfig({ url: 'https://i:5665', user: 'u', password_file: '/pw', request_timeout: 2.5 }, deps);
    expect(c.password.reveal()).toBe('filepw');
    expect(c.requestTimeoutMs).toBe(2500);
  });

  it('lists every problem at once, never quoting a secret', async () => {
    const message = await problemOf({ url: 'ftp://x', password: 'literal-pw', password_env: 'ICINGA_PW', ca_file: '/missing', request_timeout: 0, extra: 1 });
    expect(message).toBe(
      'icinga: unknown key "extra" (expected one of url, user, password, password_env, password_file, ca_file, tls_server_name, request_timeout); ' +
        '"url" must be an https:// URL, found ftp:; "user" is required (the ApiUser name); ' +
        '"request_timeout" must be a positive number of seconds, found 0; ' +
        'give only one of "password", "password_env" and "password_file" (found "password", "password_env"); ' +
        '"ca_file" names the file /missing, which cannot be read (ENOENT)',
    );
    expect(message).not.toContain('literal-pw');
  });

  it('rejects a missing section, credentials in the url, an unset variable and a CA file without a certificate', async () => {
    expect(await problemOf(undefined)).toBe('icinga: the section is missing (a mapping with url, user and password_env)');
    expect(await problemOf(['x'])).toBe('icinga: must be a mapping with url, user and password_env (found a list)');
    expect(await problemOf({ url: 'https://a:b@icinga:5665', user: 'u', password_env: 'NOPE' })).toBe(
      'icinga: "url" must not contain credentials (use user and password_env); "password_env" names the environment variable NOPE, which is not set',
    );
    expect(await problemOf({ url: 'https://i', user: 'u', password: 'p', ca_file: '/junk' })).toBe('icinga: "ca_file" names the file /junk, which holds no PEM certificate');
    expect(await problemOf({ url: 'http://i', user: 'u', password: 'p', tls_server_name: 'x' })).toBe('icinga: "ca_file" and "tls_server_name" need an https:// url');
  });
});
