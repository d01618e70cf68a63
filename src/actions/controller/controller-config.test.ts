import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../core/index.js';
import { resolveControllerConfig } from './controller-config.js';

const noFiles = (path: string): Promise<string> => Promise.reject(Object.assign(new Error(`no ${path}`), { code: 'ENOENT' }));
const deps = (env: Record<string, string> = {}, files: Record<string, string> = {}) => ({
  env,
  readFile: (p: string) => (p in files ? Promise.resolve(files[p] as string) : noFiles(p)),
});

async function problem(raw: unknown, env: Record<string, string> = {}): Promise<string> {
  try {
    await resolveControllerConfig(raw, deps(env));
  } catch (err: unknown) {
    if (hasErrorCode(err, 'AH_CONTROLLER_CONFIG_INVALID')) return err.message;
    throw err;
  }
  throw new Error('resolved without a problem');
}

describe('resolveControllerConfig', () => {
  it('applies defaults in milliseconds and builds a bearer header', async () => {
    const c = await resolveControllerConfig({ url: 'https://awx.example.com', token: 't0k' }, deps());
    expect(c).toMatchObject({
      url: 'https://awx.example.com/',
      origin: 'https://awx.example.com',
      apiRootGiven: false,
      auth: { kind: 'token', authorization: 'Bearer t0k' },
      verifySsl: true,
      pollIntervalMs: 10_000,
      timeoutMs: 3_600_000,
      requestTimeoutMs: 30_000,
      jobLookupWindowMs: 86_400_000,
      stdoutTailBytes: 65_536,
    });
  });

  it('treats a URL with a path as the API root (gateway mode)', async () => {
    const c = await resolveControllerConfig({ url: 'https://gw.example.com/api/controller', token: 't' }, deps());
    expect(c).toMatchObject({ url: 'https://gw.example.com/api/controller/', apiRootGiven: true });
  });

  it('reads basic credentials from the environment and a file', async () => {
    const c = await resolveControllerConfig(
      { url: 'https://awx', username: 'eda', password_file: '/run/pw' },
      deps({}, { '/run/pw': 'p4ss\n' }),
    );
    expect(c.auth).toEqual({ kind: 'basic', username: 'eda', authorization: `Basic ${Buffer.from('eda:p4ss').toString('base64')}` });
  });

  it('falls back to the EDA_CONTROLLER_* variables', async () => {
    const c = await resolveControllerConfig(undefined, deps({ EDA_CONTROLLER_URL: 'https://awx:8443', EDA_CONTROLLER_TOKEN: 'envtok', EDA_CONTROLLER_SSL_VERIFY: 'no' }));
    expect(c).toMatchObject({ url: 'https://awx:8443/', auth: { authorization: 'Bearer envtok' }, verifySsl: false });
  });

  it('reads the CA file', async () => {
    const c = await resolveControllerConfig({ url: 'https://awx', token: 't', ca_file: '/ca.pem' }, deps({}, { '/ca.pem': 'PEM' }));
    expect(c).toMatchObject({ ca: 'PEM', caFile: '/ca.pem' });
  });

  it('reports every problem at once without quoting secrets', async () => {
    const message = await problem({ url: 'ftp://x', token: 'sekrit', password: 'pw', poll_interval: 0, colour: 'red' });
    expect(message).toContain('unknown option "colour"');
    expect(message).toContain('"url" must use http or https');
    expect(message).toContain('give either a token or a username and password');
    expect(message).toContain('"poll_interval" must be a number of seconds above 0');
    expect(message).not.toContain('sekrit');
  });

  it('requires a URL and credentials', async () => {
    const message = await problem({});
    expect(message).toContain('"url" is required (or set EDA_CONTROLLER_URL)');
    expect(message).toContain('credentials are required');
  });

  it('names a missing token variable and an unreadable CA file', async () => {
    const message = await problem({ url: 'https://awx', token_env: 'NOPE', ca_file: '/missing.pem' });
    expect(message).toContain('names the environment variable NOPE, which is not set');
    expect(message).toContain('"ca_file" names the file /missing.pem, which cannot be read (ENOENT)');
  });

  it('rejects credentials in the URL and a username without password', async () => {
    expect(await problem({ url: 'https://u:p@awx', token: 't' })).toContain('must not contain credentials');
    expect(await problem({ url: 'https://awx', username: 'eda' })).toContain('"username" needs "password"');
  });
});
