/** @module `noop` (deprecated upstream): the event unchanged. */
import type { JsonObject } from '../json-value.js';

export function noop(event: JsonObject): JsonObject {
  return event;
}
