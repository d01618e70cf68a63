/**
 * @module Turning a rulebook's `filters:` entry (`{name, args}`) into an EventFilter: the
 * built-in filters of rulebook-language.md §1.2 under their names `eda.builtin.<name>`,
 * `ansible.eda.<name>` (the legacy redirects) or bare `<name>`. Arguments are checked once
 * here, so a typo fails at load time rather than on the first event (upstream fails then,
 * with a TypeError). `ansible.eda.dashes_to_underscores` is accepted although upstream's
 * redirect for it is broken (it points to a filter that does not exist).
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { isPlainObject, type JsonObject } from '../json-value.js';
import { dashesToUnderscores } from './dashes-to-underscores.js';
import { silentFilterLogger, type EventFilter, type FilterLogger } from './event-filter.js';
import { eventSplitter } from './event-splitter.js';
import { insertHostsToMeta } from './insert-hosts-to-meta.js';
import { jsonFilter } from './json-filter.js';
import { noop } from './noop.js';
import { normalizeKeys } from './normalize-keys.js';

export const BuiltinFilter = {
  JsonFilter: 'json_filter',
  DashesToUnderscores: 'dashes_to_underscores',
  NormalizeKeys: 'normalize_keys',
  InsertHostsToMeta: 'insert_hosts_to_meta',
  EventSplitter: 'event_splitter',
  Noop: 'noop',
} as const;
export type BuiltinFilter = (typeof BuiltinFilter)[keyof typeof BuiltinFilter];

const BUILTINS: ReadonlySet<string> = new Set(Object.values(BuiltinFilter));

/** The built-in filter a name refers to, or undefined. */
export function resolveFilterName(name: string): BuiltinFilter | undefined {
  const short = name.replace(/^(eda\.builtin|ansible\.eda)\./, '');
  return BUILTINS.has(short) ? (short as BuiltinFilter) : undefined;
}

class Args {
  private readonly used = new Set<string>();

  constructor(
    private readonly filter: string,
    private readonly args: Readonly<Record<string, unknown>>,
  ) {}

  private bad(key: string, expected: string): AutohealError {
    return new AutohealError(ErrorCode.SourceConfigInvalid, `filter ${this.filter}: ${key} must be ${expected}`);
  }

  private get(key: string): unknown {
    this.used.add(key);
    return this.args[key];
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') throw this.bad(key, 'a boolean');
    return v;
  }

  string(key: string, required: true): string;
  string(key: string, required: false): string | undefined;
  string(key: string, required: boolean): string | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) {
      if (required) throw this.bad(key, 'given');
      return undefined;
    }
    if (typeof v !== 'string') throw this.bad(key, 'a string');
    return v;
  }

  stringList(key: string): readonly string[] | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((s: unknown) => typeof s === 'string')) throw this.bad(key, 'a list of strings');
    return v as string[];
  }

  stringMap(key: string): Readonly<Record<string, string>> | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v) || !Object.values(v).every((s) => typeof s === 'string')) throw this.bad(key, 'a mapping of strings');
    return v as Record<string, string>;
  }

  object(key: string): JsonObject | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!isPlainObject(v)) throw this.bad(key, 'a mapping');
    return v as JsonObject;
  }

  /** Fails on arguments the filter does not take (upstream: "unexpected keyword argument"). */
  done(): void {
    const extra = Object.keys(this.args).filter((k) => !this.used.has(k));
    if (extra.length > 0) {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `filter ${this.filter}: unknown argument ${extra.map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

/**
 * Compiles one filter entry.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for an unknown filter or bad arguments.
 */
export function compileFilter(
  spec: { readonly name: string; readonly args: Readonly<Record<string, unknown>> },
  logger: FilterLogger = silentFilterLogger,
): EventFilter {
  const builtin = resolveFilterName(spec.name);
  if (builtin === undefined) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `unknown event filter "${spec.name}"`);
  }
  const a = new Args(spec.name, spec.args);
  let filter: EventFilter;
  switch (builtin) {
    case 'json_filter': {
      const includeKeys = a.stringList('include_keys') ?? [];
      const excludeKeys = a.stringList('exclude_keys') ?? [];
      filter = (e) => [jsonFilter(e, { includeKeys, excludeKeys })];
      break;
    }
    case 'dashes_to_underscores': {
      const overwrite = a.bool('overwrite', true);
      filter = (e) => [dashesToUnderscores(e, { overwrite })];
      break;
    }
    case 'normalize_keys': {
      const overwrite = a.bool('overwrite', true);
      filter = (e) => [normalizeKeys(e, { overwrite })];
      break;
    }
    case 'insert_hosts_to_meta': {
      const options = {
        hostPath: a.string('host_path', false) ?? '',
        pathSeparator: a.string('path_separator', false) ?? '.',
        hostSeparator: a.string('host_separator', false) ?? null,
        raiseError: a.bool('raise_error', false),
        logError: a.bool('log_error', true),
      };
      if (options.pathSeparator === '') throw new AutohealError(ErrorCode.SourceConfigInvalid, `filter ${spec.name}: path_separator must not be empty`);
      filter = (e) => [insertHostsToMeta(e, options, logger)];
      break;
    }
    case 'event_splitter': {
      const options = {
        splitterKey: a.string('splitter_key', true),
        attributesKeyMap: a.stringMap('attributes_key_map') ?? {},
        extras: a.object('extras') ?? {},
        raiseError: a.bool('raise_error', false),
      };
      filter = (e) => eventSplitter(e, options, logger);
      break;
    }
    case 'noop':
      filter = (e) => [noop(e)];
      break;
  }
  a.done();
  return filter;
}
