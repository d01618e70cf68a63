/**
 * @module How events are written into and read back from a Redis job. `JSON.stringify` throws on
 * `bigint`, and events may hold integers beyond 2^53 as `bigint` (src/core/json.ts), so events
 * are written as exact JSON text (big integers as bare digits) and read back with `parseJson`,
 * which turns such integers into `bigint` again.
 */
import { parseJson } from '../core/index.js';
import type { QueuedEvent } from './event-queue.js';

/**
 * `JSON.stringify` for JSON-like values that may contain `bigint`, written as its digits. Same
 * output as `JSON.stringify` otherwise (`toJSON` honoured, `undefined`/functions dropped from
 * objects and `null` in arrays, non-finite numbers as `null`).
 * @throws TypeError on a circular structure.
 */
export function stringifyExactJson(value: unknown): string {
  try {
    // The native writer is several times faster; it throws on a bigint (and on a cycle), and
    // only then does the exact writer below run.
    return JSON.stringify(value) ?? 'null';
  } catch {
    return write(value, new Set<object>()) ?? 'null';
  }
}

function write(value: unknown, stack: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (stack.has(value)) throw new TypeError('cannot queue an event with a circular structure');
      stack.add(value);
      try {
        if (Array.isArray(value)) return `[${value.map((v: unknown) => write(v, stack) ?? 'null').join(',')}]`;
        const parts: string[] = [];
        for (const [k, v] of Object.entries(value)) {
          const text = write(v, stack);
          if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
        }
        return `{${parts.join(',')}}`;
      } finally {
        stack.delete(value);
      }
    }
    default:
      return undefined;
  }
}

/** The events of one job as text. */
export function encodeQueuedEvents(events: readonly QueuedEvent[]): string {
  return stringifyExactJson(events);
}

/**
 * Reads the events of one job back.
 * @throws TypeError when the text is not what `encodeQueuedEvents` writes (a corrupted job).
 */
export function decodeQueuedEvents(text: string): QueuedEvent[] {
  const parsed = parseJson(text);
  if (!Array.isArray(parsed)) throw new TypeError('queued events: not an array');
  return parsed.map((item: unknown, i) => {
    if (!isRecord(item) || typeof item['id'] !== 'string' || typeof item['source'] !== 'string' || typeof item['receivedAt'] !== 'number' || !isRecord(item['event'])) {
      throw new TypeError(`queued events: item ${i} is not a queued event`);
    }
    const dedupKey = item['dedupKey'];
    if (dedupKey !== undefined && typeof dedupKey !== 'string') throw new TypeError(`queued events: item ${i} has a non-string dedupKey`);
    const rawKind = item['kind'];
    const kind: Pick<QueuedEvent, 'kind'> = rawKind === 'fact' ? { kind: 'fact' } : rawKind === 'retract' ? { kind: 'retract' } : {};
    const event: QueuedEvent = { id: item['id'], source: item['source'], event: item['event'], receivedAt: item['receivedAt'], ...kind };
    return dedupKey === undefined ? event : { ...event, dedupKey };
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
