/**
 * @module One HTTP server for one webhook source entry of one ruleset (upstream starts one
 * instance of each source per ruleset, rulebook-language.md §4.1): `ansible.eda.alertmanager`,
 * `eda.builtin.webhook` / `ansible.eda.webhook`, or `autoheal.gitlab`.
 *
 * Per request: authenticate (headers before the body is read, signatures over the raw bytes)
 * → JSON only (415) → body limit (413) → parse (400) → normalise (422; GitLab event types we do
 * not handle → 202, nothing queued) → filters → meta → `queue.enqueue` → only then 202. A queue
 * that cannot take the events gives 503 + `Retry-After` and nothing queued, so Alertmanager
 * retries (wire-formats.md §1.3); GitLab never retries, so anything it sends that we can take
 * gets a fast 2xx (§2.5). Error responses: error-handler.ts.
 *
 * Routes as upstream: Alertmanager `POST /{endpoint}` (exactly one non-empty segment),
 * `GET /` → 200 `up`, `POST /` → 405; webhook and GitLab `POST /{any path}`, other methods → 405.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AutohealError, ErrorCode, formatProblem, systemClock, type Clock } from '../core/index.js';
import type { EnqueueResult, EventQueue } from '../queue/index.js';
import type { SourceSpec } from '../rules/rulebook/index.js';
import { authFailureToError, headerValue, type RequestHeaders } from '../sources/index.js';
import { buildQueuedEvents, normalizeIntakeRequest } from './build-queued-events.js';
import { installErrorHandler } from './error-handler.js';
import { installJsonBodyParser } from './json-body-parser.js';
import { createRequestAuthenticator, type RequestAuthenticator } from './request-authenticator.js';
import { resolveSourceConfig, type SourceConfig } from './source-config.js';

/** Bounds of one source server, in milliseconds. */
export interface SourceServerTimeouts {
  /** Whole request, body included (slowloris guard; Node answers 408). Default 30 s. */
  readonly requestMs: number;
  /**
   * How long storing a request's events (the enqueue) may take before the answer is 503.
   * Default 8 s: below GitLab's 10 s hook timeout, so GitLab logs our 503 rather than its own.
   */
  readonly handlerMs: number;
  /** How long `close()` waits for in-flight requests before cutting connections. Default 10 s. */
  readonly closeMs: number;
}

export const DEFAULT_SOURCE_SERVER_TIMEOUTS: SourceServerTimeouts = { requestMs: 30_000, handlerMs: 8_000, closeMs: 10_000 };

/** `Retry-After` of 503 answers. Alertmanager ignores it (it has its own backoff); others may not. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Header paths pino masks if a request's headers are ever logged (the default serializer does not). */
export const HTTP_LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-gitlab-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["x-gitlab-token"]',
  'headers.cookie',
];

export interface SourceServerOptions {
  /** The source entry, as loaded from the rulebook. */
  readonly source: SourceSpec;
  /** The ruleset this instance feeds. */
  readonly ruleset: string;
  /** Shared by every source; not closed by the source server. */
  readonly queue: EventQueue;
  readonly logger: Logger;
  /** Default the system clock (`meta.received_at`, signature timestamps). */
  readonly clock?: Clock;
  /** Event ids (`meta.uuid`); default `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** Request ids in logs; default `crypto.randomUUID`. */
  readonly newRequestId?: () => string;
  /** For `*_env` secrets; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** For `*_file` secrets; default `fs.promises.readFile` as UTF-8. */
  readonly readFile?: (path: string) => Promise<string>;
  readonly timeouts?: Partial<SourceServerTimeouts>;
  /** Default 5. */
  readonly retryAfterSeconds?: number;
}

export interface SourceAddress {
  readonly host: string;
  /** The bound port (the real one when the rulebook said 0). */
  readonly port: number;
}

export interface SourceServer {
  /**
   * Resolves the source's arguments, secrets and filters, then listens.
   * @throws RulebookError `AH_SOURCE_CONFIG_INVALID` listing every problem with its position;
   * AutohealError `AH_HTTP_LISTEN_FAILED` when the address cannot be bound.
   */
  start(): Promise<SourceAddress>;
  /**
   * Stops listening, answers 503 to requests arriving meanwhile on open connections, waits for
   * in-flight requests (bounded by `timeouts.closeMs`). Idempotent.
   */
  close(): Promise<void>;
  /** The Fastify app, for `inject()` in tests (routes exist once `ready()` resolved the config). */
  readonly app: FastifyInstance;
}

interface ResolvedOptions {
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeouts: SourceServerTimeouts;
  readonly retryAfterSeconds: number;
}

function resolveOptions(options: SourceServerOptions): ResolvedOptions {
  const timeouts = { ...DEFAULT_SOURCE_SERVER_TIMEOUTS, ...options.timeouts };
  for (const [name, ms] of Object.entries(timeouts)) {
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `source server: timeouts.${name} must be a positive integer (ms)`);
    }
  }
  const retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  if (!Number.isSafeInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'source server: retryAfterSeconds must be a non-negative integer');
  }
  return { clock: options.clock ?? systemClock, newId: options.newId ?? randomUUID, timeouts, retryAfterSeconds };
}

const EMPTY_BODY = Buffer.alloc(0);
const NOT_POST = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
const MAX_LOGGED_HEADER_CHARS = 200;

/**
 * The request headers with the sender's capitalisation (upstream's `meta.headers` is a plain
 * dict of them), from Node's `rawHeaders`; repeated headers become lists.
 */
function senderHeaders(request: FastifyRequest): RequestHeaders {
  const raw = request.raw.rawHeaders;
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Delivery ids for log correlation (never secrets, bounded length). */
function deliveryFields(headers: RequestHeaders): Record<string, string> {
  const fields: Record<string, string> = {};
  const take = (field: string, header: string): void => {
    const v = headerValue(headers, header);
    if (v !== undefined && v !== '') fields[field] = v.slice(0, MAX_LOGGED_HEADER_CHARS);
  };
  take('deliveryId', 'x-gitlab-webhook-uuid');
  take('gitlabEventUuid', 'x-gitlab-event-uuid');
  take('gitlabEvent', 'x-gitlab-event');
  take('idempotencyKey', 'idempotency-key');
  take('senderRequestId', 'x-request-id');
  return fields;
}

function methodNotAllowed(allow: string): () => Promise<never> {
  return async () => {
    throw new AutohealError(ErrorCode.HttpMethodNotAllowed, `use ${allow} on this path`, { details: { allow } });
  };
}

/** Builds (but does not start) the server of one webhook source entry. */
export function createSourceServer(options: SourceServerOptions): SourceServer {
  const { source, ruleset, queue } = options;
  const resolved = resolveOptions(options);
  const { clock, newId, timeouts } = resolved;
  const log = options.logger.child(
    { ruleset, source: source.name, plugin: source.plugin },
    { redact: { paths: [...HTTP_LOG_REDACT_PATHS], censor: '[redacted]' } },
  );
  // Widened to Fastify's base logger type so that helpers and callers need not carry pino's
  // generic parameters (the logger is the same object either way).
  const app = Fastify({
    loggerInstance: log,
    // One line per delivery is ours (accepted / ignored / refused, with what was queued);
    // Fastify's "incoming request" and "request completed" would add two more per webhook.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: options.newRequestId ?? (() => randomUUID()),
    requestTimeout: timeouts.requestMs,
    // No Fastify handlerTimeout: it aborts an AbortController (a DOMException with its stack) at
    // the end of every request, a cost bench/ingest showed; `handlerMs` bounds the enqueue below.
    // Our own onRequest hook answers 503 while closing, with our error body and Retry-After.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    exposeHeadRoutes: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }) as unknown as FastifyInstance;

  let config: SourceConfig | undefined;
  let closing = false;
  let closePromise: Promise<void> | undefined;
  let started = false;

  installErrorHandler(app, resolved);
  app.addHook('onRequest', async () => {
    if (closing) throw new AutohealError(ErrorCode.HttpClosing, 'the source is shutting down; retry later', { retryable: true });
  });

  app.register(async (scope) => {
    const cfg = await resolveSourceConfig(source, ruleset, {
      env: options.env ?? process.env,
      readFile: options.readFile ?? ((path) => readFile(path, 'utf8')),
      filterLogger: { warn: (fields, message) => log.warn(fields, message), error: (fields, message) => log.error(fields, message) },
    });
    config = cfg;
    if (cfg.literalSecrets.length > 0) {
      log.warn({ arguments: cfg.literalSecrets }, 'secret written literally in the rulebook; prefer the _env or _file form');
    }
    if (cfg.unauthenticated) log.warn('webhook source accepts unauthenticated requests; configure a token');
    registerRoutes(scope, cfg, createRequestAuthenticator(cfg, clock));
  });

  function registerRoutes(scope: FastifyInstance, cfg: SourceConfig, auth: RequestAuthenticator): void {
    const headersOf = new WeakMap<FastifyRequest, RequestHeaders>();
    const rawBodies = new WeakMap<FastifyRequest, Buffer>();
    const headers = (request: FastifyRequest): RequestHeaders => {
      let h = headersOf.get(request);
      if (h === undefined) {
        h = senderHeaders(request);
        headersOf.set(request, h);
      }
      return h;
    };

    installJsonBodyParser(scope, (request, rawBody) => {
      rawBodies.set(request, rawBody);
      const result = auth.withBody(headers(request), rawBody);
      if (!result.ok) throw authFailureToError(result);
    });

    const authenticate = async (request: FastifyRequest): Promise<void> => {
      const result = auth.beforeBody(headers(request));
      if (!result.ok) throw authFailureToError(result);
    };

    const intake = async (request: FastifyRequest, reply: FastifyReply, endpoint: string): Promise<FastifyReply> => {
      const h = headers(request);
      const rawBody = rawBodies.get(request);
      if (rawBody === undefined) {
        // No Content-Type and no body: the parser never ran, so check signatures here.
        const result = auth.withBody(h, EMPTY_BODY);
        if (!result.ok) throw authFailureToError(result);
        throw new AutohealError(ErrorCode.WebhookEmptyBody, 'the body is empty');
      }
      const delivery = deliveryFields(h);
      const normalized = normalizeIntakeRequest(cfg, { endpoint, headers: h, body: request.body, rawBody });
      if (normalized.kind === 'ignored') {
        request.log.info({ ...delivery, endpoint, reason: normalized.reason }, 'webhook ignored');
        return reply.code(202).send({ accepted: 0, duplicates: 0, event_ids: [], ignored: normalized.reason });
      }
      const events = buildQueuedEvents(cfg, normalized.events, { clock, newId });
      let result: EnqueueResult = { queued: [], duplicates: [] };
      if (events.length > 0) {
        const enqueued = queue.enqueue([{ ruleset, events }]);
        const answer = await withinMs(enqueued, timeouts.handlerMs);
        if (answer === TIMED_OUT) {
          // Answer 503 now; the write may still land, and then a retry is dropped by the dedup keys.
          enqueued.then(
            (late) => request.log.warn({ ...delivery, eventIds: late.queued }, 'webhook events queued after the request timed out'),
            (err: unknown) => request.log.warn({ ...delivery, err }, 'event queue failed after the request timed out'),
          );
          throw new AutohealError(ErrorCode.HttpHandlerTimeout, 'the request took too long; retry later', { retryable: true, details: { timeoutMs: timeouts.handlerMs } });
        }
        result = answer;
      }
      request.log.info({ ...delivery, endpoint, eventIds: result.queued, duplicates: result.duplicates.length }, 'webhook accepted');
      return reply.code(202).send({ accepted: result.queued.length, duplicates: result.duplicates.length, event_ids: result.queued });
    };

    const bodyLimit = cfg.bodyLimitBytes;
    if (cfg.kind === 'alertmanager') {
      scope.route({ method: ['GET', 'HEAD'], url: '/', handler: async (_request, reply) => reply.type('text/plain; charset=utf-8').send('up') });
      scope.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/', onRequest: methodNotAllowed('GET, HEAD'), handler: async () => undefined });
      scope.route<{ Params: { endpoint: string } }>({
        method: 'POST',
        url: '/:endpoint',
        bodyLimit,
        onRequest: authenticate,
        handler: async (request, reply) => intake(request, reply, request.params.endpoint),
      });
      scope.route({ method: [...NOT_POST], url: '/:endpoint', onRequest: methodNotAllowed('POST'), handler: async () => undefined });
    } else {
      scope.route<{ Params: { '*': string } }>({
        method: 'POST',
        url: '/*',
        bodyLimit,
        onRequest: authenticate,
        handler: async (request, reply) => intake(request, reply, request.params['*']),
      });
      scope.route({ method: [...NOT_POST], url: '/*', onRequest: methodNotAllowed('POST'), handler: async () => undefined });
    }
  }

  const where = `source "${source.name}" (${source.plugin}) of ruleset "${ruleset}"`;

  return {
    app,
    async start(): Promise<SourceAddress> {
      if (started || closing) throw new AutohealError(ErrorCode.Usage, `${where} was already started`);
      started = true;
      await app.ready();
      const cfg = config!;
      try {
        await app.listen({ host: cfg.host, port: cfg.port });
      } catch (err: unknown) {
        const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'error';
        const hint = code === 'EADDRINUSE' ? '; is another source (or ruleset with the same source) on this port?' : '';
        throw new AutohealError(
          ErrorCode.HttpListenFailed,
          formatProblem({ ...source.position, message: `${where}: cannot listen on ${cfg.host}:${cfg.port} (${code})${hint}` }),
          { cause: err },
        );
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : cfg.port;
      log.info({ host: cfg.host, port }, 'webhook source listening');
      return { host: cfg.host, port };
    },
    close(): Promise<void> {
      if (closePromise !== undefined) return closePromise;
      closing = true;
      // Never booted (no start, no inject): closing would boot it, resolving secrets for nothing.
      if (!started && config === undefined) return (closePromise = Promise.resolve());
      closePromise = (async () => {
        const timer = setTimeout(() => app.server.closeAllConnections(), timeouts.closeMs);
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
        }
        log.info('webhook source closed');
      })();
      return closePromise;
    },
  };
}

const TIMED_OUT = Symbol('timed out');

/** `work`'s value, or TIMED_OUT when it takes longer than `ms` (work goes on regardless). */
async function withinMs<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
