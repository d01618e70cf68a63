import { describe, expect, it } from 'vitest';
import { hasErrorCode, ErrorCode, type SecretDeps } from '../../core/index.js';
import { DEFAULT_NOTIFY_TIMEOUT_MS, resolveNotifiersConfig } from './notifiers-config.js';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/SeCrEtPaTh';

const deps: SecretDeps = {
  env: { ZULIP_KEY: 'zulip-api-key-1', SLACK_URL, EMPTY: '' },
  readFile: async (path) => {
    if (path === '/run/secrets/mm') return '  https://mm.example.com/hooks/abcdefghijklmnopqrstuvwxyz\n';
    throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  },
};

async function problemsOf(raw: unknown): Promise<string[]> {
  try {
    await resolveNotifiersConfig(raw, deps);
  } catch (err: unknown) {
    if (!hasErrorCode(err, ErrorCode.NotifierConfigInvalid)) throw err;
    return err.message.split('\n');
  }
  throw new Error('expected a config error');
}

describe('resolveNotifiersConfig', () => {
  it('resolves every notifier type with its secrets and documented defaults', async () => {
    const config = await resolveNotifiersConfig(
      {
        ops: { type: 'zulip', url: 'https://zulip.example.com/', email: 'bot@zulip.example.com', api_key_env: 'ZULIP_KEY', stream: 'ops' },
        slack: { type: 'slack', url_env: 'SLACK_URL', channel: '#ops' },
        mm: { type: 'mattermost', url_file: '/run/secrets/mm', username: 'autoheal', icon_url: 'https://x/i.png', timeout_ms: 2500 },
        hook: { type: 'webhook', url: 'http://127.0.0.1:9/x?k=1', token: 'tok-123' },
      },
      deps,
    );
    expect(config.get('ops')).toEqual({
      type: 'zulip',
      name: 'ops',
      timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS,
      secrets: ['zulip-api-key-1'],
      messagesUrl: 'https://zulip.example.com/api/v1/messages',
      email: 'bot@zulip.example.com',
      apiKey: 'zulip-api-key-1',
      stream: 'ops',
      topic: 'autoheal',
    });
    expect(config.get('slack')).toEqual({ type: 'slack', name: 'slack', timeoutMs: 10_000, secrets: [SLACK_URL], url: SLACK_URL, channel: '#ops' });
    expect(config.get('mm')).toMatchObject({ type: 'mattermost', url: 'https://mm.example.com/hooks/abcdefghijklmnopqrstuvwxyz', username: 'autoheal', iconUrl: 'https://x/i.png', timeoutMs: 2500 });
    expect(config.get('hook')).toMatchObject({ type: 'webhook', url: 'http://127.0.0.1:9/x?k=1', token: 'tok-123', secrets: ['http://127.0.0.1:9/x?k=1', 'tok-123'] });
  });

  it('accepts a Zulip URL given with its API path, and a numeric stream id', async () => {
    const config = await resolveNotifiersConfig(
      { z: { type: 'zulip', url: 'https://z.example.com/api/v1/messages', email: 'b@z', api_key: 'k', stream: 12, topic: 'alerts' } },
      deps,
    );
    expect(config.get('z')).toMatchObject({ messagesUrl: 'https://z.example.com/api/v1/messages', stream: 12, topic: 'alerts' });
  });

  it('means no notifiers when the section is absent', async () => {
    expect((await resolveNotifiersConfig(undefined, deps)).size).toBe(0);
    expect((await resolveNotifiersConfig(null, deps)).size).toBe(0);
  });

  it('reports every problem at once, precisely, with suggestions', async () => {
    expect(
      await problemsOf({
        a: { type: 'zulp' },
        b: { type: 'zulip', url: 'https://z', email: 'b@z', api_key_env: 'MISSING', chanel: 'x' },
        c: { type: 'slack' },
        d: { type: 'mattermost', url_env: 'EMPTY', timeout_ms: -1 },
        e: 'zulip',
      }),
    ).toEqual([
      'notifiers.a: "type" must be one of zulip, slack, mattermost, webhook, found "zulp"; did you mean "zulip"?',
      'notifiers.b: unknown key "chanel" for a zulip notifier; expected one of type, timeout_ms, url, email, stream, topic, api_key, api_key_env, api_key_file',
      'notifiers.b: "api_key_env" names the environment variable MISSING, which is not set',
      'notifiers.c: missing "url" (or "url_env" / "url_file")',
      'notifiers.d: "timeout_ms" must be a positive integer (milliseconds), found -1',
      'notifiers.d: "url_env" names the environment variable EMPTY, which is empty',
      'notifiers.e: must be a mapping, found a string',
    ]);
  });

  it('never quotes a secret URL in its messages', async () => {
    const problems = await problemsOf({ s: { type: 'slack', url: 'ftp://hooks.example/SeCrEt' }, w: { type: 'webhook', url: 'not a url SeCrEt' } });
    expect(problems).toEqual([
      'notifiers.s: "url" must be an http or https URL, found the scheme "ftp"',
      'notifiers.w: "url" is not a valid URL',
    ]);
    expect(problems.join('\n')).not.toContain('SeCrEt');
  });

  it('rejects URLs with credentials and a section that is not a mapping', async () => {
    expect(await problemsOf({ w: { type: 'webhook', url: 'https://u:p@h/x' } })).toEqual(['notifiers.w: "url" must not contain user:password@']);
    expect(await problemsOf(['x'])).toEqual(['notifiers: must be a mapping of notifier names, found a list']);
  });
});
