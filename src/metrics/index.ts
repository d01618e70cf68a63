/**
 * @module Prometheus metrics of the engine: one `EngineMetrics` per engine, its own registry,
 * typed recording methods. The metric table is in engine-metrics.ts.
 */
export {
  ACTION_DURATION_BUCKETS_SECONDS,
  DEFAULT_QUEUE_DEPTH_TIMEOUT_MS,
  EngineMetrics,
  RuleDecision,
  type EngineMetricsOptions,
  type QueueDepthProvider,
} from './engine-metrics.js';
