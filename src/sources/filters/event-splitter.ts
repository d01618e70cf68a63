/**
 * @module `event_splitter` (rulebook-language.md §1.2): one event per item of the list at
 * `splitter_key` (a `.` path), each a deep copy of the item updated with the parent attributes
 * named in `attributes_key_map` (`{new_key: dot.path}`, missing paths skipped) and then with
 * `extras`. The parent's `meta` is not carried over unless mapped. A missing key leaves the
 * event intact (or fails with `raise_error`).
 *
 * Stricter than upstream, on purpose: a value at `splitter_key` that is not a list, or an item
 * that is not an object, fails the event (upstream iterates strings character by character or
 * crashes later on).
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { MISSING, getPath } from '../get-path.js';
import { jsonTypeName } from '../invalid-payload-error.js';
import { cloneJson, isPlainObject, setOwn, type JsonObject, type JsonValue } from '../json-value.js';
import { silentFilterLogger, type FilterLogger } from './event-filter.js';

export interface EventSplitterOptions {
  readonly splitterKey: string;
  readonly attributesKeyMap?: Readonly<Record<string, string>>;
  readonly extras?: JsonObject;
  /** Fail the event when `splitterKey` is missing. Default false. */
  readonly raiseError?: boolean;
}

function fail(message: string): AutohealError {
  return new AutohealError(ErrorCode.FilterFailed, `event_splitter: ${message}`);
}

/**
 * The events split out of `event`.
 * @throws AutohealError `AH_FILTER_FAILED` (see the module comment).
 */
export function eventSplitter(
  event: JsonObject,
  options: EventSplitterOptions,
  logger: FilterLogger = silentFilterLogger,
): readonly JsonObject[] {
  const list = getPath(event, options.splitterKey, '.');
  if (list === MISSING) {
    if (options.raiseError ?? false) {
      logger.error({ filter: 'event_splitter', splitterKey: options.splitterKey }, 'splitter key does not exist');
      throw fail(`key ${options.splitterKey} does not exist`);
    }
    logger.warn({ filter: 'event_splitter', splitterKey: options.splitterKey }, 'splitter key does not exist, event left intact');
    return [event];
  }
  if (!Array.isArray(list)) throw fail(`the value at ${options.splitterKey} is ${jsonTypeName(list)}, not a list`);

  const additional: Record<string, JsonValue> = {};
  for (const [key, path] of Object.entries(options.attributesKeyMap ?? {})) {
    const value = getPath(event, path, '.');
    if (value === MISSING) {
      logger.warn({ filter: 'event_splitter', path }, 'attribute key map path missing, skipped');
      continue;
    }
    setOwn(additional, key, value as JsonValue);
  }
  for (const [key, value] of Object.entries(options.extras ?? {})) setOwn(additional, key, value);

  return (list as readonly JsonValue[]).map((item, i) => {
    if (!isPlainObject(item)) throw fail(`item ${i} at ${options.splitterKey} is ${jsonTypeName(item)}, not an object`);
    const copy = cloneJson(item) as Record<string, JsonValue>;
    for (const [key, value] of Object.entries(additional)) setOwn(copy, key, cloneJson(value));
    return copy;
  });
}
