import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../core/index.js';
import type { FilterSpec, SourceSpec } from '../rules/rulebook/index.js';
import { silentFilterLogger } from '../sources/index.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import { FakeEventQueue } from '../../test/support/fake-event-queue.js';
import { resolveSourceConfig, webhookSourceKind, type ResolveSourceConfigDeps, type SourceConfig } from './source-config.js';
import { createSourceServer, type SourceServer } from './source-server.js';

const position = { file: 'rulebooks/heal.yml', line: 4, col: 7 };
const PLUGINS = {
  alertmanager: ['ansible.eda.alertmanager', 'ansible.eda.alertmanager'],
  webhook: ['ansible.eda.webhook', 'eda.builtin.webhook'],
  gitlab: ['autoheal.gitlab', 'autoheal.gitlab'],
} as const;

function spec(kind: keyof typeof PLUGINS, args: Record<string, unknown>, filters: FilterSpec[] = []): SourceSpec {
  const [plugin, canonicalPlugin] = PLUGINS[kind];
  return { name: 'src', plugin, canonicalPlugin, args, filters, position };
}

const files: Record<string, string> = { '/run/secrets/am-token': 'file-token-123\n', '/run/secrets/empty': ' \n' };
const deps: ResolveSourceConfigDeps = {
  env: { AM_TOKEN: 'env-token-456', EMPTY: '' },
  readFile: async (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return text;
  },
  filterLogger: silentFilterLogger,
};

const resolve = (s: SourceSpec): Promise<SourceConfig> => resolveSourceConfig(s, 'heal', deps);

async function problems(s: SourceSpec): Promise<string[]> {
  try {
    await resolve(s);
  } catch (err: unknown) {
    expect(hasErrorCode(err, ErrorCode.SourceConfigInvalid)).toBe(true);
    return (err as Error).message.split('\n');
  }
  throw new Error('expected a configuration error');
}

const WHERE = 'rulebooks/heal.yml:4:7: source "src" (ansible.eda.alertmanager) of ruleset "heal"';

describe('resolveSourceConfig', () => {
  it('applies upstream defaults: alertmanager on localhost:5000, webhook on 0.0.0.0', async () => {
    const am = await resolve(spec('alertmanager', {}));
    expect(am).toMatchObject({ kind: 'alertmanager', host: 'localhost', port: 5000, bodyLimitBytes: 1048576, dedupPrefix: 'heal/src:', unauthenticated: true });
    const wh = await resolve(spec('webhook', { port: '8080' }));
    expect(wh).toMatchObject({ kind: 'webhook', host: '0.0.0.0', port: 8080, sourceType: 'ansible.eda.webhook', unauthenticated: true });
  });

  it('reads secrets from the environment and from files (trimmed), and flags literal ones', async () => {
    const fromEnv = await resolve(spec('alertmanager', { token_env: 'AM_TOKEN' }));
    expect(fromEnv).toMatchObject({ auth: { kind: 'bearer', tokens: ['env-token-456'] }, literalSecrets: [] });
    const fromFile = await resolve(spec('alertmanager', { token_file: '/run/secrets/am-token' }));
    expect(fromFile).toMatchObject({ auth: { kind: 'bearer', tokens: ['file-token-123'] } });
    const literal = await resolve(spec('webhook', { port: 1, token: 't', hmac_secret: 's' }));
    expect(literal).toMatchObject({ literalSecrets: ['token', 'hmac_secret'], unauthenticated: false });
    // A secret rendered from a variable (`token: "{{ WEBHOOK_TOKEN }}"` with -E) was not written in the rulebook.
    const rendered = await resolve({ ...spec('webhook', { port: 1, token: 't', hmac_secret: 's' }), renderedArgs: ['token'] });
    expect(rendered).toMatchObject({ literalSecrets: ['hmac_secret'] });
  });

  it('names the missing environment variable and the unreadable file', async () => {
    expect(await problems(spec('alertmanager', { token_env: 'AM_TOKN' }))).toEqual([
      `${WHERE}: "token_env" names the environment variable AM_TOKN, which is not set`,
    ]);
    expect(await problems(spec('alertmanager', { token_env: 'EMPTY' }))).toEqual([
      `${WHERE}: "token_env" names the environment variable EMPTY, which is empty`,
    ]);
    expect(await problems(spec('alertmanager', { token_file: '/run/secrets/nope' }))).toEqual([
      `${WHERE}: "token_file" names the file /run/secrets/nope, which cannot be read (ENOENT)`,
    ]);
    expect(await problems(spec('alertmanager', { token_file: '/run/secrets/empty' }))).toEqual([
      `${WHERE}: "token_file" names the file /run/secrets/empty, which is empty`,
    ]);
  });

  it('reports every problem of an entry at once', async () => {
    const found = await problems(spec('alertmanager', { tokne: 'x', port: 70000, body_limit: '1MB', token: 'a', token_env: 'AM_TOKEN' }));
    expect(found).toEqual([
      `${WHERE}: unknown argument "tokne"; did you mean "token"?`,
      `${WHERE}: "port" must be an integer from 0 to 65535, found a number`,
      `${WHERE}: "body_limit" must be a positive integer (bytes), found a string`,
      `${WHERE}: give only one of "token", "token_env" and "token_file" (found "token", "token_env")`,
    ]);
  });

  it('refuses ambiguous or incomplete Alertmanager auth', async () => {
    expect(await problems(spec('alertmanager', { token: 'a', basic_auth: { username: 'am', password: 'p' } }))).toEqual([
      `${WHERE}: give either "token" or "basic_auth", not both (Alertmanager sends one Authorization header)`,
    ]);
    expect(await problems(spec('alertmanager', { basic_auth: { username: 'am', pasword: 'p' } }))).toEqual([
      `${WHERE}: unknown argument "basic_auth.pasword"; did you mean "basic_auth.password"?`,
      `${WHERE}: "basic_auth" needs one of "password", "password_env" or "password_file"`,
    ]);
    expect(await problems(spec('alertmanager', { basic_auth: { username: 'am', password_env: 'NOPE' } }))).toEqual([
      `${WHERE}: "basic_auth.password_env" names the environment variable NOPE, which is not set`,
    ]);
  });

  it('checks upstream data options', async () => {
    expect(await problems(spec('alertmanager', { skip_original_data: 'yes' }))).toEqual([`${WHERE}: skip_original_data must be a boolean`]);
  });

  it('requires a port for the webhook source and refuses TLS arguments with a hint', async () => {
    const where = WHERE.replace('ansible.eda.alertmanager', 'ansible.eda.webhook');
    expect(await problems(spec('webhook', { certfile: '/etc/tls.pem' }))).toEqual([
      `${where}: "certfile" is not supported: autoheal does not terminate TLS itself yet; put a TLS proxy in front of the source`,
      `${where}: "port" is required`,
    ]);
  });

  it('checks HMAC options', async () => {
    const where = WHERE.replace('ansible.eda.alertmanager', 'ansible.eda.webhook');
    expect(await problems(spec('webhook', { port: 1, hmac_secret_env: 'AM_TOKEN', hmac_format: 'b64' }))).toEqual([
      `${where}: hmac_format must be "hex" or "base64"`,
    ]);
    expect(await problems(spec('webhook', { port: 1, hmac_secret_env: 'AM_TOKEN', hmac_algo: 'sha257' }))).toEqual([
      `${where}: unsupported HMAC algorithm "sha257"`,
    ]);
    expect(await problems(spec('webhook', { port: 1, hmac_algo: 'sha1' }))).toEqual([
      `${where}: "hmac_algo" is given but no "hmac_secret" (or "hmac_secret_env" / "hmac_secret_file")`,
    ]);
  });

  it('requires GitLab auth and a well-formed signing secret, without echoing it', async () => {
    const where = WHERE.replace('ansible.eda.alertmanager', 'autoheal.gitlab');
    expect(await problems(spec('gitlab', { port: 1 }))).toEqual([
      `${where}: needs "token" (X-Gitlab-Token) or "signing_secret" (or their _env / _file forms): GitLab hooks are never accepted unauthenticated`,
    ]);
    const found = await problems(spec('gitlab', { port: 1, signing_secret: 'whsec_!!not-base64!!' }));
    expect(found).toEqual([`${where}: the webhook signing secret must be "whsec_" followed by base64`]);
    expect(found.join('\n')).not.toContain('not-base64');
  });

  it('refuses unrendered templates and vault values', async () => {
    expect(await problems(spec('alertmanager', { token: '{{ am_token }}', port: { __vault__: '$ANSIBLE_VAULT;1.1;AES256' } }))).toEqual([
      `${WHERE}: "token" holds a template that was not rendered; source arguments must be rendered before the source starts`,
      `${WHERE}: "port" is vault-encrypted, which webhook sources do not support; give secrets in the _env or _file form`,
      `${WHERE}: "port" must be an integer from 0 to 65535, found a mapping`,
    ]);
  });

  it('compiles filters and reports a bad one at its own position', async () => {
    const bad: FilterSpec = { name: 'ansible.eda.json_filter', canonicalName: 'eda.builtin.json_filter', args: { exclude: ['x'] }, position: { file: 'rulebooks/heal.yml', line: 9, col: 11 } };
    expect(await problems(spec('alertmanager', {}, [bad]))).toEqual([
      'rulebooks/heal.yml:9:11: source "src" (ansible.eda.alertmanager) of ruleset "heal": filter ansible.eda.json_filter: unknown argument "exclude"',
    ]);
  });

  it('refuses plugins that are not served over HTTP', async () => {
    const range: SourceSpec = { ...spec('alertmanager', {}), plugin: 'range', canonicalPlugin: 'eda.builtin.range' };
    expect(webhookSourceKind(range)).toBeUndefined();
    await expect(resolve(range)).rejects.toThrow(/plugin "range" is not served over HTTP/);
  });
});

describe('createSourceServer start errors', () => {
  let open: SourceServer[] = [];
  afterEach(async () => {
    await Promise.all(open.map((s) => s.close()));
    open = [];
  });

  const server = (s: SourceSpec, env: Record<string, string> = {}) => {
    const created = createSourceServer({ source: s, ruleset: 'heal', queue: new FakeEventQueue(), logger: captureLogger().logger, env });
    open.push(created);
    return created;
  };

  it('rejects start() with the configuration error, position included', async () => {
    const err: unknown = await server(spec('webhook', { port: 0, token_env: 'WH_TOKEN' })).start().catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.SourceConfigInvalid)).toBe(true);
    expect((err as Error).message).toBe(
      'rulebooks/heal.yml:4:7: source "src" (ansible.eda.webhook) of ruleset "heal": "token_env" names the environment variable WH_TOKEN, which is not set',
    );
  });

  it('rejects start() with AH_HTTP_LISTEN_FAILED when the port is taken', async () => {
    const first = server(spec('webhook', { host: '127.0.0.1', port: 0 }));
    const { port } = await first.start();
    const err: unknown = await server(spec('webhook', { host: '127.0.0.1', port })).start().catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.HttpListenFailed)).toBe(true);
    expect((err as Error).message).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });
});
