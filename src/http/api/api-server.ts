/**
 * @module The operations server: one Fastify server per engine, apart from the webhook sources.
 *
 * | Route | Auth | Answer |
 * |---|---|---|
 * | `GET /healthz` | none | 200 `{"status":"ok"}` while the process serves HTTP (liveness) |
 * | `GET /readyz` | none | 200 `{"status":"ready","checks":[…]}` when every readiness check passes, else 503 `{"status":"not_ready","failed":[names],"checks":[{name,ok,detail}]}` |
 * | `GET /metrics` | bearer when `metricsAuth` | Prometheus text format of the engine's metrics |
 * | `GET /api/outcomes?ruleset=&rule=&host=&status=&since=&until=&limit=&cursor=` | bearer (always) | 200 `{"items":[…],"next_cursor":"…"\|null}`: action records, newest first, as `autoheal history --json` prints them |
 *
 * Query parameters: outcomes-query.ts; errors: api-error-handler.ts. Every answer carries
 * `Cache-Control: no-store`. Probe and scrape requests log at warn level only, so a 15 s scrape
 * interval does not flood the log. Tokens are compared in constant time (`verifyBearer`) and
 * never logged nor echoed.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AutohealError, ErrorCode, systemClock, type Clock } from '../../core/index.js';
import type { OutcomeStore } from '../../outcomes/index.js';
import { authFailureToError, verifyBearer } from '../../sources/index.js';
import { DEFAULT_RETRY_AFTER_SECONDS, HTTP_LOG_REDACT_PATHS } from '../source-server.js';
import { installApiErrorHandler } from './api-error-handler.js';
import { parseOutcomesQuery } from './outcomes-query.js';
import { runReadinessChecks, type ReadinessCheck } from './readiness.js';

/** What `/metrics` renders: `EngineMetrics` (src/metrics), or any prom-client `Registry`. */
export interface MetricsExposition {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** Bounds of the operations server, in milliseconds. */
export interface ApiServerTimeouts {
  /** Whole request (slowloris guard). Default 30 s. */
  readonly requestMs: number;
  /** From routing to the response (a metrics scrape, an outcome query). Default 10 s. */
  readonly handlerMs: number;
  /** Each readiness check. Default 800 ms: `/readyz` must answer within the kubelet's default 1 s probe timeout. */
  readonly readinessCheckMs: number;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 5 s. */
  readonly closeMs: number;
}

export const DEFAULT_API_SERVER_TIMEOUTS: ApiServerTimeouts = { requestMs: 30_000, handlerMs: 10_000, readinessCheckMs: 800, closeMs: 5_000 };

export interface ApiServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly metrics: MetricsExposition;
  /** Serves `/api/outcomes` when given together with `token`; not closed by the server. */
  readonly outcomes?: OutcomeStore;
  /** Checks of `/readyz`; none means always ready. */
  readonly readiness: readonly ReadinessCheck[];
  /** Bearer token of `/api/outcomes` (and `/metrics` with `metricsAuth`). */
  readonly token?: string;
  /** Require the token on `/metrics`. Default false. Needs `token`. */
  readonly metricsAuth?: boolean;
  readonly logger: Logger;
  /** For relative `since`/`until` (`2h`). Default the system clock. */
  readonly clock?: Clock;
  /** Request ids in logs; default `crypto.randomUUID`. */
  readonly newRequestId?: () => string;
  readonly timeouts?: Partial<ApiServerTimeouts>;
  /** `Retry-After` of 503 answers, seconds. Default 5. */
  readonly retryAfterSeconds?: number;
}

export interface ApiAddress {
  readonly host: string;
  /** The bound port (the real one when `port` was 0). */
  readonly port: number;
}

export interface ApiServer {
  /** Listens. @throws AutohealError `AH_HTTP_LISTEN_FAILED` when the address cannot be bound. */
  start(): Promise<ApiAddress>;
  /** Stops listening, answers 503 meanwhile, waits for in-flight requests (bounded). Idempotent. */
  close(): Promise<void>;
  /** The Fastify app, for `inject()` in tests. */
  readonly app: FastifyInstance;
}

const GET_ONLY = 'GET, HEAD';
const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** Probes and scrapes come every few seconds: log them only when something goes wrong. */
const QUIET = 'warn' as const;

function invalidOption(message: string): AutohealError {
  return new AutohealError(ErrorCode.ApiConfigInvalid, `api server: ${message}`);
}

/**
 * Builds (but does not start) the operations server.
 * @throws AutohealError `AH_API_CONFIG_INVALID` for bad timeouts or `metricsAuth` without a token.
 */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const timeouts = { ...DEFAULT_API_SERVER_TIMEOUTS, ...options.timeouts };
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!Number.isSafeInteger(ms) || ms <= 0) throw invalidOption(`timeouts.${name} must be a positive integer (ms)`);
  }
  const retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw invalidOption('retryAfterSeconds must be a non-negative integer');
  const metricsAuth = options.metricsAuth ?? false;
  if (metricsAuth && options.token === undefined) throw invalidOption('metricsAuth needs a token');
  const { metrics, outcomes, readiness } = options;
  const clock = options.clock ?? systemClock;
  const tokens: readonly string[] = options.token === undefined ? [] : [options.token];

  const log = options.logger.child({ component: 'api' }, { redact: { paths: [...HTTP_LOG_REDACT_PATHS], censor: '[redacted]' } });
  const app = Fastify({
    loggerInstance: log,
    genReqId: options.newRequestId ?? (() => randomUUID()),
    requestTimeout: timeouts.requestMs,
    handlerTimeout: timeouts.handlerMs,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  let closing = false;
  let started = false;
  let closePromise: Promise<void> | undefined;

  installApiErrorHandler(app, { retryAfterSeconds });
  app.setNotFoundHandler(() => {
    throw new AutohealError(ErrorCode.HttpNotFound, 'no such path on this server (try /metrics, /healthz, /readyz, /api/outcomes)');
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (closing) throw new AutohealError(ErrorCode.HttpClosing, 'the server is shutting down; retry later', { retryable: true });
  });

  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const result = verifyBearer(request.headers.authorization, tokens);
    if (!result.ok) throw authFailureToError(result);
  };

  const route = (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>, extra: { auth?: boolean; quiet?: boolean }): void => {
    app.route({
      method: 'GET',
      url,
      ...(extra.quiet === true ? { logLevel: QUIET } : {}),
      ...(extra.auth === true ? { onRequest: authenticate } : {}),
      handler,
    });
    app.route({
      method: [...OTHER_METHODS],
      url,
      onRequest: async () => {
        throw new AutohealError(ErrorCode.HttpMethodNotAllowed, `use ${GET_ONLY} on this path`, { details: { allow: GET_ONLY } });
      },
      handler: async () => undefined,
    });
  };

  route('/healthz', async (_request, reply) => reply.send({ status: 'ok' }), { quiet: true });

  route(
    '/readyz',
    async (request, reply) => {
      const report = await runReadinessChecks(readiness, timeouts.readinessCheckMs, (check, err) => {
        request.log.warn({ check, err }, 'readiness check failed');
      });
      if (report.ready) return reply.send({ status: 'ready', checks: report.checks });
      request.log.warn({ failed: report.checks.filter((c) => !c.ok).map((c) => c.name) }, 'not ready');
      return reply.code(503).send({ status: 'not_ready', failed: report.checks.filter((c) => !c.ok).map((c) => c.name), checks: report.checks });
    },
    { quiet: true },
  );

  route(
    '/metrics',
    async (_request, reply) => {
      const text = await metrics.metrics();
      return reply.type(metrics.contentType).send(text);
    },
    { quiet: true, auth: metricsAuth },
  );

  if (outcomes !== undefined && tokens.length > 0) {
    route(
      '/api/outcomes',
      async (request, reply) => {
        const query = parseOutcomesQuery(request.query, clock.now());
        const page = await outcomes.query(query);
        return reply.send({ items: page.items, next_cursor: page.nextCursor ?? null });
      },
      { auth: true },
    );
  } else {
    const why = outcomes === undefined ? 'no outcome store is configured' : 'no api token is configured (api.token_env or api.token_file)';
    if (outcomes !== undefined) log.warn('outcomes API is off: no api token is configured');
    route(
      '/api/outcomes',
      async () => {
        throw new AutohealError(ErrorCode.HttpNotFound, `the outcomes API is off: ${why}`);
      },
      {},
    );
  }

  return {
    app,
    async start(): Promise<ApiAddress> {
      if (started || closing) throw new AutohealError(ErrorCode.Usage, 'the api server was already started');
      started = true;
      try {
        await app.listen({ host: options.host, port: options.port });
      } catch (err: unknown) {
        const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'error';
        const hint = code === 'EADDRINUSE' ? '; set api.port to a free port' : '';
        throw new AutohealError(ErrorCode.HttpListenFailed, `api server: cannot listen on ${options.host}:${options.port} (${code})${hint}`, { cause: err });
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      log.info({ host: options.host, port, metricsAuth, outcomesApi: outcomes !== undefined && tokens.length > 0 }, 'api server listening');
      return { host: options.host, port };
    },
    close(): Promise<void> {
      if (closePromise !== undefined) return closePromise;
      closing = true;
      closePromise = (async () => {
        const timer = setTimeout(() => app.server.closeAllConnections(), timeouts.closeMs);
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
        }
        if (started) log.info('api server closed');
      })();
      return closePromise;
    },
  };
}
