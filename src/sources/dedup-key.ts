/**
 * @module Building dedup keys: `<prefix>:<part>:<part>…` (wire-formats.md §7). Parts are
 * escaped so a `:` inside a host or service name cannot make two different events collide.
 * Keys are unique within one source; the queue namespaces them by source name.
 */
import { createHash } from 'node:crypto';

/** Escapes `%` and `:` in one key part (percent-encoding, so the key stays readable). */
export function escapeKeyPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/**
 * `prefix:part1:part2…`; `null`/`undefined` parts become empty. Every part but the last is
 * escaped; the last is left raw (readable timestamps such as `23:32:57`) since, with a fixed
 * number of parts per key kind, only the earlier parts can shift the boundaries.
 */
export function dedupKey(
  prefix: string,
  parts: readonly (string | number | bigint | boolean | null | undefined)[],
): string {
  const text = parts.map((p) => (p === null || p === undefined ? '' : String(p)));
  const last = text.pop();
  return [prefix, ...text.map(escapeKeyPart), ...(last === undefined ? [] : [last])].join(':');
}

/** Lower-case hex SHA-256 of `data` (UTF-8 for strings). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
