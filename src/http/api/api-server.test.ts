import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureLogger, type CapturedLog } from '../../../test/support/capture-logger.js';
import { OutcomeStatus } from '../../actions/action-handler.js';
import { AutohealError, ErrorCode, ManualClock } from '../../core/index.js';
import { EngineMetrics } from '../../metrics/index.js';
import { MemoryOutcomeStore, type OutcomeStore } from '../../outcomes/index.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from './api-server.js';
import type { ReadinessCheck } from './readiness.js';

const TOKEN = 'tok-9f2c51d0a7e34b8e';
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

let servers: ApiServer[] = [];
let stores: OutcomeStore[] = [];
let log: CapturedLog;

afterEach(async () => {
  for (const s of servers.reverse()) await s.close();
  for (const s of stores) await s.close();
  servers = [];
  stores = [];
});

function server(options: Partial<ApiServerOptions> = {}): ApiServer {
  log = captureLogger();
  const s = createApiServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new EngineMetrics({ defaultMetrics: false }),
    readiness: [],
    logger: log.logger,
    ...options,
  });
  servers.push(s);
  return s;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const check = (name: string, ok: boolean, detail?: string): ReadinessCheck => ({
  name,
  check: async () => (detail === undefined ? { ok } : { ok, detail }),
});

/** A store holding `n` actions a minute apart: a0 (oldest) … a{n-1}, alternating hosts and statuses. */
async function seededStore(n: number, clock = new ManualClock(T0)): Promise<MemoryOutcomeStore> {
  const store = new MemoryOutcomeStore({}, { clock });
  await store.start();
  stores.push(store);
  for (let i = 0; i < n; i += 1) {
    await store.startAction({
      actionId: `a${i}`,
      decisionId: `d${i}`,
      ruleset: 'web',
      rule: i % 2 === 0 ? 'restart nginx' : 'clean tmp',
      action: 'run_playbook',
      host: i % 2 === 0 ? 'web01' : 'web02',
    });
    await store.finishAction(`a${i}`, i % 3 === 0 ? OutcomeStatus.Failed : OutcomeStatus.Succeeded);
    clock.advance(60_000);
  }
  return store;
}

describe('GET /healthz', () => {
  it('answers ok while the process serves, uncached', async () => {
    const res = await server().app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses other methods with 405 and Allow', async () => {
    const res = await server().app.inject({ method: 'POST', url: '/healthz' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.json()).toEqual({ error: { code: 'AH_HTTP_METHOD_NOT_ALLOWED', message: 'use GET, HEAD on this path' } });
  });
});

describe('GET /readyz', () => {
  it('is ready with no checks', async () => {
    const res = await server().app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: [] });
  });

  it('is ready when every check passes', async () => {
    const res = await server({ readiness: [check('queue', true), check('consumers', true, '3 running')] }).app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'queue', ok: true },
        { name: 'consumers', ok: true, detail: '3 running' },
      ],
    });
  });

  it('answers 503 listing what failed and why', async () => {
    const s = server({ readiness: [check('queue', false, 'redis: connecting'), check('consumers', true)] });
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'not_ready',
      failed: ['queue'],
      checks: [
        { name: 'queue', ok: false, detail: 'redis: connecting' },
        { name: 'consumers', ok: true },
      ],
    });
  });

  it('counts a throwing check as failed without showing its message, and logs it', async () => {
    const throwing: ReadinessCheck = {
      name: 'outcome-store',
      check: async () => {
        throw Object.assign(new Error('cannot connect to redis://:hunter2@redis:6379'), { code: 'ECONNREFUSED' });
      },
    };
    const s = server({ readiness: [throwing] });
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', failed: ['outcome-store'], checks: [{ name: 'outcome-store', ok: false, detail: 'check failed (ECONNREFUSED)' }] });
    expect(res.body).not.toContain('hunter2');
    expect(log.lines().find((l) => l.msg === 'readiness check failed')).toMatchObject({ check: 'outcome-store', level: 40 });
  });

  it('bounds a check that never answers and aborts it', async () => {
    let aborted = false;
    const hanging: ReadinessCheck = {
      name: 'queue',
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    };
    const res = await server({ readiness: [hanging], timeouts: { readinessCheckMs: 5 } }).app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks).toEqual([{ name: 'queue', ok: false, detail: 'no answer within 5 ms' }]);
    expect(aborted).toBe(true);
  });
});

describe('GET /metrics', () => {
  it('serves the recorded series in the Prometheus text format, without auth by default', async () => {
    const metrics = new EngineMetrics({ defaultMetrics: false });
    metrics.ruleMatched('web', 'restart nginx');
    metrics.actionFinished('run_playbook', OutcomeStatus.Succeeded, 2_500);
    metrics.watchQueueDepths(async () => ({ 'autoheal:web': 4 }));
    const res = await server({ metrics, token: TOKEN }).app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('autoheal_rule_matches_total{ruleset="web",rule="restart nginx"} 1\n');
    expect(res.body).toContain('autoheal_actions_total{action="run_playbook",status="succeeded"} 1\n');
    expect(res.body).toContain('autoheal_action_duration_seconds_sum{action="run_playbook"} 2.5\n');
    expect(res.body).toContain('autoheal_queue_depth{queue="autoheal:web"} 4\n');
  });

  it('requires the token with metricsAuth', async () => {
    const s = server({ token: TOKEN, metricsAuth: true });
    const without = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(without.statusCode).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer realm="autoheal"');
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer('nope') })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).statusCode).toBe(200);
    // Probes stay open: the kubelet carries no token.
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('refuses metricsAuth without a token', () => {
    expect(() => createApiServer({ host: '127.0.0.1', port: 0, metrics: new EngineMetrics(), readiness: [], logger: captureLogger().logger, metricsAuth: true })).toThrow(
      expect.objectContaining({ code: ErrorCode.ApiConfigInvalid, message: 'api server: metricsAuth needs a token' }),
    );
  });
});

describe('GET /api/outcomes', () => {
  it('answers 401 without credentials, with a wrong token or another scheme', async () => {
    const s = server({ token: TOKEN, outcomes: await seededStore(1) });
    const cases: [Record<string, string>, string][] = [
      [{}, 'AH_WEBHOOK_MISSING_CREDENTIALS'],
      [bearer('x'.repeat(TOKEN.length)), 'AH_WEBHOOK_BAD_TOKEN'],
      [bearer(TOKEN.slice(0, -1)), 'AH_WEBHOOK_BAD_TOKEN'],
      [bearer(`${TOKEN}x`), 'AH_WEBHOOK_BAD_TOKEN'],
      [{ authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, 'AH_WEBHOOK_BAD_TOKEN'],
      [{ authorization: TOKEN }, 'AH_WEBHOOK_BAD_TOKEN'],
    ];
    for (const [headers, code] of cases) {
      const res = await s.app.inject({ method: 'GET', url: '/api/outcomes', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error.code).toBe(code);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="autoheal"');
    }
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    expect((await s.app.inject({ method: 'GET', url: '/api/outcomes', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('authenticates before validating the query', async () => {
    const s = server({ token: TOKEN, outcomes: await seededStore(1) });
    const res = await s.app.inject({ method: 'GET', url: '/api/outcomes?limit=zero' });
    expect(res.statusCode).toBe(401);
  });

  it('answers 400 with a clear message on bad parameters', async () => {
    const s = server({ token: TOKEN, outcomes: await seededStore(1) });
    const get = (q: string) => s.app.inject({ method: 'GET', url: `/api/outcomes?${q}`, headers: bearer(TOKEN) });
    const bad = await get('limit=5000');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'AH_OUTCOME_QUERY_INVALID', message: 'limit must be an integer from 1 to 1000, got 5000' } });
    expect((await get('rules=x')).json().error.message).toMatch(/^unknown query parameter "rules"/);
    expect((await get('rule=a&rule=b')).json().error.message).toBe('query parameter "rule" must be given once');
    expect((await get('cursor=bogus')).json().error.message).toBe('cursor is not one this store returned');
    expect((await get('since=soon')).statusCode).toBe(400);
  });

  it('pages through the records newest first with next_cursor', async () => {
    const s = server({ token: TOKEN, outcomes: await seededStore(5) });
    const ids: string[] = [];
    let url = '/api/outcomes?limit=2';
    const cursors: (string | null)[] = [];
    for (let page = 0; page < 5; page += 1) {
      const res = await s.app.inject({ method: 'GET', url, headers: bearer(TOKEN) });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { actionId: string }[]; next_cursor: string | null };
      ids.push(...body.items.map((i) => i.actionId));
      cursors.push(body.next_cursor);
      if (body.next_cursor === null) break;
      url = `/api/outcomes?limit=2&cursor=${encodeURIComponent(body.next_cursor)}`;
    }
    expect(ids).toEqual(['a4', 'a3', 'a2', 'a1', 'a0']);
    expect(cursors).toHaveLength(3);
    expect(cursors[2]).toBeNull();
  });

  it('filters by rule, host, status and time', async () => {
    const clock = new ManualClock(T0);
    const s = server({ token: TOKEN, outcomes: await seededStore(6, clock), clock });
    const ids = async (q: string): Promise<string[]> => {
      const res = await s.app.inject({ method: 'GET', url: `/api/outcomes?${q}`, headers: bearer(TOKEN) });
      expect(res.statusCode).toBe(200);
      return (res.json() as { items: { actionId: string }[] }).items.map((i) => i.actionId);
    };
    expect(await ids('rule=restart%20nginx')).toEqual(['a4', 'a2', 'a0']);
    expect(await ids('host=web02&status=succeeded')).toEqual(['a5', 'a1']);
    expect(await ids('status=failed')).toEqual(['a3', 'a0']);
    // The clock is now T0 + 6 min: the last 2 minutes hold a4 (T0+4m) and a5 (T0+5m).
    expect(await ids('since=2m')).toEqual(['a5', 'a4']);
    expect(await ids(`until=${T0 + 60_000}`)).toEqual(['a0']);
    expect(await ids('ruleset=db')).toEqual([]);
  });

  it('returns the full records as the history command prints them', async () => {
    const s = server({ token: TOKEN, outcomes: await seededStore(1) });
    const res = await s.app.inject({ method: 'GET', url: '/api/outcomes', headers: bearer(TOKEN) });
    expect(res.json()).toEqual({
      items: [
        expect.objectContaining({ actionId: 'a0', decisionId: 'd0', ruleset: 'web', rule: 'restart nginx', action: 'run_playbook', host: 'web01', status: 'failed', createdAt: T0 }),
      ],
      next_cursor: null,
    });
  });

  it('answers 503 with a constant message when the store fails', async () => {
    const failing = await seededStore(1);
    vi.spyOn(failing, 'query').mockRejectedValue(
      new AutohealError(ErrorCode.OutcomeStoreFailed, 'cannot query: connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379', { retryable: true }),
    );
    const res = await server({ token: TOKEN, outcomes: failing }).app.inject({ method: 'GET', url: '/api/outcomes', headers: bearer(TOKEN) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: { code: 'AH_OUTCOME_STORE_FAILED', message: 'the outcome store cannot answer now; retry later' } });
    expect(res.body).not.toContain('hunter2');
    expect(log.lines().find((l) => l.msg === 'api request not served; asked the client to retry')).toMatchObject({ code: 'AH_OUTCOME_STORE_FAILED' });
  });

  it('is off, saying why, without a token or without a store', async () => {
    const noToken = await server({ outcomes: await seededStore(1) }).app.inject({ method: 'GET', url: '/api/outcomes' });
    expect(noToken.statusCode).toBe(404);
    expect(noToken.json().error).toEqual({ code: 'AH_HTTP_NOT_FOUND', message: 'the outcomes API is off: no api token is configured (api.token_env or api.token_file)' });
    expect(log.lines().some((l) => l.msg === 'outcomes API is off: no api token is configured')).toBe(true);
    const noStore = await server({ token: TOKEN }).app.inject({ method: 'GET', url: '/api/outcomes', headers: bearer(TOKEN) });
    expect(noStore.statusCode).toBe(404);
    expect(noStore.json().error.message).toBe('the outcomes API is off: no outcome store is configured');
  });
});

describe('the api server', () => {
  it('answers 404 in the shared error shape for unknown paths', async () => {
    const res = await server().app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'AH_HTTP_NOT_FOUND', message: 'no such path on this server (try /metrics, /healthz, /readyz, /api/outcomes)' } });
  });

  it('never puts the token in a response or a log line', async () => {
    const s = server({ token: TOKEN, metricsAuth: true, outcomes: await seededStore(2) });
    const responses = [
      await s.app.inject({ method: 'GET', url: '/api/outcomes', headers: bearer(TOKEN) }),
      await s.app.inject({ method: 'GET', url: '/api/outcomes?limit=0', headers: bearer(TOKEN) }),
      await s.app.inject({ method: 'GET', url: '/api/outcomes', headers: bearer(`${TOKEN}x`) }),
      await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN.slice(1)) }),
      await s.app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) }),
      await s.app.inject({ method: 'POST', url: '/metrics', headers: bearer(TOKEN) }),
      await s.app.inject({ method: 'GET', url: '/nope', headers: bearer(TOKEN) }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 400, 401, 401, 200, 405, 404]);
    const secretPart = TOKEN.slice(4, -4);
    for (const r of responses) expect(`${JSON.stringify(r.headers)}${r.body}`).not.toContain(secretPart);
    expect(log.lines().length).toBeGreaterThan(0);
    expect(log.text()).not.toContain(secretPart);
  });

  it('logs probes and scrapes only when they go wrong', async () => {
    const s = server({ readiness: [check('queue', true)] });
    await s.app.inject({ method: 'GET', url: '/healthz' });
    await s.app.inject({ method: 'GET', url: '/readyz' });
    await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(log.lines().filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
    await s.app.inject({ method: 'GET', url: '/api/outcomes' });
    expect(log.lines().filter((l) => l.msg === 'incoming request')).toHaveLength(1);
  });

  it('listens on a real socket, then closes and refuses to start twice', async () => {
    const s = server();
    const { port } = await s.start();
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    await expect(s.start()).rejects.toMatchObject({ code: ErrorCode.Usage });
    await s.close();
    await s.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('reports an address in use as a listen failure', async () => {
    const first = server();
    const { port } = await first.start();
    const second = server({ port });
    await expect(second.start()).rejects.toMatchObject({ code: ErrorCode.HttpListenFailed, message: `api server: cannot listen on 127.0.0.1:${port} (EADDRINUSE); set api.port to a free port` });
  });
});
