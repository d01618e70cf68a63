import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { OutcomeStatus, type ActionContext, type ActionResult } from '../action-handler.js';
import type { FetchLike } from './http-exchange.js';
import { createNotifyHandler } from './notify-handler.js';
import type { NotifiersConfig, ResolvedNotifier } from './notifiers-config.js';

const API_KEY = 'zulip-key-9f8e7d';
const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/SlackSecretPath';
const MM_URL = 'https://mm.example.com/hooks/mmsecrethookid00000000000';
const HOOK_URL = 'https://hooks.example.com/in/HookSecret';

const NOTIFIERS: NotifiersConfig = new Map<string, ResolvedNotifier>([
  ['ops', { type: 'zulip', name: 'ops', timeoutMs: 5_000, secrets: [API_KEY], messagesUrl: 'https://zulip.example.com/api/v1/messages', email: 'bot@zulip.example.com', apiKey: API_KEY, stream: 'ops', topic: 'autoheal' }],
  ['nostream', { type: 'zulip', name: 'nostream', timeoutMs: 5_000, secrets: [API_KEY], messagesUrl: 'https://zulip.example.com/api/v1/messages', email: 'bot@zulip.example.com', apiKey: API_KEY, topic: 'autoheal' }],
  ['slack', { type: 'slack', name: 'slack', timeoutMs: 5_000, secrets: [SLACK_URL], url: SLACK_URL }],
  ['mm', { type: 'mattermost', name: 'mm', timeoutMs: 5_000, secrets: [MM_URL], url: MM_URL, channel: 'town-square', username: 'autoheal' }],
  ['hook', { type: 'webhook', name: 'hook', timeoutMs: 5_000, secrets: [HOOK_URL, 'hook-token-xyz'], url: HOOK_URL, token: 'hook-token-xyz' }],
]);

interface Sent {
  readonly url: string;
  readonly method: string | undefined;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A fetch that records requests and answers with `reply`. */
function recordingFetch(reply: () => Response | Promise<Response>): { fetch: FetchLike; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    sent.push({ url, method: init.method, headers: { ...(init.headers as Record<string, string>) }, body: String(init.body) });
    return reply();
  };
  return { fetch: fetchFn, sent };
}

function context(args: Record<string, unknown>, signal = new AbortController().signal): ActionContext {
  const noop = (): void => {};
  return {
    request: { dispatchKey: 'rs/rule/ev-1/0', ruleset: 'rs', rule: 'rule', action: 'notify', args, bindings: {}, eventIds: ['ev-1'] },
    attempt: 1,
    signal,
    clock: new ManualClock(Date.parse('2026-11-21T23:00:00Z')),
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const text = (status: number, body: string, headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/plain', ...headers } });

function expectNoSecret(result: ActionResult): void {
  const all = JSON.stringify(result);
  for (const secret of [API_KEY, SLACK_URL, 'SlackSecretPath', MM_URL, HOOK_URL, 'hook-token-xyz']) expect(all).not.toContain(secret);
}

describe('notify to Zulip', () => {
  it('posts a form-encoded stream message with Basic auth and reports the message id', async () => {
    const { fetch, sent } = recordingFetch(() => json(200, { result: 'success', msg: '', id: 42 }));
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'ops', message: 'rsyslog restarted on web01', title: 'autoheal' }));
    expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, details: { messageId: 42 } });
    expect(result.summary).toBe('notify zulip "ops": sent to stream "ops" topic "autoheal" (message 42)');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('https://zulip.example.com/api/v1/messages');
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`bot@zulip.example.com:${API_KEY}`).toString('base64')}`);
    expect(sent[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(sent[0]!.body))).toEqual({
      type: 'stream',
      to: '"ops"',
      topic: 'autoheal',
      content: '**autoheal**\nrsyslog restarted on web01',
    });
    expectNoSecret(result);
  });

  it('takes stream and topic from the rule, a numeric stream as a JSON number, and cuts long topics', async () => {
    const { fetch, sent } = recordingFetch(() => json(200, { result: 'success', msg: '', id: 1 }));
    const handler = createNotifyHandler(NOTIFIERS, { fetch });
    await handler.run(context({ target: 'nostream', message: 'm', stream: 12, topic: 'x'.repeat(70) }));
    const form = new URLSearchParams(sent[0]!.body);
    expect(form.get('to')).toBe('12');
    expect(form.get('topic')).toBe(`${'x'.repeat(59)}…`);
  });

  it('fails without a stream, before sending anything', async () => {
    const { fetch, sent } = recordingFetch(() => json(200, {}));
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'nostream', message: 'm' }));
    expect(result).toEqual({ status: OutcomeStatus.Failed, summary: 'notify zulip "nostream": no "stream" given and the notifier has no default stream' });
    expect(sent).toHaveLength(0);
  });

  it('reports Zulip errors by code, permanent for 400 and 401', async () => {
    const handler = (r: Response) => createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => r).fetch });
    const missing = await handler(json(400, { code: 'STREAM_DOES_NOT_EXIST', msg: "Channel 'ops' does not exist", result: 'error', stream: 'ops' })).run(context({ target: 'ops', message: 'm' }));
    expect(missing).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 400 });
    expect(missing.summary).toBe('notify zulip "ops": HTTP 400: STREAM_DOES_NOT_EXIST: Channel \'ops\' does not exist');
    const badKey = await handler(json(401, { code: 'INVALID_API_KEY', msg: 'Invalid API key', result: 'error' })).run(context({ target: 'ops', message: 'm' }));
    expect(badKey).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, summary: 'notify zulip "ops": HTTP 401: INVALID_API_KEY: Invalid API key (check the credentials)' });
  });

  it('retries a 429 after Retry-After, or after the retry-after of the JSON body', async () => {
    const limited = { code: 'RATE_LIMIT_HIT', msg: 'API usage exceeded rate limit', result: 'error', 'retry-after': 28.7 };
    const withHeader = await createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => json(429, limited, { 'retry-after': '3' })).fetch }).run(context({ target: 'ops', message: 'm' }));
    expect(withHeader).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, retryAfterMs: 3_000, httpStatus: 429 });
    const bodyOnly = await createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => json(429, limited)).fetch }).run(context({ target: 'ops', message: 'm' }));
    expect(bodyOnly).toMatchObject({ retryable: true, retryAfterMs: 28_700 });
  });

  it('treats a 200 that is not {"result":"success"} as a failure', async () => {
    const result = await createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => text(200, '<html>proxy</html>')).fetch }).run(context({ target: 'ops', message: 'm' }));
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, summary: 'notify zulip "ops": HTTP 200 without {"result":"success"}' });
  });
});

describe('notify to Slack and Mattermost webhooks', () => {
  it('posts Slack JSON with the title in bold and succeeds on "ok"', async () => {
    const { fetch, sent } = recordingFetch(() => text(200, 'ok'));
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'slack', message: 'done', title: 'autoheal' }));
    expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, summary: 'notify slack "slack": sent to the webhook' });
    expect(sent[0]!.url).toBe(SLACK_URL);
    expect(JSON.parse(sent[0]!.body)).toEqual({ text: '*autoheal*\ndone' });
    expectNoSecret(result);
  });

  it('quotes Slack error strings; 4xx is permanent, 5xx and 429 are retryable', async () => {
    const run = (r: Response) => createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => r).fetch }).run(context({ target: 'slack', message: 'm', stream: '#gone' }));
    expect(await run(text(404, 'channel_not_found'))).toMatchObject({ retryable: false, summary: 'notify slack "slack": HTTP 404: channel_not_found' });
    expect(await run(text(500, 'rollup_error'))).toMatchObject({ retryable: true, summary: 'notify slack "slack": HTTP 500: rollup_error' });
    expect(await run(text(429, 'rate_limited', { 'retry-after': '1' }))).toMatchObject({ retryable: true, retryAfterMs: 1_000 });
    expect(await run(text(302, ''))).toMatchObject({ retryable: false, summary: 'notify slack "slack": HTTP 302 redirect: check the notifier URL' });
  });

  it('posts Mattermost JSON with channel and username, and reads AppError messages', async () => {
    const { fetch, sent } = recordingFetch(() =>
      json(400, { id: 'web.incoming_webhook.text.app_error', message: 'No text specified.', detailed_error: '', request_id: 'r', status_code: 400 }),
    );
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'mm', message: 'hello', title: 'T' }));
    expect(JSON.parse(sent[0]!.body)).toEqual({ text: '**T**\nhello', channel: 'town-square', username: 'autoheal' });
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, summary: 'notify mattermost "mm": HTTP 400: No text specified. (web.incoming_webhook.text.app_error)' });
    expectNoSecret(result);
  });

  it('does not retry Mattermost 501 (webhooks disabled)', async () => {
    const result = await createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => json(501, { id: 'x', message: 'Incoming webhooks have been disabled by the system admin.' })).fetch }).run(
      context({ target: 'mm', message: 'm' }),
    );
    expect(result).toMatchObject({ retryable: false, httpStatus: 501 });
    expect(result.summary).toContain('incoming webhooks are disabled on the server (HTTP 501)');
  });
});

describe('notify to a generic webhook', () => {
  it('posts JSON with the rule context, a bearer token and the dispatch key as Idempotency-Key', async () => {
    const { fetch, sent } = recordingFetch(() => json(202, { accepted: true }));
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'hook', message: 'm', title: 't', topic: 'x' }));
    expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 202 });
    expect(sent[0]!.headers).toMatchObject({ authorization: 'Bearer hook-token-xyz', 'idempotency-key': 'rs/rule/ev-1/0', 'content-type': 'application/json' });
    expect(JSON.parse(sent[0]!.body)).toEqual({ message: 'm', title: 't', topic: 'x', ruleset: 'rs', rule: 'rule', dispatch_key: 'rs/rule/ev-1/0', event_ids: ['ev-1'] });
    expectNoSecret(result);
  });

  it('redacts secrets a server echoes back', async () => {
    const result = await createNotifyHandler(NOTIFIERS, { fetch: recordingFetch(() => text(403, `token hook-token-xyz not allowed for ${HOOK_URL}`)).fetch }).run(context({ target: 'hook', message: 'm' }));
    expect(result.summary).toBe('notify webhook "hook": HTTP 403: token [redacted] not allowed for [redacted] (check the credentials)');
    expectNoSecret(result);
  });
});

describe('notify failures before an answer', () => {
  it('is retryable on a connection error and names its cause, not the URL', async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ECONNREFUSED ${SLACK_URL}`), { code: 'ECONNREFUSED' }) });
    };
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'slack', message: 'm' }));
    expect(result).toEqual({ status: OutcomeStatus.Failed, summary: 'notify slack "slack": cannot reach the server (ECONNREFUSED)', retryable: true });
  });

  it('stops when the action is aborted', async () => {
    const controller = new AbortController();
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        controller.abort();
      });
    const result = await createNotifyHandler(NOTIFIERS, { fetch }).run(context({ target: 'ops', message: 'm' }, controller.signal));
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, summary: 'notify zulip "ops": aborted before an answer arrived' });
  });

  it('times out after the notifier timeout', async () => {
    const quick = new Map([['ops', { ...NOTIFIERS.get('ops')!, timeoutMs: 1 }]]);
    const fetch: FetchLike = (_url, init) => new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const result = await createNotifyHandler(quick, { fetch }).run(context({ target: 'ops', message: 'm' }));
    expect(result).toEqual({ status: OutcomeStatus.TimedOut, summary: 'notify zulip "ops": no answer within 1 ms', retryable: true });
  });

  it('rejects an unknown target and a bad message without sending', async () => {
    const { fetch, sent } = recordingFetch(() => text(200, 'ok'));
    const handler = createNotifyHandler(NOTIFIERS, { fetch });
    expect(await handler.run(context({ target: 'opz', message: 'm' }))).toEqual({
      status: OutcomeStatus.Failed,
      summary: 'notify: no notifier named "opz" in the engine config (known: ops, nostream, slack, mm, hook)',
    });
    expect((await handler.run(context({ target: 'ops', message: { a: 1 } }))).summary).toBe('notify: "message" must be a non-empty string, found a mapping');
    expect((await handler.run(context({ target: 'ops', message: ' ' }))).summary).toBe('notify: "message" must be a non-empty string, found a string');
    expect(sent).toHaveLength(0);
    expect(handler.safeToRepeat).toBe(true);
    expect(handler.name).toBe('notify');
  });
});
