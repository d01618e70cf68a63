import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock } from '../core/index.js';
import type { SourceSpec } from '../rules/rulebook/index.js';
import { captureLogger, type CapturedLog } from '../../test/support/capture-logger.js';
import { FakeEventQueue } from '../../test/support/fake-event-queue.js';
import { createSourceServer, type SourceServer, type SourceServerOptions } from './source-server.js';

const TOKEN = 'gl-hook-token-5d1a';
const SIGNING_KEY = randomBytes(32);
const SIGNING_SECRET = `whsec_${SIGNING_KEY.toString('base64')}`;
const NOW_S = 1_795_300_000;
const position = { file: 'rulebooks/gitlab.yml', line: 6, col: 7 };

function spec(args: Record<string, unknown>): SourceSpec {
  return { name: 'gitlab', plugin: 'autoheal.gitlab', canonicalPlugin: 'autoheal.gitlab', args: { port: 0, ...args }, filters: [], position };
}

// An Issue Hook body as wire-formats.md §2.2 describes it (trimmed to what the normaliser reads).
const ISSUE = JSON.stringify({
  object_kind: 'issue',
  event_type: 'issue',
  user: { id: 51, name: 'Monitoring', username: 'monitoring' },
  project: { id: 14, path_with_namespace: 'ops/infra', web_url: 'https://gitlab.example.com/ops/infra' },
  object_attributes: {
    id: 301, iid: 23, title: 'rsyslog is down on web01', description: null, state: 'opened', action: 'open',
    author_id: 51, updated_at: '2026-11-21T22:52:00Z', url: 'https://gitlab.example.com/ops/infra/-/issues/23',
  },
  labels: [{ id: 206, title: 'service::rsyslog' }],
});

interface Harness {
  readonly server: SourceServer;
  readonly queue: FakeEventQueue;
  readonly log: CapturedLog;
}

let open: SourceServer[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

function harness(args: Record<string, unknown> = { token_env: 'GL_TOKEN' }, extra: Partial<SourceServerOptions> = {}): Harness {
  const queue = new FakeEventQueue();
  const log = captureLogger();
  let n = 0;
  const server = createSourceServer({
    source: spec(args),
    ruleset: 'issues',
    queue,
    logger: log.logger,
    clock: new ManualClock(NOW_S * 1000),
    newId: () => `ev-${++n}`,
    env: { GL_TOKEN: TOKEN, GL_SIGNING: SIGNING_SECRET },
    ...extra,
  });
  open.push(server);
  return { server, queue, log };
}

const hookHeaders = (event: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'GitLab/17.6.5',
  'x-gitlab-event': event,
  'x-gitlab-token': TOKEN,
  'x-gitlab-instance': 'https://gitlab.example.com',
  'x-gitlab-webhook-uuid': 'delivery-0001',
  'x-gitlab-event-uuid': 'event-uuid-0001',
  'idempotency-key': 'idem-0001',
  ...extra,
});

function signed(body: string, id = 'idem-0001', timestamp = NOW_S): Record<string, string> {
  const sig = createHmac('sha256', SIGNING_KEY).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${sig}` };
}

const post = (h: Harness, body: string, headers: Record<string, string>, url = '/gitlab') =>
  h.server.app.inject({ method: 'POST', url, headers, payload: body });

describe('gitlab source: accepted requests', () => {
  it('queues the Issue Hook with its Idempotency-Key as dedup key and logs the delivery ids', async () => {
    const h = harness();
    const res = await post(h, ISSUE, hookHeaders('Issue Hook'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, event_ids: ['ev-1'] });
    const queued = h.queue.queued[0]!;
    expect(queued.dedupKey).toBe('issues/gitlab:gl:idem-0001');
    expect(queued.event).toMatchObject({
      gitlab: { event: 'Issue Hook', project: 'ops/infra', event_uuid: 'event-uuid-0001' },
      issue: { iid: 23, action: 'open', labels: ['service::rsyslog'] },
      meta: { endpoint: 'gitlab', source: { name: 'gitlab', type: 'autoheal.gitlab' }, uuid: 'ev-1' },
    });
    const headers = (queued.event.meta as { headers: Record<string, string> }).headers;
    expect(Object.keys(headers)).not.toContain('x-gitlab-token');
    expect(h.log.lines().find((l) => l.msg === 'webhook accepted')).toMatchObject({
      ruleset: 'issues',
      source: 'gitlab',
      deliveryId: 'delivery-0001',
      gitlabEventUuid: 'event-uuid-0001',
      eventIds: ['ev-1'],
    });
  });

  it('answers a resend (same Idempotency-Key) with 202 and a duplicate', async () => {
    const h = harness();
    await post(h, ISSUE, hookHeaders('Issue Hook'));
    const resend = await post(h, ISSUE, hookHeaders('Issue Hook', { 'x-gitlab-webhook-uuid': 'delivery-0002' }));
    expect(resend.statusCode).toBe(202);
    expect(resend.json()).toEqual({ accepted: 0, duplicates: 1, event_ids: [] });
  });

  it('answers event types it does not handle with 202 and queues nothing', async () => {
    const h = harness();
    for (const [event, kind] of [['Push Hook', 'push'], ['Merge Request Hook', 'merge_request'], ['System Hook', 'repository_update']]) {
      const res = await post(h, JSON.stringify({ object_kind: kind }), hookHeaders(event!));
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: 0, duplicates: 0, event_ids: [], ignored: `unsupported X-Gitlab-Event "${event}"` });
    }
    expect(h.queue.calls).toBe(0);
  });

  it('ignores events caused by ignore_users (its own bot)', async () => {
    const h = harness({ token_env: 'GL_TOKEN', ignore_users: ['monitoring'] });
    const res = await post(h, ISSUE, hookHeaders('Issue Hook'));
    expect(res.json()).toMatchObject({ accepted: 0, ignored: 'event caused by an ignored user' });
    expect(h.queue.calls).toBe(0);
  });
});

describe('gitlab source: authentication', () => {
  it('refuses a missing or wrong X-Gitlab-Token with 401', async () => {
    const h = harness();
    const { 'x-gitlab-token': _token, ...noToken } = hookHeaders('Issue Hook');
    const missing = await post(h, ISSUE, noToken);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: ErrorCode.WebhookMissingCredentials, message: 'missing X-Gitlab-Token header' } });
    const wrong = await post(h, ISSUE, hookHeaders('Issue Hook', { 'x-gitlab-token': 'gl-hook-token-5d1b' }));
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: { code: ErrorCode.WebhookBadToken, message: 'invalid X-Gitlab-Token' } });
    expect(h.queue.calls).toBe(0);
  });

  it('accepts a Standard Webhooks signature over the raw body', async () => {
    const h = harness({ signing_secret_env: 'GL_SIGNING' });
    const { 'x-gitlab-token': _t, ...headers } = hookHeaders('Issue Hook');
    const res = await post(h, ISSUE, { ...headers, ...signed(ISSUE) });
    expect(res.statusCode).toBe(202);
  });

  it('answers 400 for missing signature headers, 401 for a bad or stale signature', async () => {
    const h = harness({ signing_secret_env: 'GL_SIGNING' });
    const { 'x-gitlab-token': _t, ...headers } = hookHeaders('Issue Hook');
    const missing = await post(h, ISSUE, headers);
    expect(missing.statusCode).toBe(400);
    expect((missing.json() as { error: { code: string } }).error.code).toBe(ErrorCode.WebhookMissingSignature);

    const tampered = await post(h, ISSUE.replace('web01', 'web02'), { ...headers, ...signed(ISSUE) });
    expect(tampered.statusCode).toBe(401);
    expect((tampered.json() as { error: { code: string } }).error.code).toBe(ErrorCode.WebhookBadSignature);

    const stale = await post(h, ISSUE, { ...headers, ...signed(ISSUE, 'idem-0001', NOW_S - 3600) });
    expect(stale.statusCode).toBe(401);
    expect((stale.json() as { error: { code: string } }).error.code).toBe(ErrorCode.WebhookStaleSignature);
    expect(h.queue.calls).toBe(0);
  });

  it('never falls back to the token for a signed request', async () => {
    const h = harness({ token_env: 'GL_TOKEN', signing_secret_env: 'GL_SIGNING' });
    const forged = { ...signed(ISSUE), 'webhook-signature': 'v1,AAAA' };
    const res = await post(h, ISSUE, hookHeaders('Issue Hook', forged));
    expect(res.statusCode).toBe(401);
    expect(h.queue.calls).toBe(0);
    const unsigned = await post(h, ISSUE, hookHeaders('Issue Hook'));
    expect(unsigned.statusCode).toBe(202);
  });
});

describe('gitlab source: refused requests', () => {
  it('answers 422 when the body does not match its X-Gitlab-Event', async () => {
    const h = harness();
    const res = await post(h, JSON.stringify({ object_kind: 'note' }), hookHeaders('Issue Hook'));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { code: ErrorCode.WebhookInvalidPayload, problems: [{ path: '$.object_kind' }] } });
  });

  it.each([
    ['malformed JSON', '{"object_kind":', 'application/json', 400, ErrorCode.WebhookMalformedJson],
    ['an empty body', '', 'application/json', 400, ErrorCode.WebhookEmptyBody],
    ['a form body', 'a=1', 'application/x-www-form-urlencoded', 415, ErrorCode.WebhookUnsupportedMediaType],
    ['a prototype-poisoning body', '{"__proto__": {"admin": true}, "object_kind": "issue"}', 'application/json', 400, ErrorCode.WebhookMalformedJson],
  ])('answers %s with %i', async (_name, body, type, status, code) => {
    const h = harness();
    const res = await post(h, body, hookHeaders('Issue Hook', { 'content-type': type }));
    expect(res.statusCode).toBe(status);
    expect((res.json() as { error: { code: string } }).error.code).toBe(code);
  });

  it('answers 413 beyond body_limit', async () => {
    const h = harness({ token_env: 'GL_TOKEN', body_limit: 64 });
    const res = await post(h, ISSUE, hookHeaders('Issue Hook'));
    expect(res.statusCode).toBe(413);
  });

  it('answers 503 with Retry-After when the queue is down (the one case GitLab loses the event)', async () => {
    const h = harness();
    h.queue.fail();
    const res = await post(h, ISSUE, hookHeaders('Issue Hook'));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(h.queue.queued).toHaveLength(0);
  });

  it('never logs the token nor the signing secret', async () => {
    const h = harness({ token_env: 'GL_TOKEN', signing_secret_env: 'GL_SIGNING' });
    await post(h, ISSUE, hookHeaders('Issue Hook'));
    await post(h, ISSUE, hookHeaders('Issue Hook', { 'x-gitlab-token': 'wrong' }));
    await post(h, ISSUE, hookHeaders('Issue Hook', signed(ISSUE)));
    const text = h.log.text();
    for (const secret of [TOKEN, SIGNING_SECRET, SIGNING_KEY.toString('base64'), 'rsyslog is down']) expect(text).not.toContain(secret);
  });
});
