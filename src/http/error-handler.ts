/**
 * @module The one place where errors become HTTP responses for autoheal's webhook servers.
 * Every error response is a short JSON body with a stable code:
 *
 * ```json
 * {"error": {"code": "AH_WEBHOOK_BAD_TOKEN", "message": "invalid bearer token"}}
 * ```
 * (422 adds `"problems": [{"path", "message"}]`, at most 20.) Messages never contain secrets
 * nor body content; unexpected errors (500) get a constant message and are logged in full.
 *
 * | Code | Status | When | Sender's reaction |
 * |---|---|---|---|
 * | `AH_WEBHOOK_MISSING_SIGNATURE` | 400 | a required signature header (`hmac_header`, Standard Webhooks `webhook-*`) is absent (400 as upstream's webhook source) | AM resends at the next group_interval |
 * | `AH_WEBHOOK_MALFORMED_JSON` | 400 | body is not JSON, or holds `__proto__` / `constructor.prototype` keys | idem |
 * | `AH_WEBHOOK_EMPTY_BODY` | 400 | no body | idem |
 * | `AH_HTTP_BAD_REQUEST` | 400 (or the 4xx HTTP gave) | malformed HTTP: Content-Length mismatch, bad URL encoding, … | idem |
 * | `AH_WEBHOOK_MISSING_CREDENTIALS` | 401 | no `Authorization` / `X-Gitlab-Token` | idem; GitLab counts a failure |
 * | `AH_WEBHOOK_BAD_TOKEN` | 401 | wrong token or Basic credentials, wrong scheme | idem |
 * | `AH_WEBHOOK_BAD_SIGNATURE` | 401 | HMAC / Standard Webhooks signature does not match the raw body | idem |
 * | `AH_WEBHOOK_STALE_SIGNATURE` | 401 | signed `webhook-timestamp` outside ±300 s | idem |
 * | `AH_HTTP_NOT_FOUND` | 404 | no route (Alertmanager source: more than one path segment) | idem |
 * | `AH_HTTP_METHOD_NOT_ALLOWED` | 405 + `Allow` | e.g. `POST /` on the Alertmanager source, `GET` on a webhook path | idem |
 * | `AH_WEBHOOK_BODY_TOO_LARGE` | 413 | body over the source's `body_limit` (default 1 MiB) | idem |
 * | `AH_WEBHOOK_UNSUPPORTED_MEDIA_TYPE` | 415 | `Content-Type` is not `application/json` | idem |
 * | `AH_WEBHOOK_INVALID_PAYLOAD` | 422 + `problems` | JSON of the wrong shape for the source | idem |
 * | `AH_FILTER_FAILED` | 422 | a source filter refused the event (`raise_error: true`) | idem |
 * | `AH_HTTP_INTERNAL` | 500 | a bug; logged with its stack | AM retries with backoff |
 * | `AH_QUEUE_UNAVAILABLE` | 503 + `Retry-After` | the event queue refused the batch; nothing was queued | AM retries with backoff; GitLab does not retry |
 * | `AH_HTTP_HANDLER_TIMEOUT` | 503 + `Retry-After` | storing the events took longer than `handlerMs` (the queue may still take it; a retry is then a duplicate, dropped by its dedup key) | AM retries |
 * | `AH_HTTP_CLOSING` | 503 + `Retry-After`, `Connection: close` | the server is shutting down | AM retries |
 *
 * Success is `202 {"accepted": n, "duplicates": m, "event_ids": […]}` only after the queue took
 * the events (wire-formats.md §1.3, §2.5); GitLab event types the source does not handle get
 * 202 with `"ignored": "<reason>"` and nothing queued.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AutohealError, ErrorCode } from '../core/index.js';
import type { PayloadProblem } from '../sources/index.js';

/** The response an error maps to. */
export interface HttpErrorResponse {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly problems?: readonly PayloadProblem[];
}

/** The JSON body of every error response. */
export interface HttpErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly problems?: readonly PayloadProblem[] };
}

export interface ErrorHandlerOptions {
  /** `Retry-After` of 503 responses, in seconds. */
  readonly retryAfterSeconds: number;
}

const MAX_PROBLEMS = 20;
const MAX_MESSAGE_CHARS = 1000;

/** Status of each AutohealError code an HTTP handler may throw; others are 500. */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.WebhookMissingSignature]: 400,
  [ErrorCode.WebhookMalformedJson]: 400,
  [ErrorCode.WebhookEmptyBody]: 400,
  [ErrorCode.HttpBadRequest]: 400,
  [ErrorCode.WebhookMissingCredentials]: 401,
  [ErrorCode.WebhookBadToken]: 401,
  [ErrorCode.WebhookBadSignature]: 401,
  [ErrorCode.WebhookStaleSignature]: 401,
  [ErrorCode.HttpNotFound]: 404,
  [ErrorCode.HttpMethodNotAllowed]: 405,
  [ErrorCode.WebhookBodyTooLarge]: 413,
  [ErrorCode.WebhookUnsupportedMediaType]: 415,
  [ErrorCode.WebhookInvalidPayload]: 422,
  [ErrorCode.FilterFailed]: 422,
  [ErrorCode.QueueUnavailable]: 503,
  [ErrorCode.HttpHandlerTimeout]: 503,
  [ErrorCode.HttpClosing]: 503,
};

/** Fastify's own errors (by their `FST_ERR_*` code), with constant messages. */
const FASTIFY_ERRORS: Readonly<Record<string, { readonly code: ErrorCode; readonly message: string }>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: ErrorCode.WebhookUnsupportedMediaType, message: 'the body must be JSON (Content-Type: application/json)' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: ErrorCode.WebhookBodyTooLarge, message: 'the body is larger than this source accepts' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: ErrorCode.WebhookEmptyBody, message: 'the body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: ErrorCode.WebhookMalformedJson,
    message: 'the body is not valid JSON (or holds a forbidden __proto__ or constructor.prototype key)',
  },
  FST_ERR_HANDLER_TIMEOUT: { code: ErrorCode.HttpHandlerTimeout, message: 'the request took too long; retry later' },
};

const codeOf = (err: unknown): unknown => (typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined);

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (Object.values(ErrorCode) as string[]).includes(value);
}

/** Maps any thrown value to its response (pure; see the module table). */
export function mapHttpError(err: unknown, options: ErrorHandlerOptions): HttpErrorResponse {
  let code: ErrorCode = ErrorCode.HttpInternal;
  let status = 500;
  let message = 'internal error';
  let problems: readonly PayloadProblem[] | undefined;
  const headers: Record<string, string> = {};

  const raw = codeOf(err);
  if (err instanceof Error && isErrorCode(raw) && STATUS_BY_CODE[raw] !== undefined) {
    code = raw;
    status = STATUS_BY_CODE[raw]!;
    message = err.message.length > MAX_MESSAGE_CHARS ? `${err.message.slice(0, MAX_MESSAGE_CHARS)}…` : err.message;
    const details = (err as Partial<AutohealError>).details ?? {};
    if (Array.isArray(details.problems)) problems = (details.problems as PayloadProblem[]).slice(0, MAX_PROBLEMS);
    if (code === ErrorCode.HttpMethodNotAllowed && typeof details.allow === 'string') headers.allow = details.allow;
  } else if (typeof raw === 'string' && FASTIFY_ERRORS[raw] !== undefined) {
    ({ code, message } = FASTIFY_ERRORS[raw]!);
    status = STATUS_BY_CODE[code]!;
  } else if (typeof raw === 'string' && raw.startsWith('FST_')) {
    const given = (err as { statusCode?: unknown }).statusCode;
    if (typeof given === 'number' && given >= 400 && given < 500) {
      code = ErrorCode.HttpBadRequest;
      status = given;
      message = 'the request is not valid HTTP for this server';
    }
  }
  if (status === 503) headers['retry-after'] = String(options.retryAfterSeconds);
  if (code === ErrorCode.HttpClosing) headers.connection = 'close';
  return { status, code, message, headers, ...(problems === undefined ? {} : { problems }) };
}

/** The JSON body for a mapped error. */
export function errorBody(response: HttpErrorResponse): HttpErrorBody {
  return {
    error: { code: response.code, message: response.message, ...(response.problems === undefined ? {} : { problems: response.problems }) },
  };
}

/**
 * Installs the error handler and a 404 handler that goes through it. Logs one line per error:
 * 5xx at error (with the error), 401 at warn, other 4xx at info; constant messages, no body.
 */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const response = mapHttpError(err, options);
    const fields = { code: response.code, status: response.status };
    if (response.status >= 500 && response.code === ErrorCode.HttpInternal) request.log.error({ ...fields, err }, 'webhook request failed');
    else if (response.status >= 500) request.log.warn(fields, 'webhook request not accepted; asked the sender to retry');
    else if (response.status === 401) request.log.warn(fields, 'webhook request refused');
    else request.log.info(fields, 'webhook request refused');
    return reply.code(response.status).headers(response.headers).type('application/json; charset=utf-8').send(errorBody(response));
  });
  app.setNotFoundHandler(() => {
    throw new AutohealError(ErrorCode.HttpNotFound, 'no such path on this source');
  });
}
