/**
 * @module Generic JSON webhook → upstream `eda.builtin.webhook` event
 * (rulebook-language.md §4.3): `{payload: <body>, meta: {endpoint, headers}}` with the request
 * headers minus `Authorization` (as upstream; we also drop `Proxy-Authorization`).
 *
 * Dedup key (wire-formats.md §7), scoped by endpoint:
 * - `wh:<endpoint>:idempotency-key:<Idempotency-Key header>` when the caller sent one,
 * - else `wh:<endpoint>:request-id:<X-Request-Id header>`,
 * - else `wh:<endpoint>:sha256:<SHA-256 of the raw body>` (of its canonical JSON when the HTTP
 *   layer did not keep the bytes). So the same body posted twice within the dedup window is
 *   one event: senders that repeat identical commands on purpose must send an Idempotency-Key.
 */
import { dedupKey, sha256Hex } from '../dedup-key.js';
import { InvalidPayloadError } from '../invalid-payload-error.js';
import { canonicalJson, findNonJson, type JsonValue } from '../json-value.js';
import { eventHeaders, headerValue } from '../request-headers.js';
import type { AcceptedResult, WebhookRequest } from '../source-event.js';

export type WebhookEvent = {
  readonly payload: JsonValue;
  readonly meta: { readonly endpoint: string; readonly headers: Readonly<Record<string, string>> };
};

export interface GenericWebhookRequest extends WebhookRequest {
  /** The body bytes as received, for the content-hash dedup key. */
  readonly rawBody?: Uint8Array | string;
}

/**
 * Wraps one webhook request into upstream's single event and its dedup key.
 * @throws InvalidPayloadError (`AH_WEBHOOK_INVALID_PAYLOAD`) when `body` is not JSON data.
 */
export function normalizeWebhook(request: GenericWebhookRequest): AcceptedResult<WebhookEvent> {
  const bad = findNonJson(request.body);
  if (bad !== undefined) throw new InvalidPayloadError('webhook body', [{ path: bad, message: 'not JSON data' }]);
  const payload = request.body as JsonValue;

  const idempotencyKey = headerValue(request.headers, 'idempotency-key');
  const requestId = headerValue(request.headers, 'x-request-id');
  let key: string;
  if (idempotencyKey !== undefined && idempotencyKey !== '') {
    key = dedupKey('wh', [request.endpoint, 'idempotency-key', idempotencyKey]);
  } else if (requestId !== undefined && requestId !== '') {
    key = dedupKey('wh', [request.endpoint, 'request-id', requestId]);
  } else {
    const digest = sha256Hex(request.rawBody ?? canonicalJson(payload));
    key = dedupKey('wh', [request.endpoint, 'sha256', digest]);
  }

  return {
    kind: 'accepted',
    events: [{ event: { payload, meta: { endpoint: request.endpoint, headers: eventHeaders(request.headers) } }, dedupKey: key }],
  };
}
