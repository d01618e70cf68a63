/**
 * @module The engine's side of sources that produce events themselves (range, generic): builds
 * the plugin for a rulebook source entry and the `emit` that runs the entry's filters, adds
 * upstream's meta (`insert_meta_info`, rulebook-language.md §1.2) and queues the events for the
 * entry's ruleset.
 */
import { randomUUID } from 'node:crypto';
import { AutohealError, ErrorCode, RulebookError, type Clock } from '../core/index.js';
import type { EventQueue, QueuedEvent } from '../queue/index.js';
import type { SourceSpec } from '../rules/rulebook/index.js';
import { applyFilters, compileFilter, insertMeta, type EventFilter, type FilterLogger } from '../sources/index.js';
import { createGenericSource } from '../sources/generic/index.js';
import type { EmitEvents, PluginSource } from '../sources/plugin-source.js';
import { createRangeSource } from '../sources/range/index.js';
import { createIcingaSource } from '../sources/icinga/index.js';
import type { SourceLogger } from '../sources/plugin-source.js';

/** Canonical names of the plugin sources `autoheal run` can start. */
/** What a plugin source may need besides its arguments. */
export interface PluginSourceContext {
  readonly ruleset: string;
  readonly logger: SourceLogger;
  /** For `*_env` secrets in the source's arguments. */
  readonly env: NodeJS.ProcessEnv;
}

export const PLUGIN_SOURCE_FACTORIES: Readonly<Record<string, (args: unknown, context: PluginSourceContext) => PluginSource>> = {
  'eda.builtin.range': (args) => createRangeSource(args),
  'eda.builtin.generic': (args) => createGenericSource(args),
  // The Icinga 2 event stream: reconnects by itself and reconciles current problems after
  // every connect; its dedup keys make one remediation of what several processes receive.
  'autoheal.icinga': (args, { ruleset, logger, env }) => createIcingaSource(args, { ruleset }, { logger, env }),
};

/** True when `autoheal run` starts this entry as a plugin source. */
export function isPluginSource(source: Pick<SourceSpec, 'canonicalPlugin'>): boolean {
  return Object.prototype.hasOwnProperty.call(PLUGIN_SOURCE_FACTORIES, source.canonicalPlugin);
}

/**
 * The plugin for one source entry, with its filters compiled.
 * @throws RulebookError `AH_SOURCE_CONFIG_INVALID` positioned at the entry, for bad arguments
 *   or filters.
 */
export function createPluginSourceEntry(
  source: SourceSpec,
  filterLogger: FilterLogger & SourceLogger,
  ruleset = '',
  env: NodeJS.ProcessEnv = process.env,
): { plugin: PluginSource; filters: readonly EventFilter[] } {
  const factory = PLUGIN_SOURCE_FACTORIES[source.canonicalPlugin];
  if (factory === undefined) throw positioned(source, `source plugin "${source.plugin}" is not supported by autoheal run yet`);
  try {
    const filters = source.filters.map((f) => compileFilter(f, filterLogger));
    return { plugin: factory(source.args, { ruleset, logger: filterLogger, env }), filters };
  } catch (err) {
    if (err instanceof AutohealError) throw positioned(source, err.message);
    throw err;
  }
}

export interface PluginEmitDeps {
  readonly queue: EventQueue;
  readonly ruleset: string;
  readonly source: SourceSpec;
  readonly filters: readonly EventFilter[];
  readonly clock: Clock;
  readonly newId?: () => string;
  /** Called with the ids the queue accepted (not duplicates), so the engine can wait for them. */
  readonly onQueued: (ids: readonly string[]) => void;
}

/** The `emit` of one plugin source entry: filters → meta → one atomic enqueue for its ruleset. */
export function pluginEmitter(deps: PluginEmitDeps): EmitEvents {
  const newId = deps.newId ?? randomUUID;
  const meta = { sourceName: deps.source.name, sourceType: deps.source.plugin };
  return async (batch) => {
    const receivedAt = deps.clock.now();
    const events: QueuedEvent[] = [];
    for (const item of batch) {
      for (const filtered of applyFilters(item.event, deps.filters)) {
        const id = newId();
        const event = insertMeta(filtered, meta, { clock: deps.clock, newId: () => id });
        const queued: QueuedEvent = { id, source: deps.source.name, event, receivedAt };
        events.push(item.dedupKey === undefined ? queued : { ...queued, dedupKey: `${deps.ruleset}/${deps.source.name}:${item.dedupKey}` });
      }
    }
    if (events.length === 0) return;
    const result = await deps.queue.enqueue([{ ruleset: deps.ruleset, events }]);
    deps.onQueued(result.queued);
  };
}

function positioned(source: SourceSpec, message: string): RulebookError {
  return new RulebookError([{ ...source.position, message: `source "${source.name}": ${message}` }], ErrorCode.SourceConfigInvalid);
}
