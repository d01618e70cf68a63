/**
 * @module One bounded HTTP request for the actions that talk to remote APIs (notifiers, GitLab):
 * the request is cut after `timeoutMs` or when the action's signal aborts, the answer's body is
 * read up to a byte limit, and every way it can end is a value, not an exception, so callers map
 * it to an `ActionResult` with one `switch`. `fetch` is injected (tests, proxies).
 */

/** The subset of WHATWG `fetch` the actions use; `globalThis.fetch` in production. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Bodies longer than this are cut: only the start of an error body is worth keeping. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export const ExchangeOutcome = {
  /** An HTTP answer arrived (any status). */
  Response: 'response',
  /** No answer within `timeoutMs`. */
  Timeout: 'timeout',
  /** The action's signal aborted (action timeout or shutdown). */
  Aborted: 'aborted',
  /** The connection failed (refused, reset, DNS, TLS). */
  Network: 'network',
} as const;
export type ExchangeOutcome = (typeof ExchangeOutcome)[keyof typeof ExchangeOutcome];

export type Exchange =
  | { readonly outcome: 'response'; readonly status: number; readonly headers: Headers; readonly body: string }
  | { readonly outcome: 'timeout' | 'aborted' }
  /** `reason` is a short cause such as `ECONNREFUSED`; never the URL. */
  | { readonly outcome: 'network'; readonly reason: string };

export interface ExchangeOptions {
  readonly fetch: FetchLike;
  /** Bound of the whole exchange (connect, headers, body), in milliseconds. */
  readonly timeoutMs: number;
  /** The action's signal. */
  readonly signal: AbortSignal;
}

/** Sends one request and reads its answer; never rejects. */
export async function exchangeHttp(url: string, init: RequestInit, options: ExchangeOptions): Promise<Exchange> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  try {
    const response = await options.fetch(url, { ...init, signal, redirect: 'manual' });
    const body = await readBounded(response, MAX_RESPONSE_BYTES);
    return { outcome: ExchangeOutcome.Response, status: response.status, headers: response.headers, body };
  } catch (err: unknown) {
    if (options.signal.aborted) return { outcome: ExchangeOutcome.Aborted };
    if (timeout.aborted) return { outcome: ExchangeOutcome.Timeout };
    return { outcome: ExchangeOutcome.Network, reason: networkReason(err) };
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** undici wraps the socket error in `TypeError('fetch failed', {cause})`: the cause's code says more. */
function networkReason(err: unknown): string {
  const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  for (const candidate of [cause, err]) {
    if (typeof candidate === 'object' && candidate !== null) {
      const code = (candidate as { code?: unknown }).code;
      if (typeof code === 'string' && code !== '') return code;
    }
  }
  return err instanceof Error ? err.message : 'request failed';
}

/**
 * Milliseconds to wait from a `Retry-After` value: delay-seconds (Zulip sends decimals such as
 * `28.7`) or an HTTP date, relative to `nowMs`. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Replaces every occurrence of each secret in `text` (secrets shorter than 4 chars are ignored: too many false hits). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** One line, at most `max` characters: for summaries quoting a remote error. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
