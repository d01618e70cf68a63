/**
 * @module The registries of event-source plugins and event filters a rulebook may name, each
 * with its canonical name and the aliases upstream resolves to it
 * (shared/spec/rulebook-language.md §1.2, §4). Plugin arguments are validated by the sources
 * themselves; filter arguments are small and documented, so they are checked here.
 */
import type { SchemaObject } from 'ajv';
import { compileArgsSchema, type ArgsValidator } from './validate-args.js';

/** Where a plugin comes from: upstream compatibility or autoheal's own superset. */
export const PluginOrigin = { AnsibleRulebook: 'ansible-rulebook', Autoheal: 'autoheal' } as const;
export type PluginOrigin = (typeof PluginOrigin)[keyof typeof PluginOrigin];

export interface SourcePluginDefinition {
  /** The name autoheal's source implementations are keyed by. */
  readonly canonical: string;
  /** Other names that resolve to it (legacy redirects, the bare names upstream's tests use). */
  readonly aliases: readonly string[];
  readonly origin: PluginOrigin;
}

const upstream = (canonical: string, ...aliases: string[]): SourcePluginDefinition => ({
  canonical,
  aliases,
  origin: PluginOrigin.AnsibleRulebook,
});

/**
 * Source plugins. Bare `range` and `generic` resolve upstream only through `-S tests/sources`,
 * but every upstream test rulebook uses them, so they are accepted as aliases.
 */
export const SOURCE_PLUGINS: readonly SourcePluginDefinition[] = [
  upstream('ansible.eda.alertmanager'),
  upstream('eda.builtin.webhook', 'ansible.eda.webhook'),
  upstream('eda.builtin.range', 'ansible.eda.range', 'range'),
  upstream('eda.builtin.generic', 'ansible.eda.generic', 'generic'),
  upstream('eda.builtin.pg_listener', 'ansible.eda.pg_listener'),
  upstream('ansible.eda.kafka'),
  upstream('ansible.eda.url_check', 'community.eda.url_check'),
  upstream('ansible.eda.aws_cloudtrail'),
  upstream('ansible.eda.aws_sqs_queue'),
  upstream('ansible.eda.azure_service_bus'),
  upstream('ansible.eda.file'),
  upstream('ansible.eda.file_watch'),
  upstream('ansible.eda.journald'),
  upstream('ansible.eda.tick'),
  { canonical: 'autoheal.gitlab', aliases: [], origin: PluginOrigin.Autoheal },
  { canonical: 'autoheal.icinga', aliases: [], origin: PluginOrigin.Autoheal },
];

export interface FilterDefinition {
  readonly canonical: string;
  readonly aliases: readonly string[];
  readonly schema: SchemaObject;
}

const STRING = { type: 'string' } as const;
const BOOLEAN = { type: 'boolean' } as const;
const STRINGS = { type: 'array', items: STRING } as const;

function argsSchema(properties: Record<string, unknown>, required: readonly string[] = []): SchemaObject {
  return { type: 'object', properties, required: [...required], additionalProperties: false };
}

const builtinFilter = (name: string, schema: SchemaObject): FilterDefinition => ({
  canonical: `eda.builtin.${name}`,
  // `ansible.eda.dashes_to_underscores` redirects to a non-existent name upstream (§1.2 ⚠);
  // autoheal resolves it to the real filter instead of failing at start-up.
  aliases: [`ansible.eda.${name}`],
  schema,
});

/** Event filters (§1.2's table), with their legacy `ansible.eda.*` names. */
export const EVENT_FILTERS: readonly FilterDefinition[] = [
  builtinFilter('json_filter', argsSchema({ exclude_keys: STRINGS, include_keys: STRINGS })),
  builtinFilter('dashes_to_underscores', argsSchema({ overwrite: BOOLEAN })),
  builtinFilter('normalize_keys', argsSchema({ overwrite: BOOLEAN })),
  builtinFilter(
    'insert_hosts_to_meta',
    argsSchema(
      {
        host_path: STRING,
        path_separator: STRING,
        host_separator: { type: ['string', 'null'] },
        raise_error: BOOLEAN,
        log_error: BOOLEAN,
      },
      ['host_path'],
    ),
  ),
  builtinFilter(
    'event_splitter',
    argsSchema(
      {
        splitter_key: STRING,
        attributes_key_map: { type: 'object', additionalProperties: STRING },
        extras: { type: 'object' },
        raise_error: BOOLEAN,
      },
      ['splitter_key'],
    ),
  ),
  builtinFilter('insert_meta_info', argsSchema({ source_name: STRING, source_type: STRING })),
  builtinFilter('noop', argsSchema({})),
];

function byName<T extends { readonly canonical: string; readonly aliases: readonly string[] }>(
  definitions: readonly T[],
): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const definition of definitions) {
    for (const name of [definition.canonical, ...definition.aliases]) map.set(name, definition);
  }
  return map;
}

const SOURCES_BY_NAME = byName(SOURCE_PLUGINS);
const FILTERS_BY_NAME = byName(EVENT_FILTERS);
const FILTER_VALIDATORS: ReadonlyMap<string, ArgsValidator> = new Map(
  EVENT_FILTERS.map((f) => [f.canonical, compileArgsSchema(f.schema)]),
);

/** Every accepted source plugin name, canonical names first. */
export const SOURCE_PLUGIN_NAMES: readonly string[] = [
  ...SOURCE_PLUGINS.map((p) => p.canonical),
  ...SOURCE_PLUGINS.flatMap((p) => p.aliases),
];

/** Every accepted filter name, canonical names first. */
export const EVENT_FILTER_NAMES: readonly string[] = [
  ...EVENT_FILTERS.map((f) => f.canonical),
  ...EVENT_FILTERS.flatMap((f) => f.aliases),
];

/** The plugin a name (canonical or alias) resolves to. */
export function resolveSourcePlugin(name: string): SourcePluginDefinition | undefined {
  return SOURCES_BY_NAME.get(name);
}

/** The filter a name (canonical or alias) resolves to. */
export function resolveEventFilter(name: string): FilterDefinition | undefined {
  return FILTERS_BY_NAME.get(name);
}

/** The compiled argument validator of a filter, by canonical name. */
export function filterArgsValidator(canonical: string): ArgsValidator | undefined {
  return FILTER_VALIDATORS.get(canonical);
}
