export { BeginResult, type CoordinationStore } from './coordination-store.js';
export { MemoryCoordinationStore } from './memory-coordination-store.js';
export { RedisCoordinationStore, type RedisCoordinationStoreOptions } from './redis-coordination-store.js';
export { resolveDispatchPolicy, retryDelay, worstCaseMs, durationMs, defaultTarget, REMEDIATION_ACTIONS, DISPATCH_DEFAULTS, type DispatchPolicy } from './dispatch-policy.js';
export { ActionRunner, type ActionJob, type JobDecision, type OutcomeSink, type ActionRunnerDeps, type Feedback } from './action-runner.js';
export { actionJobId, type ActionQueue } from './action-queue.js';
export { MemoryActionQueue } from './memory-action-queue.js';
export { RedisActionQueue, type RedisActionQueueOptions } from './redis-action-queue.js';
export { ActionDispatcher, dispatchKey, matchedEventIds, plannedRequests, type ActionDispatcherDeps } from './action-dispatcher.js';
