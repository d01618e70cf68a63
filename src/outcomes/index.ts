/**
 * @module Outcome records: what autoheal evaluated, decided and did, linked by ids, kept with a
 * bounded retention in memory (+ JSON-lines file) or Redis, and queried by `autoheal history`.
 */
export {
  ACTION_STATUSES,
  ActionStatus,
  DecisionKind,
  OUTPUT_TAIL_MAX_BYTES,
  REDACTED,
  SUMMARY_MAX_CHARS,
  boundSummary,
  eventHost,
  finishedAttempt,
  isSecretKey,
  newActionFromRequest,
  redactDetails,
  summarizeEvent,
  tailBytes,
  type ActionRecord,
  type AttemptRecord,
  type DecisionRecord,
  type EventRecord,
  type EventSummary,
  type LinkedActionRecord,
  type NewActionRecord,
} from './outcome-records.js';
export {
  DEFAULT_OUTCOME_RETENTION,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
  checkOutcomeQuery,
  resolveOutcomeRetention,
  type OutcomePage,
  type OutcomeQuery,
  type OutcomeRetention,
  type OutcomeStore,
  type DecisionQuery,
  decisionMatches,
} from './outcome-store.js';
export { MemoryOutcomeStore, type MemoryOutcomeStoreDeps, type MemoryOutcomeStoreOptions } from './memory-outcome-store.js';
export { RedisOutcomeStore, type RedisOutcomeStoreDeps, type RedisOutcomeStoreOptions } from './redis-outcome-store.js';
