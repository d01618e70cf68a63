/**
 * @module The shape of an event filter (rulebook-language.md §1.2): one event in, one or more
 * events out (a list fans out, as `event_splitter` does). Upstream's filters mutate the event
 * in place; ours return new objects and never modify their input.
 */
import type { JsonObject } from '../json-value.js';

/** A compiled filter with its arguments bound. */
export type EventFilter = (event: JsonObject) => readonly JsonObject[];

/** Where filters report what upstream logs (pino's argument order: fields, then message). */
export interface FilterLogger {
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

export const silentFilterLogger: FilterLogger = {
  warn: () => undefined,
  error: () => undefined,
};

/** Runs `filters` in order; each output event of one filter feeds the next. */
export function applyFilters(event: JsonObject, filters: readonly EventFilter[]): readonly JsonObject[] {
  let events: readonly JsonObject[] = [event];
  for (const filter of filters) events = events.flatMap((e) => filter(e));
  return events;
}
