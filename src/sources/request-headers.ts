/**
 * @module Request headers as the HTTP layer hands them over, and the copy that goes into
 * `meta.headers`. Upstream builds `meta.headers` from the request's header dict, so names keep
 * the sender's capitalisation when the HTTP layer passes them that way (e.g. built from
 * Node's `rawHeaders`); Node's lower-cased `req.headers` works too. Lookups are
 * case-insensitive either way.
 */
import { setOwn } from './json-value.js';

/** Compatible with Node's `IncomingHttpHeaders` and with a plain name → value record. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Header names that carry credentials: never copied into an event (it is logged and stored). */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization'];

/**
 * The value of header `name` (case-insensitive), repeated values joined with `, ` as HTTP
 * allows; undefined when absent.
 */
export function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') found.push(value);
    else found.push(...value);
  }
  return found.length === 0 ? undefined : found.join(', ');
}

/**
 * The headers for `meta.headers`: every header except `drop` (case-insensitive), each value a
 * single string (repeated values joined with `, `). Always drops the credential headers.
 */
export function eventHeaders(
  headers: RequestHeaders,
  drop: readonly string[] = [],
): Readonly<Record<string, string>> {
  const dropped = new Set([...CREDENTIAL_HEADERS, ...drop].map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || dropped.has(key.toLowerCase())) continue;
    const text = typeof value === 'string' ? value : value.join(', ');
    const prev = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    setOwn(out, key, prev === undefined ? text : `${prev}, ${text}`);
  }
  return out;
}
