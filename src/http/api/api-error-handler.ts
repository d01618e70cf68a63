/**
 * @module Error responses of the operations server: the same JSON body and codes as the webhook
 * servers (src/http/error-handler.ts, whose mapping this extends), plus the API's own codes.
 *
 * | Code | Status | When |
 * |---|---|---|
 * | `AH_OUTCOME_QUERY_INVALID` | 400 | a bad `/api/outcomes` query parameter (unknown, repeated, empty, out of range, foreign cursor) |
 * | `AH_WEBHOOK_MISSING_CREDENTIALS` | 401 + `WWW-Authenticate: Bearer` | no `Authorization` header |
 * | `AH_WEBHOOK_BAD_TOKEN` | 401 + `WWW-Authenticate: Bearer` | wrong token or scheme |
 * | `AH_HTTP_NOT_FOUND` | 404 | no such path, or `/api/outcomes` without a configured token or store |
 * | `AH_HTTP_METHOD_NOT_ALLOWED` | 405 + `Allow` | anything but GET/HEAD on a known path |
 * | `AH_OUTCOME_STORE_FAILED` | 503 + `Retry-After` | the outcome store cannot answer now |
 * | `AH_HTTP_HANDLER_TIMEOUT`, `AH_HTTP_CLOSING` | 503 + `Retry-After` | as on the webhook servers |
 * | `AH_HTTP_INTERNAL` | 500 | a bug; logged with its stack |
 *
 * The 401 codes keep their `AH_WEBHOOK_*` names because they come from the shared
 * `verifyBearer`; clients should match on the status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { errorBody, mapHttpError, type ErrorHandlerOptions, type HttpErrorResponse } from '../error-handler.js';

const MAX_MESSAGE_CHARS = 1000;

/** The `WWW-Authenticate` challenge of 401 answers (RFC 6750 §3). */
export const API_AUTH_CHALLENGE = 'Bearer realm="autoheal"';

/** Maps any thrown value to its response (pure): the API codes, then the shared mapping. */
export function mapApiError(err: unknown, options: ErrorHandlerOptions): HttpErrorResponse {
  let response: HttpErrorResponse;
  if (err instanceof Error && hasErrorCode(err, ErrorCode.OutcomeQueryInvalid)) {
    const message = err.message.length > MAX_MESSAGE_CHARS ? `${err.message.slice(0, MAX_MESSAGE_CHARS)}…` : err.message;
    response = { status: 400, code: ErrorCode.OutcomeQueryInvalid, message, headers: {} };
  } else if (err instanceof Error && hasErrorCode(err, ErrorCode.OutcomeStoreFailed)) {
    // The store's message may name a file or a Redis address: constant text here, details in the log.
    response = {
      status: 503,
      code: ErrorCode.OutcomeStoreFailed,
      message: 'the outcome store cannot answer now; retry later',
      headers: { 'retry-after': String(options.retryAfterSeconds) },
    };
  } else {
    response = mapHttpError(err, options);
  }
  if (response.status === 401) response = { ...response, headers: { ...response.headers, 'www-authenticate': API_AUTH_CHALLENGE } };
  return response;
}

/**
 * Installs the error handler and a 404 handler that goes through it. One log line per error:
 * 500 at error (with the error), other 5xx at warn (with the error), 401 at warn, other 4xx at
 * info; constant messages.
 */
export function installApiErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const response = mapApiError(err, options);
    const fields = { code: response.code, status: response.status };
    if (response.status >= 500 && response.code === ErrorCode.HttpInternal) request.log.error({ ...fields, err }, 'api request failed');
    else if (response.status >= 500) request.log.warn({ ...fields, err }, 'api request not served; asked the client to retry');
    else if (response.status === 401) request.log.warn(fields, 'api request refused');
    else request.log.info(fields, 'api request refused');
    return reply.code(response.status).headers(response.headers).type('application/json; charset=utf-8').send(errorBody(response));
  });
}
