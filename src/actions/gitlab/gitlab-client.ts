/**
 * @module One GitLab REST call (wire-formats.md §2.6) and how its failures map to action results.
 *
 * | answer | result |
 * |---|---|
 * | 2xx | success |
 * | 400, 422 | failed, not retryable: GitLab refused the parameters (the message is quoted) |
 * | 401 | failed, not retryable: the token is wrong, expired or revoked |
 * | 403 | failed, not retryable: the token lacks the `api` scope or a role on the project |
 * | 404 | failed, not retryable: project or issue not found (or not visible to the token) |
 * | 409 | failed, retryable: a conflicting concurrent change; the next attempt sees the new state |
 * | 429 | failed, retryable after `Retry-After` (else `RateLimit-Reset`) |
 * | 5xx, timeout, connection error | failed (timed out), retryable |
 * | 3xx | failed, not retryable: `gitlab.url` points at a redirect (http → https?) |
 */
import { OutcomeStatus, type ActionResult } from '../action-handler.js';
import { exchangeHttp, oneLine, parseRetryAfter, redactSecrets, type Exchange, type FetchLike } from '../notify/index.js';
import { GitlabAuth, type GitlabConfig } from './gitlab-config.js';

const OUTPUT_TAIL_CHARS = 2_000;

export interface GitlabCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Below `/api/v4`, starting with `/`. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: Readonly<Record<string, unknown>>;
  /** Sent back as `X-Gitlab-Event-UUID` (loop prevention). */
  readonly eventUuid?: string;
}

export interface GitlabCallContext {
  readonly config: GitlabConfig;
  readonly fetch: FetchLike;
  readonly signal: AbortSignal;
}

/** Performs one call; never rejects. */
export function callGitlab(call: GitlabCall, context: GitlabCallContext): Promise<Exchange> {
  const { config } = context;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.auth === GitlabAuth.Bearer) headers.authorization = `Bearer ${config.token}`;
  else headers['private-token'] = config.token;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.eventUuid !== undefined) headers['x-gitlab-event-uuid'] = call.eventUuid;
  return exchangeHttp(
    `${config.apiUrl}${call.path}`,
    { method: call.method, headers, ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }) },
    { fetch: context.fetch, timeoutMs: config.timeoutMs, signal: context.signal },
  );
}

/** True for a 2xx answer. */
export function isSuccess(exchange: Exchange): exchange is Extract<Exchange, { outcome: 'response' }> {
  return exchange.outcome === 'response' && exchange.status >= 200 && exchange.status < 300;
}

/** Parses a JSON answer; undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The failed result of a non-2xx exchange. `what` names the call for humans
 * (`comment on ops/infra#23`), `nowMs` is the clock (HTTP-date `Retry-After`).
 */
export function gitlabFailure(exchange: Exchange, what: string, config: GitlabConfig, nowMs: number): ActionResult {
  const secrets = [config.token];
  switch (exchange.outcome) {
    case 'timeout':
      return { status: OutcomeStatus.TimedOut, summary: `${what}: GitLab did not answer within ${config.timeoutMs} ms`, retryable: true };
    case 'aborted':
      return { status: OutcomeStatus.Failed, summary: `${what}: aborted before GitLab answered`, retryable: true };
    case 'network':
      return { status: OutcomeStatus.Failed, summary: `${what}: cannot reach GitLab (${exchange.reason})`, retryable: true };
    case 'response':
      break;
  }
  const { status, headers, body } = exchange;
  const outputTail = redactSecrets(body, secrets).slice(0, OUTPUT_TAIL_CHARS);
  const base = { httpStatus: status, ...(outputTail === '' ? {} : { outputTail }) };
  const message = gitlabMessage(body, secrets);
  const said = message === '' ? '' : ` (${message})`;
  const fail = (summary: string, retryable = false, retryAfterMs?: number): ActionResult => ({
    ...base,
    status: OutcomeStatus.Failed,
    summary: `${what}: ${summary}`,
    retryable,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

  if (status >= 300 && status < 400) return fail(`HTTP ${status} redirect; check gitlab.url (https?)`);
  switch (status) {
    case 400:
    case 422:
      return fail(`GitLab refused the request, HTTP ${status}${said}`);
    case 401:
      return fail(`GitLab rejected the token, HTTP 401${said}; check gitlab.token`);
    case 403:
      return fail(`the token may not do this, HTTP 403${said}; it needs the api scope and a role on the project`);
    case 404:
      return fail(`not found, HTTP 404${said}; check the project and issue, and that the token can see them`);
    case 409:
      return fail(`conflicting change, HTTP 409${said}`, true);
    case 429: {
      const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs) ?? rateLimitReset(headers.get('ratelimit-reset'), nowMs);
      return fail(`rate limited, HTTP 429${said}`, true, retryAfterMs);
    }
    default:
      return fail(`HTTP ${status}${said}`, status >= 500);
  }
}

/** `RateLimit-Reset` is a Unix time in seconds on GitLab. */
function rateLimitReset(value: string | null, nowMs: number): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value.trim()) * 1000 - nowMs);
}

/** GitLab errors: `{"message": "404 Issue Not Found"}`, `{"message": {"field": [..]}}` or `{"error": "…"}`. */
function gitlabMessage(body: string, secrets: readonly string[]): string {
  const json = parseJson(body);
  let text = body;
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const { message, error } = json as Record<string, unknown>;
    if (typeof message === 'string') text = message;
    else if (typeof message === 'object' && message !== null) text = JSON.stringify(message);
    else if (typeof error === 'string') text = error;
  }
  return oneLine(redactSecrets(text, secrets), 200);
}
