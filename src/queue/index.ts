/**
 * @module The event queue between intake and evaluation: the contract (`EventQueue`), its two
 * implementations (Redis/BullMQ, durable; in-memory, embedded) and `createEventQueue`, which
 * picks one from configuration.
 *
 * Typical use: `const q = createEventQueue({ redisUrl }, { logger })`, `const info = await
 * q.start()` (log `info.durable === false`), intake calls `q.enqueue([{ ruleset, events }])` and
 * answers 503 on `AH_QUEUE_UNAVAILABLE`, the engine calls `q.consume(rulesets, handler)`, and
 * shutdown calls `q.close()`.
 */
export * from './event-queue.js';
export * from './event-queue-options.js';
export * from './create-event-queue.js';
export { HandleOutcome, backoffDelay, type FailedEvent, type RetryPolicy, type Sleep, timerSleep } from './handle-with-retries.js';
export * from './memory-event-queue.js';
export * from './memory-event-queue-options.js';
export * from './queue-logger.js';
export { decodeQueuedEvents, encodeQueuedEvents, stringifyExactJson } from './queued-event-codec.js';
export * from './redis-event-queue.js';
export * from './redis-event-queue-options.js';
export * from './ruleset-queue-name.js';
