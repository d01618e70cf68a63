/**
 * @module The pure half of event intake: validating what sources send and turning it into
 * upstream-shaped events with dedup keys, authenticating webhook requests, and the built-in
 * event filters. No I/O: the HTTP layer and the Icinga client call these.
 *
 * Typical webhook flow (HTTP layer): authenticate with `verify*` on the raw body → normalise
 * the parsed body (`normalizeAlertmanager`, `normalizeGitlab`, `normalizeWebhook`; an
 * InvalidPayloadError means 422, an `ignored` result means 2xx and drop) → for each event
 * `applyFilters` with the source's compiled filters, then `insertMeta` → enqueue with the
 * dedup key (namespaced by source name) → answer.
 */
export * from './alertmanager/index.js';
export * from './auth/index.js';
export * from './dedup-key.js';
export * from './filters/index.js';
export * from './get-path.js';
export * from './gitlab/index.js';
export * from './icinga/index.js';
export * from './invalid-payload-error.js';
export * from './iso-time.js';
export * from './json-value.js';
export * from './request-headers.js';
export * from './source-event.js';
export * from './webhook/index.js';
