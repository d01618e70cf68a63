import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock } from '../core/index.js';
import type { FilterSpec, SourceSpec } from '../rules/rulebook/index.js';
import { captureLogger, type CapturedLog } from '../../test/support/capture-logger.js';
import { FakeEventQueue } from '../../test/support/fake-event-queue.js';
import { createSourceServer, type SourceServer, type SourceServerOptions } from './source-server.js';

const TOKEN = 'wh-token-9f2c1e';
const HMAC_SECRET = 'wh-hmac-secret-77ab';
const position = { file: 'rulebooks/hooks.yml', line: 12, col: 9 };

function spec(args: Record<string, unknown>, filters: FilterSpec[] = [], plugin = 'ansible.eda.webhook'): SourceSpec {
  return { name: 'hooks', plugin, canonicalPlugin: 'eda.builtin.webhook', args, filters, position };
}

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

function harness(args: Record<string, unknown>, extra: Partial<SourceServerOptions> & { filters?: FilterSpec[]; plugin?: string } = {}): Harness {
  const queue = new FakeEventQueue();
  const log = captureLogger();
  let n = 0;
  const server = createSourceServer({
    source: spec({ port: 0, ...args }, extra.filters, extra.plugin),
    ruleset: 'deploys',
    queue,
    logger: log.logger,
    clock: new ManualClock(Date.UTC(2026, 10, 22, 8, 0, 0)),
    newId: () => `ev-${++n}`,
    env: { WH_TOKEN: TOKEN, WH_HMAC: HMAC_SECRET },
    ...extra,
  });
  open.push(server);
  return { server, queue, log };
}

const post = (h: Harness, url: string, body: string, headers: Record<string, string>) =>
  h.server.app.inject({ method: 'POST', url, headers, payload: body });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmacHex = (s: string, secret = HMAC_SECRET) => createHmac('sha256', secret).update(s).digest('hex');

describe('webhook source: accepted requests', () => {
  it('queues {payload, meta} for any path and keys it by the SHA-256 of the raw bytes', async () => {
    const h = harness({ token_env: 'WH_TOKEN' });
    const body = '{ "message" :  "hi" }';
    const res = await post(h, '/hooks/deploy', body, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'x-custom': 'yes' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0, event_ids: ['ev-1'] });
    const queued = h.queue.queued[0]!;
    expect(queued.dedupKey).toBe(`deploys/hooks:wh:hooks/deploy:sha256:${sha256(body)}`);
    expect(queued.event).toMatchObject({
      payload: { message: 'hi' },
      meta: { endpoint: 'hooks/deploy', headers: { 'x-custom': 'yes' }, source: { name: 'hooks', type: 'ansible.eda.webhook' }, uuid: 'ev-1' },
    });
    expect((queued.event.meta as { headers: Record<string, string> }).headers).not.toHaveProperty('authorization');
  });

  it('takes POST / (endpoint ""), any JSON value, and keeps big integers exact', async () => {
    const h = harness({});
    expect((await post(h, '/', '[1, 2]', { 'content-type': 'application/json' })).statusCode).toBe(202);
    expect((await post(h, '/n', '{"n": 123456789012345678901234567890}', { 'content-type': 'application/json' })).statusCode).toBe(202);
    expect(h.queue.queued[0]!.event).toMatchObject({ payload: [1, 2], meta: { endpoint: '' } });
    expect((h.queue.queued[1]!.event.payload as { n: unknown }).n).toBe(123456789012345678901234567890n);
  });

  it('reports a repeated Idempotency-Key as a duplicate', async () => {
    const h = harness({});
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'k-1' };
    await post(h, '/x', '{"a":1}', headers);
    const again = await post(h, '/x', '{"a":2}', headers);
    expect(again.json()).toEqual({ accepted: 0, duplicates: 1, event_ids: [] });
    expect(h.queue.queued.map((e) => e.dedupKey)).toEqual(['deploys/hooks:wh:x:idempotency-key:k-1']);
  });

  it('gives each part of a split event its own id and dedup key', async () => {
    const splitter: FilterSpec = {
      name: 'eda.builtin.event_splitter',
      canonicalName: 'eda.builtin.event_splitter',
      args: { splitter_key: 'payload.hosts' },
      position: { ...position, line: 16 },
    };
    const h = harness({}, { filters: [splitter] });
    const res = await post(h, '/split', '{"hosts": [{"name": "web01"}, {"name": "web02"}]}', { 'content-type': 'application/json', 'x-request-id': 'r-9' });
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, event_ids: ['ev-1', 'ev-2'] });
    expect(h.queue.queued.map((e) => [e.event.name, e.dedupKey])).toEqual([
      ['web01', 'deploys/hooks:wh:split:request-id:r-9#0'],
      ['web02', 'deploys/hooks:wh:split:request-id:r-9#1'],
    ]);
    expect(h.queue.queued.map((e) => (e.event.meta as { uuid: string }).uuid)).toEqual(['ev-1', 'ev-2']);
  });

  it('honours an explicit insert_meta_info entry and still stamps the queue id as meta.uuid', async () => {
    const explicit: FilterSpec = {
      name: 'ansible.eda.insert_meta_info',
      canonicalName: 'eda.builtin.insert_meta_info',
      args: { source_name: 'ci' },
      position,
    };
    const h = harness({}, { filters: [explicit] });
    await post(h, '/x', '{}', { 'content-type': 'application/json' });
    expect(h.queue.queued[0]!.event.meta).toMatchObject({ source: { name: 'ci', type: 'ansible.eda.webhook' }, uuid: 'ev-1' });
  });
});

describe('webhook source: HMAC over the raw bytes', () => {
  const body = '{"ref":  "main"}\n';

  it('accepts a hex signature with or without the sha256= prefix', async () => {
    const h = harness({ hmac_secret_env: 'WH_HMAC' });
    for (const sig of [hmacHex(body), `sha256=${hmacHex(body)}`]) {
      const res = await post(h, '/gh', body, { 'content-type': 'application/json', 'x-hub-signature-256': sig, 'idempotency-key': sig });
      expect(res.statusCode).toBe(202);
    }
  });

  it('accepts a base64 signature in a custom header', async () => {
    const h = harness({ hmac_secret_env: 'WH_HMAC', hmac_format: 'base64', hmac_header: 'X-Signature', hmac_algo: 'sha512' });
    const sig = createHmac('sha512', HMAC_SECRET).update(body).digest('base64');
    const res = await post(h, '/gh', body, { 'content-type': 'application/json', 'x-signature': sig });
    expect(res.statusCode).toBe(202);
  });

  it('answers 400 when the signature header is missing and 401 when it does not match', async () => {
    const h = harness({ hmac_secret_env: 'WH_HMAC' });
    const missing = await post(h, '/gh', body, { 'content-type': 'application/json' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual({ error: { code: ErrorCode.WebhookMissingSignature, message: 'signature header not found' } });

    // Same JSON, other bytes: a signature over the re-serialised value must not pass.
    const reserialised = JSON.stringify(JSON.parse(body));
    const bad = await post(h, '/gh', body, { 'content-type': 'application/json', 'x-hub-signature-256': hmacHex(reserialised) });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: { code: ErrorCode.WebhookBadSignature, message: 'HMAC verification failed' } });

    const noBody = await h.server.app.inject({ method: 'POST', url: '/gh', headers: { 'x-hub-signature-256': hmacHex('{}') } });
    expect(noBody.statusCode).toBe(401);
    expect(h.queue.calls).toBe(0);
  });

  it('checks the token before the signature, as upstream', async () => {
    const h = harness({ token_env: 'WH_TOKEN', hmac_secret_env: 'WH_HMAC' });
    const res = await post(h, '/gh', body, { 'content-type': 'application/json' });
    expect(res.json()).toMatchObject({ error: { code: ErrorCode.WebhookMissingCredentials } });
    const both = await post(h, '/gh', body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-hub-signature-256': hmacHex(body) });
    expect(both.statusCode).toBe(202);
  });
});

describe('webhook source: refused requests', () => {
  const json = { 'content-type': 'application/json' };
  const cases: Array<{ name: string; args?: Record<string, unknown>; headers: Record<string, string>; body: string; status: number; code: ErrorCode }> = [
    { name: 'no bearer token', args: { token_env: 'WH_TOKEN' }, headers: json, body: '{}', status: 401, code: ErrorCode.WebhookMissingCredentials },
    { name: 'a wrong bearer token', args: { token_env: 'WH_TOKEN' }, headers: { ...json, authorization: 'Bearer nope' }, body: '{}', status: 401, code: ErrorCode.WebhookBadToken },
    { name: 'malformed JSON', headers: json, body: '{"a":', status: 400, code: ErrorCode.WebhookMalformedJson },
    { name: 'an empty body', headers: json, body: '', status: 400, code: ErrorCode.WebhookEmptyBody },
    { name: 'a __proto__ key', headers: json, body: '{"__proto__": {"isAdmin": true}}', status: 400, code: ErrorCode.WebhookMalformedJson },
    { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: 'hello', status: 415, code: ErrorCode.WebhookUnsupportedMediaType },
    { name: 'a body over body_limit', args: { body_limit: 8 }, headers: json, body: '{"message":"too long"}', status: 413, code: ErrorCode.WebhookBodyTooLarge },
  ];
  for (const c of cases) {
    it(`answers ${c.status} ${c.code} for ${c.name}`, async () => {
      const h = harness(c.args ?? {});
      const res = await post(h, '/x', c.body, c.headers);
      expect(res.statusCode).toBe(c.status);
      expect((res.json() as { error: { code: string } }).error.code).toBe(c.code);
      expect(h.queue.calls).toBe(0);
    });
  }

  it('answers 405 with Allow: POST for other methods', async () => {
    const res = await harness({}).server.app.inject({ method: 'GET', url: '/anything' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('answers 503 with Retry-After when the queue is down', async () => {
    const h = harness({}, { retryAfterSeconds: 30 });
    h.queue.fail();
    const res = await post(h, '/x', '{}', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(h.queue.queued).toHaveLength(0);
  });

  it('answers 422 when a filter refuses the event', async () => {
    const strict: FilterSpec = {
      name: 'eda.builtin.insert_hosts_to_meta',
      canonicalName: 'eda.builtin.insert_hosts_to_meta',
      args: { host_path: 'payload.host', raise_error: true },
      position,
    };
    const h = harness({}, { filters: [strict] });
    const res = await post(h, '/x', '{"nohost": 1}', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { error: { code: string } }).error.code).toBe(ErrorCode.FilterFailed);
    expect(h.queue.calls).toBe(0);
  });
});

describe('webhook source: logs', () => {
  it('never logs the token nor the HMAC secret', async () => {
    const h = harness({ token: TOKEN, hmac_secret: HMAC_SECRET });
    const body = '{"deploy": "secret-payload-value"}';
    await post(h, '/x', body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-hub-signature-256': hmacHex(body) });
    await post(h, '/x', body, { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'x-hub-signature-256': 'deadbeef' });
    expect(h.queue.calls).toBe(1);
    const text = h.log.text();
    for (const secret of [TOKEN, HMAC_SECRET, 'secret-payload-value']) expect(text).not.toContain(secret);
    expect(h.log.lines().find((l) => l.msg === 'secret written literally in the rulebook; prefer the _env or _file form')).toMatchObject({
      arguments: ['token', 'hmac_secret'],
    });
  });
});
