/**
 * @module `insert_meta_info`, which the engine appends after every source's filters
 * (rulebook-language.md §1.2). Sets, only where absent: `meta.source.name`,
 * `meta.source.type`, `meta.received_at` and `meta.uuid`. An event that already carries them
 * (e.g. re-posted by `post_event`) keeps its own.
 *
 * `received_at` is UTC ISO-8601 with microseconds and `Z` (`2026-11-21T23:32:57.289000Z`).
 * Upstream uses Python's `isoformat()`, which drops the fraction when it is exactly zero; we
 * always print six digits so the field has one fixed format.
 */
import { randomUUID } from 'node:crypto';
import { AutohealError, ErrorCode, systemClock, type Clock } from '../../core/index.js';
import { isoFromEpochMicros } from '../iso-time.js';
import { isPlainObject, type JsonObject } from '../json-value.js';

export interface InsertMetaOptions {
  /** The source entry's `name:` (or the plugin name). */
  readonly sourceName: string;
  /** The plugin FQCN (`ansible.eda.alertmanager`), or `internal` for engine-made events. */
  readonly sourceType: string;
}

export interface InsertMetaDeps {
  /** Milliseconds, fractional milliseconds are kept to the microsecond. Default the system clock. */
  readonly clock?: Clock;
  /** Default `crypto.randomUUID` (a version-4 UUID, as upstream). */
  readonly newId?: () => string;
}

const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/**
 * A copy of `event` with the meta information added where absent.
 * @throws AutohealError `AH_FILTER_FAILED` when `meta` or `meta.source` is not an object.
 */
export function insertMeta(event: JsonObject, options: InsertMetaOptions, deps: InsertMetaDeps = {}): JsonObject {
  const meta = event.meta ?? {};
  if (!isPlainObject(meta)) throw new AutohealError(ErrorCode.FilterFailed, 'insert_meta_info: meta is not an object');
  const source = meta.source ?? {};
  if (!isPlainObject(source)) throw new AutohealError(ErrorCode.FilterFailed, 'insert_meta_info: meta.source is not an object');

  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? randomUUID;
  return {
    ...event,
    meta: {
      ...(meta as JsonObject),
      source: {
        ...(source as JsonObject),
        ...(has(source, 'name') ? {} : { name: options.sourceName }),
        ...(has(source, 'type') ? {} : { type: options.sourceType }),
      },
      ...(has(meta, 'received_at') ? {} : { received_at: isoFromEpochMicros(clock.now() * 1000) }),
      ...(has(meta, 'uuid') ? {} : { uuid: newId() }),
    },
  };
}
