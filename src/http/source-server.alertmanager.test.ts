import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock } from '../core/index.js';
import type { FilterSpec, SourceSpec } from '../rules/rulebook/index.js';
import { captureLogger, type CapturedLog } from '../../test/support/capture-logger.js';
import { FakeEventQueue } from '../../test/support/fake-event-queue.js';
import { createSourceServer, type SourceServer, type SourceServerOptions } from './source-server.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

interface Capture {
  readonly headers: Record<string, string>;
  readonly body: string;
}
// Two real Alertmanager 0.25.0 requests (firing, then resolved), bearer `acc-bearer-token-1`.
const [FIRING, RESOLVED] = readFileSync(`${FIXTURES}alertmanager-webhooks.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Capture) as [Capture, Capture];
const TOKEN = 'acc-bearer-token-1';
const START = Date.UTC(2026, 10, 21, 23, 32, 58, 330);

const position = { file: 'rulebooks/heal.yml', line: 4, col: 7 };
const filter = (name: string, args: Record<string, unknown>): FilterSpec => ({ name, canonicalName: name, args, position: { ...position, line: 9 } });

function spec(args: Record<string, unknown>, filters: FilterSpec[] = []): SourceSpec {
  return { name: 'am', plugin: 'ansible.eda.alertmanager', canonicalPlugin: 'ansible.eda.alertmanager', args, filters, position };
}

interface Harness {
  readonly server: SourceServer;
  readonly queue: FakeEventQueue;
  readonly log: CapturedLog;
  readonly clock: ManualClock;
}

let open: SourceServer[] = [];
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()));
  open = [];
});

function harness(args: Record<string, unknown> = { token: TOKEN }, extra: Partial<SourceServerOptions> & { filters?: FilterSpec[] } = {}): Harness {
  const queue = new FakeEventQueue();
  const log = captureLogger();
  const clock = new ManualClock(START);
  let n = 0;
  const server = createSourceServer({
    source: spec(args, extra.filters),
    ruleset: 'heal',
    queue,
    logger: log.logger,
    clock,
    newId: () => `ev-${++n}`,
    newRequestId: () => 'req-1',
    env: {},
    ...extra,
  });
  open.push(server);
  return { server, queue, log, clock };
}

function post(h: Harness, body: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, url = '/alertmanager') {
  return h.server.app.inject({ method: 'POST', url, headers, payload: body });
}

const amHeaders = (c: Capture): Record<string, string> => {
  const { host: _host, 'content-length': _length, ...rest } = c.headers;
  return rest;
};

describe('alertmanager source: accepted requests', () => {
  it('queues the body event and one event per alert, then answers 202 with their ids', async () => {
    const h = harness();
    const res = await post(h, FIRING.body, amHeaders(FIRING));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, event_ids: ['ev-1', 'ev-2'] });

    expect(h.queue.batches).toHaveLength(1);
    const batch = h.queue.batches[0]!;
    expect(batch.ruleset).toBe('heal');
    const [whole, alert] = batch.events as [(typeof batch.events)[number], (typeof batch.events)[number]];
    expect(whole.id).toBe('ev-1');
    expect(whole.source).toBe('am');
    expect(whole.receivedAt).toBe(START);
    expect(whole.dedupKey).toMatch(/^heal\/am:am:group:[0-9a-f]{64}$/);
    expect(whole.event).toMatchObject({
      payload: { receiver: 'acc-webhook', status: 'firing', version: '4' },
      meta: {
        endpoint: 'alertmanager',
        source: { name: 'am', type: 'ansible.eda.alertmanager' },
        received_at: '2026-11-21T23:32:58.330000Z',
        uuid: 'ev-1',
      },
    });
    expect(alert.dedupKey).toBe('heal/am:am:13a8d24f6effc9ac:firing:2026-11-21T23:32:57.289Z');
    expect(alert.event).toMatchObject({
      alert: { labels: { alertname: 'AccHttpDown', instance: 'web01' }, status: 'firing' },
      meta: { endpoint: 'alertmanager', hosts: ['web01'], source: { name: 'am', type: 'ansible.eda.alertmanager' }, uuid: 'ev-2' },
    });
    const headers = (alert.event.meta as { headers: Record<string, string> }).headers;
    expect(headers['user-agent']).toBe('Alertmanager/0.25.0');
    expect(Object.keys(headers).map((k) => k.toLowerCase())).not.toContain('authorization');
  });

  it('reports a resent notification as duplicates and queues nothing new', async () => {
    const h = harness();
    await post(h, FIRING.body, amHeaders(FIRING));
    const again = await post(h, FIRING.body, amHeaders(FIRING));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ accepted: 0, duplicates: 2, event_ids: [] });
    expect(h.queue.queued).toHaveLength(2);

    const resolved = await post(h, RESOLVED.body, amHeaders(RESOLVED));
    expect(resolved.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(h.queue.queued[3]!.dedupKey).toBe('heal/am:am:13a8d24f6effc9ac:resolved:2026-11-21T23:32:57.289Z');
  });

  it('applies the source filters before queueing', async () => {
    const h = harness({ token: TOKEN, skip_original_data: true }, { filters: [filter('eda.builtin.json_filter', { exclude_keys: ['annotations', 'generatorURL'] })] });
    const res = await post(h, FIRING.body, amHeaders(FIRING));
    expect(res.json()).toMatchObject({ accepted: 1 });
    const alert = h.queue.queued[0]!.event.alert as Record<string, unknown>;
    expect(alert).not.toHaveProperty('annotations');
    expect(alert).not.toHaveProperty('generatorURL');
    expect(alert).toHaveProperty('fingerprint', '13a8d24f6effc9ac');
  });

  it('accepts HTTP Basic credentials when basic_auth is configured', async () => {
    const h = harness({ basic_auth: { username: 'alertmanager', password_env: 'AM_PASSWORD' } }, { env: { AM_PASSWORD: 'p@ss:word' } });
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const ok = await post(h, FIRING.body, { authorization: basic('alertmanager', 'p@ss:word'), 'content-type': 'application/json' });
    expect(ok.statusCode).toBe(202);
    const bad = await post(h, FIRING.body, { authorization: basic('alertmanager', 'nope'), 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: { code: ErrorCode.WebhookBadToken, message: 'invalid user name or password' } });
    const bearer = await post(h, FIRING.body, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(bearer.json()).toMatchObject({ error: { code: ErrorCode.WebhookBadToken } });
    expect(h.queue.calls).toBe(1);
  });

  it('answers GET / with "up" as upstream', async () => {
    const res = await harness().server.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('up');
  });
});

describe('alertmanager source: refused requests', () => {
  const json = { 'content-type': 'application/json' };
  const authed = { ...json, authorization: `Bearer ${TOKEN}` };
  const cases: Array<{ name: string; args?: Record<string, unknown>; headers: Record<string, string>; body: string; url?: string; status: number; code: ErrorCode }> = [
    { name: 'no Authorization header', headers: json, body: FIRING.body, status: 401, code: ErrorCode.WebhookMissingCredentials },
    { name: 'a wrong bearer token', headers: { ...json, authorization: 'Bearer acc-bearer-token-2' }, body: FIRING.body, status: 401, code: ErrorCode.WebhookBadToken },
    { name: 'another scheme', headers: { ...json, authorization: `Token ${TOKEN}` }, body: FIRING.body, status: 401, code: ErrorCode.WebhookBadToken },
    { name: 'no credentials, even with a malformed body (auth comes first)', headers: json, body: '{oops', status: 401, code: ErrorCode.WebhookMissingCredentials },
    { name: 'no credentials and a non-JSON type (auth comes first)', headers: { 'content-type': 'text/plain' }, body: 'hi', status: 401, code: ErrorCode.WebhookMissingCredentials },
    { name: 'malformed JSON', headers: authed, body: '{"receiver": ', status: 400, code: ErrorCode.WebhookMalformedJson },
    { name: 'an empty JSON body', headers: authed, body: '', status: 400, code: ErrorCode.WebhookEmptyBody },
    { name: 'no body and no content type', headers: { authorization: `Bearer ${TOKEN}` }, body: '', status: 400, code: ErrorCode.WebhookEmptyBody },
    { name: 'a __proto__ key', headers: authed, body: '{"receiver":"x","__proto__":{"polluted":true}}', status: 400, code: ErrorCode.WebhookMalformedJson },
    { name: 'a constructor.prototype key', headers: authed, body: '{"constructor":{"prototype":{"polluted":true}}}', status: 400, code: ErrorCode.WebhookMalformedJson },
    { name: 'text/plain', headers: { ...authed, 'content-type': 'text/plain' }, body: FIRING.body, status: 415, code: ErrorCode.WebhookUnsupportedMediaType },
    { name: 'form encoding', headers: { ...authed, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1', status: 415, code: ErrorCode.WebhookUnsupportedMediaType },
    { name: 'a body over body_limit', args: { token: TOKEN, body_limit: 100 }, headers: authed, body: FIRING.body, status: 413, code: ErrorCode.WebhookBodyTooLarge },
    { name: 'POST / (no endpoint segment)', headers: authed, body: FIRING.body, url: '/', status: 405, code: ErrorCode.HttpMethodNotAllowed },
    { name: 'two path segments', headers: authed, body: FIRING.body, url: '/a/b', status: 404, code: ErrorCode.HttpNotFound },
  ];
  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.name}, queueing nothing`, async () => {
      const h = harness(c.args);
      const res = await post(h, c.body, c.headers, c.url);
      expect(res.statusCode).toBe(c.status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe(c.code);
      expect(body.error.message).toEqual(expect.any(String));
      expect(Object.keys(body)).toEqual(['error']);
      expect(h.queue.calls).toBe(0);
    });
  }

  it('lists every problem of a body of the wrong shape in a 422', async () => {
    const h = harness();
    const res = await post(h, JSON.stringify({ version: '4', receiver: 7, status: 'firing' }), { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(res.statusCode).toBe(422);
    const body = res.json() as { error: { code: string; problems: Array<{ path: string; message: string }> } };
    expect(body.error.code).toBe(ErrorCode.WebhookInvalidPayload);
    expect(body.error.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['$.receiver', '$.alerts']));
    expect(h.queue.calls).toBe(0);
  });

  it('answers 405 with Allow for other methods on an endpoint and on /', async () => {
    const h = harness();
    const get = await h.server.app.inject({ method: 'GET', url: '/alertmanager' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const post405 = await post(h, FIRING.body, undefined, '/');
    expect(post405.headers.allow).toBe('GET, HEAD');
  });

  it('answers 503 with Retry-After when the queue is down, and takes the resend once it is back', async () => {
    const h = harness();
    h.queue.fail();
    const res = await post(h, FIRING.body, amHeaders(FIRING));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: { code: ErrorCode.QueueUnavailable, message: 'redis is down' } });
    expect(h.queue.queued).toHaveLength(0);

    h.queue.recover();
    const retry = await post(h, FIRING.body, amHeaders(FIRING));
    expect(retry.json()).toMatchObject({ accepted: 2, duplicates: 0 });
  });

  it('answers 500 with a constant message when the queue fails unexpectedly', async () => {
    const h = harness();
    h.queue.fail(new Error('connection string redis://:hunter2@redis is wrong'));
    const res = await post(h, FIRING.body, amHeaders(FIRING));
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: ErrorCode.HttpInternal, message: 'internal error' } });
  });

  it('answers 503 when the queue does not answer within handlerTimeout', async () => {
    const h = harness(undefined, { timeouts: { handlerMs: 20 } });
    const held = h.queue.hold();
    const res = await post(h, FIRING.body, amHeaders(FIRING));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: ErrorCode.HttpHandlerTimeout } });
    expect(res.headers['retry-after']).toBe('5');
    held.release();
  });
});

describe('alertmanager source: logs', () => {
  it('logs constant messages with context, never the token nor the payload', async () => {
    const h = harness({ token: TOKEN });
    await post(h, FIRING.body, amHeaders(FIRING));
    await post(h, FIRING.body, { authorization: 'Bearer wrong-token-value', 'content-type': 'application/json' });
    await post(h, FIRING.body, { 'content-type': 'application/json' });

    const text = h.log.text();
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('wrong-token-value');
    expect(text).not.toContain('AccHttpDown');
    const lines = h.log.lines();
    expect(lines.find((l) => l.msg === 'secret written literally in the rulebook; prefer the _env or _file form')).toMatchObject({ arguments: ['token'] });
    expect(lines.find((l) => l.msg === 'webhook accepted')).toMatchObject({ ruleset: 'heal', source: 'am', reqId: 'req-1', eventIds: ['ev-1', 'ev-2'] });
    expect(lines.filter((l) => l.msg === 'webhook request refused').map((l) => l.code)).toEqual([
      ErrorCode.WebhookBadToken,
      ErrorCode.WebhookMissingCredentials,
    ]);
  });

  it('warns when the source accepts unauthenticated requests, as upstream allows', async () => {
    const h = harness({});
    const res = await post(h, FIRING.body, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(202);
    expect(h.log.lines().some((l) => l.msg === 'webhook source accepts unauthenticated requests; configure a token')).toBe(true);
  });
});
