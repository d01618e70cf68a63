/**
 * @module The engine composition behind `autoheal run`: `startEngine(options, {logger})` loads
 * the rulebook, connects queue and state, consumes every ruleset's queue, runs actions and
 * starts the sources; `engine.stopped` settles when it ends by itself (shutdown action, source
 * end or failure) or after `engine.close()`.
 */
export {
  startEngine,
  EngineStopReason,
  type Engine,
  type EngineDeps,
  type EngineStop,
  type ListeningSource,
} from './engine.js';
export {
  resolveEngineOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_DRAIN_TIMEOUT_MS,
  type EngineOptions,
  type ResolvedEngineOptions,
} from './engine-options.js';
export { createActionRunner, RUNNER_ACTIONS, type ActionRunnerDeps, type RunFiredRule } from './action-runner.js';
export { createPluginSourceEntry, isPluginSource, pluginEmitter, PLUGIN_SOURCE_FACTORIES, type PluginEmitDeps } from './plugin-source-entry.js';
export { createEngineLogger, logLevelFor } from './create-engine-logger.js';
