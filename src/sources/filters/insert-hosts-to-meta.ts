/**
 * @module `insert_hosts_to_meta` (rulebook-language.md §1.2): reads the value at `host_path`
 * (no `event.` prefix) and sets `meta.hosts`, which limits playbook actions to those hosts. A
 * string becomes `[s]`, or is split on `host_separator`; a list must hold only strings;
 * anything else fails the event, as upstream. A missing path leaves the event unchanged (logged
 * unless `log_error: false`, failing with `raise_error: true`).
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { MISSING, getPath } from '../get-path.js';
import { isPlainObject, type JsonObject } from '../json-value.js';
import { jsonTypeName } from '../invalid-payload-error.js';
import { silentFilterLogger, type FilterLogger } from './event-filter.js';

export interface InsertHostsToMetaOptions {
  /** Where the host(s) are; `''` makes the filter do nothing (as upstream's default null). */
  readonly hostPath: string;
  /** Default `.`. */
  readonly pathSeparator?: string;
  /** Splits a string value into several hosts. Default none (the string is one host). */
  readonly hostSeparator?: string | null;
  /** Fail the event when the path is missing. Default false. */
  readonly raiseError?: boolean;
  /** Log a missing path. Default true. */
  readonly logError?: boolean;
}

function fail(message: string): AutohealError {
  return new AutohealError(ErrorCode.FilterFailed, `insert_hosts_to_meta: ${message}`);
}

/**
 * A copy of `event` with `meta.hosts` set.
 * @throws AutohealError `AH_FILTER_FAILED` for a value that is not a host name or list of them,
 * a missing path with `raiseError`, or a `meta` that is not an object.
 */
export function insertHostsToMeta(
  event: JsonObject,
  options: InsertHostsToMetaOptions,
  logger: FilterLogger = silentFilterLogger,
): JsonObject {
  if (options.hostPath === '') return event;
  const value = getPath(event, options.hostPath, options.pathSeparator ?? '.');
  if (value === MISSING) {
    if (options.logError ?? true) logger.error({ filter: 'insert_hosts_to_meta', hostPath: options.hostPath }, 'event does not contain host_path');
    if (options.raiseError ?? false) throw fail(`event does not contain ${options.hostPath}`);
    return event;
  }
  let hosts: readonly string[];
  if (typeof value === 'string') {
    const sep = options.hostSeparator;
    hosts = sep !== undefined && sep !== null && sep !== '' ? value.split(sep) : [value];
  } else if (Array.isArray(value)) {
    value.forEach((h: unknown, i: number) => {
      if (typeof h !== 'string') throw fail(`item ${i} at ${options.hostPath} is ${jsonTypeName(h)}, not a host name`);
    });
    hosts = value as string[];
  } else {
    throw fail(`the value at ${options.hostPath} is ${jsonTypeName(value)}, not a host name`);
  }
  const meta = event.meta;
  if (meta !== undefined && !isPlainObject(meta)) throw fail('meta is not an object');
  return { ...event, meta: { ...(meta ?? {}), hosts } };
}
