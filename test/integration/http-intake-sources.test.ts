/**
 * One real-socket run per webhook source: the source server on 127.0.0.1 (port 0) feeding the
 * real in-memory queue, whose consumer receives what the rules would see. The Alertmanager run
 * replays the two requests captured from Alertmanager 0.25.0 (shared/fixtures), headers and
 * bodies byte for byte.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../support/capture-logger.js';
import { createSourceServer, type SourceServer } from '../../src/http/index.js';
import { MemoryEventQueue, silentQueueLogger, type QueuedEvent } from '../../src/queue/index.js';
import type { SourceSpec } from '../../src/rules/rulebook/index.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request on its own connection, header names exactly as given. */
function send(port: number, path: string, headers: Record<string, string>, body?: string, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A started in-memory queue whose consumer collects events of `ruleset`; `next(n)` waits for n of them. */
async function consumingQueue(ruleset: string) {
  const queue = new MemoryEventQueue({}, { logger: silentQueueLogger });
  await queue.start();
  const seen: QueuedEvent[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  await queue.consume([ruleset], async (_ruleset, event) => {
    seen.push(event);
    if (waiter !== undefined && seen.length >= waiter.n) waiter.resolve();
  });
  const next = (n: number): Promise<QueuedEvent[]> =>
    seen.length >= n ? Promise.resolve(seen) : new Promise((resolve) => (waiter = { n, resolve: () => resolve(seen) }));
  return { queue, seen, next };
}

const position = { file: 'rulebooks/intake.yml', line: 5, col: 7 };
const source = (name: string, plugin: string, canonicalPlugin: string, args: Record<string, unknown>): SourceSpec => ({
  name,
  plugin,
  canonicalPlugin,
  args: { host: '127.0.0.1', port: 0, ...args },
  filters: [],
  position,
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startSource(spec: SourceSpec, ruleset: string, env: Record<string, string>) {
  const { queue, seen, next } = await consumingQueue(ruleset);
  closers.push(() => queue.close());
  const log = captureLogger();
  const server: SourceServer = createSourceServer({ source: spec, ruleset, queue, logger: log.logger, env });
  closers.push(() => server.close());
  const { port } = await server.start();
  return { port, seen, next, log };
}

describe('alertmanager source over a real socket', () => {
  interface Capture {
    readonly headers: Record<string, string>;
    readonly body: string;
  }
  const captures = readFileSync(`${FIXTURES}alertmanager-webhooks.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Capture);

  it('takes the captured Alertmanager requests, queues them once, and drops the resend', async () => {
    const am = await startSource(source('am', 'ansible.eda.alertmanager', 'ansible.eda.alertmanager', { token_env: 'AM_TOKEN' }), 'heal', {
      AM_TOKEN: 'acc-bearer-token-1',
    });
    expect((await send(am.port, '/', {}, undefined, 'GET')).body).toBe('up');

    for (const capture of captures) {
      expect(Buffer.byteLength(capture.body)).toBe(Number(capture.headers['content-length']));
      const { host: _host, ...headers } = capture.headers;
      const reply = await send(am.port, '/alertmanager', headers, capture.body);
      expect(reply.status).toBe(202);
      expect(JSON.parse(reply.body)).toMatchObject({ accepted: 2, duplicates: 0 });
    }
    const events = await am.next(4);
    expect(events.map((e) => [Object.keys(e.event)[0], (e.event.alert as { status?: string } | undefined)?.status ?? null])).toEqual([
      ['payload', null],
      ['alert', 'firing'],
      ['payload', null],
      ['alert', 'resolved'],
    ]);
    expect(events[1]!.event.meta).toMatchObject({
      endpoint: 'alertmanager',
      hosts: ['web01'],
      headers: { 'user-agent': 'Alertmanager/0.25.0', 'content-type': 'application/json' },
      source: { name: 'am', type: 'ansible.eda.alertmanager' },
      uuid: events[1]!.id,
    });
    expect(events.every((e) => e.dedupKey?.startsWith('heal/am:am:'))).toBe(true);

    // Alertmanager resends a notification it believes failed: the real queue's dedup drops it.
    const { host: _host, ...headers } = captures[0]!.headers;
    const resend = await send(am.port, '/alertmanager', headers, captures[0]!.body);
    expect(JSON.parse(resend.body)).toEqual({ accepted: 0, duplicates: 2, event_ids: [] });

    const refused = await send(am.port, '/alertmanager', { ...headers, authorization: 'Bearer stolen' }, captures[0]!.body);
    expect(refused.status).toBe(401);
    expect(am.log.text()).not.toContain('acc-bearer-token-1');
  });
});

describe('generic webhook source over a real socket', () => {
  it('verifies the HMAC of the bytes on the wire and keeps the sender header capitalisation', async () => {
    const wh = await startSource(source('hooks', 'eda.builtin.webhook', 'eda.builtin.webhook', { hmac_secret_env: 'WH_SECRET' }), 'deploys', {
      WH_SECRET: 'wire-secret',
    });
    const body = '{"service": "rsyslog",\n "host": "web01"}';
    const signature = `sha256=${createHmac('sha256', 'wire-secret').update(body).digest('hex')}`;
    const reply = await send(wh.port, '/ci/deploy', { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature, 'X-Request-Id': 'build-42' }, body);
    expect(reply.status).toBe(202);
    const [event] = await wh.next(1);
    expect(event!.event).toMatchObject({
      payload: { service: 'rsyslog', host: 'web01' },
      meta: { endpoint: 'ci/deploy', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'build-42' } },
    });
    expect(event!.dedupKey).toBe('deploys/hooks:wh:ci/deploy:request-id:build-42');

    const tampered = await send(wh.port, '/ci/deploy', { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature }, body.replace('web01', 'web02'));
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.body)).toMatchObject({ error: { code: 'AH_WEBHOOK_BAD_SIGNATURE' } });
  });
});

describe('gitlab source over a real socket', () => {
  it('queues an Issue Hook and answers ignored event types 202 without queueing', async () => {
    const gl = await startSource(source('gitlab', 'autoheal.gitlab', 'autoheal.gitlab', { token_env: 'GL_TOKEN' }), 'issues', { GL_TOKEN: 'gl-wire-token' });
    const headers = { 'Content-Type': 'application/json', 'X-Gitlab-Token': 'gl-wire-token', 'X-Gitlab-Event-UUID': 'ev-uuid-1', 'Idempotency-Key': 'idem-1' };
    const issue = JSON.stringify({
      object_kind: 'issue',
      user: { id: 7, username: 'alice' },
      project: { id: 14, path_with_namespace: 'ops/infra' },
      object_attributes: { id: 301, iid: 23, title: 'rsyslog down', state: 'opened', action: 'open' },
    });
    const push = await send(gl.port, '/hooks/gitlab', { ...headers, 'X-Gitlab-Event': 'Push Hook' }, JSON.stringify({ object_kind: 'push' }));
    expect(push.status).toBe(202);
    expect(JSON.parse(push.body)).toMatchObject({ accepted: 0, ignored: 'unsupported X-Gitlab-Event "Push Hook"' });

    const reply = await send(gl.port, '/hooks/gitlab', { ...headers, 'X-Gitlab-Event': 'Issue Hook' }, issue);
    expect(reply.status).toBe(202);
    const [event] = await gl.next(1);
    expect(event!.dedupKey).toBe('issues/gitlab:gl:idem-1');
    expect(event!.event).toMatchObject({ gitlab: { event: 'Issue Hook', user: 'alice', event_uuid: 'ev-uuid-1' }, issue: { iid: 23 } });
    expect(Object.keys(event!.event.meta as Record<string, unknown>)).toContain('headers');
    expect(JSON.stringify(event!.event.meta)).not.toContain('gl-wire-token');
    expect(gl.seen).toHaveLength(1);
  });
});
