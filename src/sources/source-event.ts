/**
 * @module What every normaliser returns: the events to enqueue, each with the dedup key the
 * queue uses to drop repeats (kept beside the event, not inside it, so rules never see it and
 * the event stays upstream-shaped).
 */
import type { JsonObject } from './json-value.js';
import type { RequestHeaders } from './request-headers.js';

/** One event and its dedup key. */
export interface KeyedEvent<E extends JsonObject = JsonObject> {
  readonly event: E;
  readonly dedupKey: string;
}

/** The request was understood and accepted, and produced these events (possibly none). */
export interface AcceptedResult<E extends JsonObject = JsonObject> {
  readonly kind: 'accepted';
  readonly events: readonly KeyedEvent<E>[];
}

/**
 * The request was well-formed but is of a kind this source does not turn into events; the
 * HTTP layer answers 2xx (`{"status":"ignored"}`) and drops it, because GitLab disables hooks
 * that keep failing (wire-formats.md §2.5).
 */
export interface IgnoredResult {
  readonly kind: 'ignored';
  /** Why, for the response body and the log (no payload content). */
  readonly reason: string;
}

export type NormalizeResult<E extends JsonObject = JsonObject> = AcceptedResult<E> | IgnoredResult;

/** What the HTTP layer knows about one webhook request. */
export interface WebhookRequest {
  /** The path the request was posted to, without the leading `/` (upstream's `meta.endpoint`). */
  readonly endpoint: string;
  readonly headers: RequestHeaders;
  /** The parsed JSON body, unchecked. */
  readonly body: unknown;
}
