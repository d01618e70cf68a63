/**
 * @module From one authenticated, parsed webhook request to the events handed to the queue:
 * normalise (per source kind) → the entry's filters → upstream's `insert_meta_info`
 * (rulebook-language.md §1.2) → `QueuedEvent`s whose dedup keys are namespaced by ruleset and
 * source name. Pure apart from the injected clock and id generator.
 */
import type { Clock } from '../core/index.js';
import type { QueuedEvent } from '../queue/index.js';
import {
  applyFilters,
  insertMeta,
  normalizeAlertmanager,
  normalizeGitlab,
  normalizeWebhook,
  type JsonObject,
  type KeyedEvent,
  type NormalizeResult,
  type RequestHeaders,
} from '../sources/index.js';
import type { SourceConfig } from './source-config.js';

/** What the HTTP layer hands over for one request. */
export interface IntakeRequest {
  /** The path without its leading `/` (upstream's `meta.endpoint`). */
  readonly endpoint: string;
  /** With the sender's capitalisation (upstream's `meta.headers`). */
  readonly headers: RequestHeaders;
  readonly body: unknown;
  readonly rawBody: Uint8Array;
}

/**
 * Normalises one request with the source's normaliser.
 * @throws InvalidPayloadError (`AH_WEBHOOK_INVALID_PAYLOAD`) for a body of the wrong shape.
 */
export function normalizeIntakeRequest(config: SourceConfig, request: IntakeRequest): NormalizeResult {
  switch (config.kind) {
    case 'alertmanager':
      return normalizeAlertmanager(request, config.options);
    case 'webhook':
      return normalizeWebhook(request);
    case 'gitlab':
      return normalizeGitlab(request, config.options);
  }
}

export interface BuildQueuedEventsDeps {
  readonly clock: Clock;
  /** One id per event; it becomes `meta.uuid` (unless a filter already set one) and `QueuedEvent.id`. */
  readonly newId: () => string;
}

/**
 * Runs the source's filters over each normalised event, adds the meta information and builds
 * the queue's events, all stamped with one receive time.
 *
 * Dedup keys are `<ruleset>/<source name>:<normaliser key>`; when a filter fans one event out
 * (`event_splitter`), the parts get `#<index>` so they are not taken for duplicates of each
 * other, while a resend of the same request still gives the same keys.
 * @throws AutohealError `AH_FILTER_FAILED` when a filter refuses an event.
 */
export function buildQueuedEvents(
  config: SourceConfig,
  keyed: readonly KeyedEvent[],
  deps: BuildQueuedEventsDeps,
): QueuedEvent[] {
  const receivedAt = deps.clock.now();
  const fixedClock: Clock = { now: () => receivedAt };
  const meta = { sourceName: config.sourceName, sourceType: config.sourceType };
  const out: QueuedEvent[] = [];
  for (const { event, dedupKey } of keyed) {
    const filtered = applyFilters(event, config.filters);
    filtered.forEach((item: JsonObject, index: number) => {
      const id = deps.newId();
      out.push({
        id,
        dedupKey: `${config.dedupPrefix}${dedupKey}${filtered.length > 1 ? `#${index}` : ''}`,
        source: config.sourceName,
        event: insertMeta(item, meta, { clock: fixedClock, newId: () => id }),
        receivedAt,
      });
    });
  }
  return out;
}
