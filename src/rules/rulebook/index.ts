/**
 * @module Loading and validating rulebooks and vars: the YAML edge of autoheal. Everything past
 * this face receives the readonly, defaulted types of `types.ts` and never re-checks shapes.
 */
export * from './types.js';
export { loadRulebook, parseRulebook, DEFAULT_EVENTS_TTL_MS, type LoadRulebookOptions } from './load-rulebook.js';
export { loadVars, type LoadVarsOptions } from './load-vars.js';
export { renderSourceArgs } from './render-source-args.js';
export { parseYaml, isVaultMarker, VAULT_TAG, PYYAML_OPTIONS, type VaultMarker, type ParsedYaml } from './yaml-schema.js';
export {
  ACTION_NAMES,
  ACTION_DEFINITIONS,
  REMOVED_ACTIONS,
  ActionOrigin,
  actionArgsValidator,
  type ActionDefinition,
} from './action-schemas.js';
export {
  SOURCE_PLUGINS,
  SOURCE_PLUGIN_NAMES,
  EVENT_FILTERS,
  EVENT_FILTER_NAMES,
  PluginOrigin,
  resolveSourcePlugin,
  resolveEventFilter,
  type SourcePluginDefinition,
  type FilterDefinition,
} from './source-plugins.js';
export { isDeferredValue, type ArgsValidator } from './validate-args.js';
export { didYouMean, editDistance } from './did-you-mean.js';
export { scalarSourceOffset } from './scalar-offset.js';
