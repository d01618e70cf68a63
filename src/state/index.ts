export type { StateStore, StoredSession, RulesetChanges } from './state-store.js';
export { MemoryStateStore } from './memory-state-store.js';
export { RedisStateStore, type RedisStateStoreOptions } from './redis-state-store.js';
export { encodeState, decodeState } from './state-codec.js';
export { DurableEvaluator, toDispatchRecord, type DurableEvaluatorOptions, type DurableResult, type DispatchRecord } from './durable-evaluator.js';
