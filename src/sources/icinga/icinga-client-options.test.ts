import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { Secret, readSecret, resolveIcingaClientOptions } from './icinga-client-options.js';

const context = { ruleset: 'remediate', hostname: 'box1' };

function problems(args: unknown): string {
  try {
    resolveIcingaClientOptions(args, context);
  } catch (err: unknown) {
    expect((err as AutohealError).code).toBe(ErrorCode.SourceConfigInvalid);
    return (err as AutohealError).message;
  }
  throw new Error('expected a config error');
}

describe('resolveIcingaClientOptions', () => {
  it('applies the defaults, in milliseconds, with the queue named after host and ruleset', () => {
    expect(resolveIcingaClientOptions({ url: 'https://icinga.example.com:5665/', user: 'autoheal', password_env: 'ICINGA_PW' }, context)).toEqual({
      url: 'https://icinga.example.com:5665',
      user: 'autoheal',
      password: { kind: 'env', name: 'ICINGA_PW' },
      caFile: undefined,
      certFile: undefined,
      keyFile: undefined,
      tlsServerName: undefined,
      types: ['CheckResult', 'StateChange', 'Notification', 'AcknowledgementSet', 'AcknowledgementCleared'],
      filter: undefined,
      queue: 'autoheal-box1-remediate',
      reconcile: true,
      reconcileServiceFilter: 'service.state != 0',
      reconcileHostFilter: 'host.state != 0',
      backoff: { minMs: 1000, maxMs: 60_000 },
      connectTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      probeIntervalMs: 60_000,
    });
  });

  it('takes every option, ANDs reconcile filters with the problem test and drops duplicate types', () => {
    const o = resolveIcingaClientOptions(
      {
        url: 'https://127.0.0.1:5665/icinga',
        user: 'u',
        password_file: '/run/secrets/icinga',
        ca_file: '/etc/icinga-ca.crt',
        cert_file: 'c.pem',
        key_file: 'k.pem',
        tls_server_name: 'localhost',
        types: ['StateChange', 'DowntimeStarted', 'StateChange'],
        filter: 'event.host == "web01"',
        queue: 'q1',
        reconcile: false,
        reconcile_service_filter: '"web" in host.groups',
        reconcile_host_filter: 'host.vars.autoheal',
        backoff_min: 0.5,
        backoff_max: '5',
        connect_timeout: 2,
        request_timeout: 3,
        probe_interval: 0,
      },
      context,
    );
    expect(o).toMatchObject({
      url: 'https://127.0.0.1:5665/icinga',
      password: { kind: 'file', path: '/run/secrets/icinga' },
      types: ['StateChange', 'DowntimeStarted'],
      queue: 'q1',
      reconcile: false,
      reconcileServiceFilter: 'service.state != 0 && ("web" in host.groups)',
      reconcileHostFilter: 'host.state != 0 && (host.vars.autoheal)',
      backoff: { minMs: 500, maxMs: 5000 },
      connectTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      probeIntervalMs: 0,
    });
  });

  it('keeps an inline password out of JSON, strings and inspection', async () => {
    const o = resolveIcingaClientOptions({ url: 'https://i:5665', user: 'u', password: 'hunter2' }, context);
    expect(JSON.stringify(o)).toContain('"password":{"kind":"value","value":"[redacted]"}');
    const { inspect } = await import('node:util');
    expect(inspect(o, { depth: 5 })).not.toContain('hunter2');
    expect(`${String(o.password?.kind === 'value' && o.password.value)}`).toBe('[redacted]');
    expect(await readSecret(o.password!, {}, async () => Buffer.from(''))).toBe('hunter2');
  });

  it('accepts a client certificate instead of a user', () => {
    expect(resolveIcingaClientOptions({ url: 'https://i:5665', cert_file: 'c', key_file: 'k' }, context).user).toBeUndefined();
  });

  it('rejects unknown event types, which Icinga would silently ignore', () => {
    expect(problems({ url: 'https://i:5665', user: 'u', password: 'p', types: ['StateChnage', 'Flapping'] })).toBe(
      'autoheal.icinga: invalid arguments: types[0]: "StateChnage" is not an Icinga event type autoheal handles (CheckResult, StateChange, Notification, AcknowledgementSet, AcknowledgementCleared, CommentAdded, CommentRemoved, DowntimeAdded, DowntimeStarted, DowntimeTriggered, DowntimeRemoved); types[1]: "Flapping" is not an Icinga event type autoheal handles (CheckResult, StateChange, Notification, AcknowledgementSet, AcknowledgementCleared, CommentAdded, CommentRemoved, DowntimeAdded, DowntimeStarted, DowntimeTriggered, DowntimeRemoved)',
    );
  });

  it('reports every credential and URL problem at once, never quoting a password', () => {
    const message = problems({ url: 'ftp://x', password: 12345678, password_env: 'X', cert_file: 'c', backoff_min: 10, backoff_max: 1, tipes: [] });
    expect(message).toContain('url: must be an https:// URL, got ftp:');
    expect(message).toContain('password: must be a string, got a number');
    expect(message).not.toContain('12345678');
    expect(message).toContain('user: is required with a password');
    expect(message).toContain('key_file: cert_file and key_file go together');
    expect(message).toContain('backoff_max: must be at least backoff_min (10)');
    expect(message).toMatch(/tipes: unknown argument/);
    expect(problems({ user: 'u', password: 'p' })).toBe('autoheal.icinga: invalid arguments: url: is required (e.g. https://icinga.example.com:5665)');
    expect(problems({ url: 'https://u:pw@i:5665', user: 'u', password: 'p' })).toContain('url: must not contain credentials');
    expect(problems({ url: 'https://i:5665', user: 'u', password: 'p', password_file: 'f' })).toContain('give only one of password, password_env, password_file');
    expect(problems({ url: 'https://i:5665', user: 'u' })).toContain('user: needs one of password, password_env, password_file');
    expect(problems({ url: 'https://i:5665' })).toContain('user: is required (or cert_file and key_file');
    expect(problems({ url: 'http://i:5665', user: 'u', password: 'p', ca_file: 'ca' })).toContain('ca_file, cert_file and tls_server_name need an https:// URL');
    expect(problems({ url: 'https://i:5665', user: 'u', password: 'p', types: [] })).toContain('types: must list at least one event type');
  });
});

describe('readSecret', () => {
  const files: Record<string, string> = { '/pw': 'from-file\n' };
  const readFile = async (p: string): Promise<Buffer> => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${p}'`);
    return Buffer.from(text);
  };

  it('reads an inline value, an env var, or a file without its final newline', async () => {
    expect(await readSecret({ kind: 'value', value: new Secret('v') }, {}, readFile)).toBe('v');
    expect(await readSecret({ kind: 'env', name: 'PW' }, { PW: 'from-env' }, readFile)).toBe('from-env');
    expect(await readSecret({ kind: 'file', path: '/pw' }, {}, readFile)).toBe('from-file');
  });

  it('fails with the variable or file named', async () => {
    await expect(readSecret({ kind: 'env', name: 'PW' }, {}, readFile)).rejects.toThrow('autoheal.icinga: password_env: environment variable PW is not set');
    await expect(readSecret({ kind: 'file', path: '/nope' }, {}, readFile)).rejects.toThrow("autoheal.icinga: password_file: cannot read /nope: ENOENT: no such file, open '/nope'");
  });
});
