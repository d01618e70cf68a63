/**
 * @module The `notify` action: posts one message to a notifier of the engine config
 * (notifiers-config.ts) — Zulip, Slack or Mattermost incoming webhooks, or a generic JSON
 * webhook — following shared/spec/wire-formats.md §6.
 *
 * ```yaml
 * - notify:
 *     target: ops                        # a notifier name from the engine config
 *     message: "rsyslog restarted on {{ event.host }}"
 *     title: autoheal                    # optional: bold first line (field `title` for webhooks)
 *     topic: "web01"                     # Zulip topic (default: the notifier's, else "autoheal")
 *     stream: ops-night                  # Zulip channel; Slack/Mattermost `channel` override
 * ```
 *
 * `safeToRepeat` is true: a repeated chat message after a crash is at worst a duplicate line,
 * and no chat API offers an idempotency key (§7). Retry decisions (§6): 429 (with its
 * `Retry-After`, or Zulip's `retry-after` JSON field), 408, 5xx, timeouts and connection errors
 * are retryable; other 4xx are permanent (bad key, unknown channel, revoked webhook), and so is
 * Mattermost's 501 (incoming webhooks disabled on the server). Summaries and output never contain
 * the API key or a webhook URL.
 */
import type { ActionContext, ActionHandler, ActionResult } from '../action-handler.js';
import { OutcomeStatus } from '../action-handler.js';
import { exchangeHttp, oneLine, parseRetryAfter, redactSecrets, type Exchange, type FetchLike } from './http-exchange.js';
import type { NotifiersConfig, ResolvedNotifier } from './notifiers-config.js';

export const NOTIFY_ACTION = 'notify';

/** Zulip's default `max_topic_length`. */
export const ZULIP_MAX_TOPIC_CHARS = 60;
/** Zulip's default `max_message_length` (bytes). */
export const ZULIP_MAX_CONTENT_BYTES = 10_000;
/** Bound of the response body kept in `outputTail`. */
const OUTPUT_TAIL_CHARS = 2_000;

/** The arguments of `notify`, after rendering. */
export interface NotifyArgs {
  readonly target: string;
  readonly message: string;
  readonly title?: string;
  readonly topic?: string;
  readonly stream?: string | number;
}

export interface NotifyHandlerDeps {
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
}

interface PreparedRequest {
  readonly url: string;
  readonly init: RequestInit;
  /** Where it went, for the summary: never the URL. */
  readonly where: string;
}

/** Builds the `notify` handler over the resolved notifiers. */
export function createNotifyHandler(notifiers: NotifiersConfig, deps: NotifyHandlerDeps = {}): ActionHandler {
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  return {
    name: NOTIFY_ACTION,
    safeToRepeat: true,
    async run(context: ActionContext): Promise<ActionResult> {
      const parsed = parseNotifyArgs(context.request.args);
      if (typeof parsed === 'string') return { status: OutcomeStatus.Failed, summary: `notify: ${parsed}` };
      const notifier = notifiers.get(parsed.target);
      if (notifier === undefined) {
        const known = [...notifiers.keys()];
        return {
          status: OutcomeStatus.Failed,
          summary: `notify: no notifier named "${parsed.target}" in the engine config (${known.length === 0 ? 'none configured' : `known: ${known.join(', ')}`})`,
        };
      }
      const prepared = prepareRequest(notifier, parsed, context);
      if (typeof prepared === 'string') return { status: OutcomeStatus.Failed, summary: `notify ${notifier.type} "${notifier.name}": ${prepared}` };
      const exchange = await exchangeHttp(prepared.url, prepared.init, {
        fetch: fetchFn,
        timeoutMs: notifier.timeoutMs,
        signal: context.signal,
      });
      const result = interpret(notifier, exchange, context.clock.now());
      const label = `notify ${notifier.type} "${notifier.name}"`;
      const summary = result.status === OutcomeStatus.Succeeded ? `${label}: sent to ${prepared.where}${result.summary}` : `${label}: ${result.summary}`;
      return { ...result, summary: redactSecrets(summary, notifier.secrets) };
    },
  };
}

/** Checks the rendered arguments (templates may have produced any type); a string is the problem. */
export function parseNotifyArgs(args: Readonly<Record<string, unknown>>): NotifyArgs | string {
  const { target, message, title, topic, stream } = args;
  if (typeof target !== 'string' || target === '') return `"target" must name a notifier, found ${describe(target)}`;
  const text = typeof message === 'number' || typeof message === 'boolean' ? String(message) : message;
  if (typeof text !== 'string' || text.trim() === '') return `"message" must be a non-empty string, found ${describe(message)}`;
  for (const [key, value] of [['title', title], ['topic', topic]] as const) {
    if (value !== undefined && value !== null && typeof value !== 'string') return `"${key}" must be a string, found ${describe(value)}`;
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'string' && !(typeof stream === 'number' && Number.isInteger(stream))) {
    return `"stream" must be a channel name or id, found ${describe(stream)}`;
  }
  return {
    target,
    message: text,
    ...(typeof title === 'string' && title !== '' ? { title } : {}),
    ...(typeof topic === 'string' && topic !== '' ? { topic } : {}),
    ...((typeof stream === 'string' && stream !== '') || typeof stream === 'number' ? { stream } : {}),
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : value === '' ? 'an empty string' : `a ${typeof value}`;
}

function prepareRequest(notifier: ResolvedNotifier, args: NotifyArgs, context: ActionContext): PreparedRequest | string {
  const { request } = context;
  switch (notifier.type) {
    case 'zulip': {
      const stream = args.stream ?? notifier.stream;
      if (stream === undefined) return 'no "stream" given and the notifier has no default stream';
      const topic = truncateChars(args.topic ?? notifier.topic, ZULIP_MAX_TOPIC_CHARS);
      const content = truncateBytes(args.title === undefined ? args.message : `**${args.title}**\n${args.message}`, ZULIP_MAX_CONTENT_BYTES);
      // `to` is JSON inside the form (§6.1): `"ops"` for a name, `12` for an id.
      const form = new URLSearchParams({ type: 'stream', to: JSON.stringify(stream), topic, content });
      const basic = Buffer.from(`${notifier.email}:${notifier.apiKey}`, 'utf8').toString('base64');
      return {
        url: notifier.messagesUrl,
        where: `stream ${JSON.stringify(stream)} topic ${JSON.stringify(topic)}`,
        init: {
          method: 'POST',
          headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
        },
      };
    }
    case 'slack':
    case 'mattermost': {
      const bold = notifier.type === 'slack' ? `*${args.title ?? ''}*` : `**${args.title ?? ''}**`;
      const text = args.title === undefined ? args.message : `${bold}\n${args.message}`;
      const channel = args.stream === undefined ? notifier.channel : String(args.stream);
      const body: Record<string, unknown> = { text };
      if (channel !== undefined) body.channel = channel;
      if (notifier.username !== undefined) body.username = notifier.username;
      if (notifier.type === 'mattermost' && notifier.iconUrl !== undefined) body.icon_url = notifier.iconUrl;
      return {
        url: notifier.url,
        where: channel === undefined ? 'the webhook' : `channel ${JSON.stringify(channel)}`,
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      };
    }
    case 'webhook': {
      const body = {
        message: args.message,
        ...(args.title === undefined ? {} : { title: args.title }),
        ...(args.topic === undefined ? {} : { topic: args.topic }),
        ...(args.stream === undefined ? {} : { stream: args.stream }),
        ruleset: request.ruleset,
        rule: request.rule,
        dispatch_key: request.dispatchKey,
        event_ids: request.eventIds,
      };
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        // Lets a receiver drop a repeat after a crash or a retry (wire-formats.md §7).
        'idempotency-key': request.dispatchKey,
      };
      if (notifier.token !== undefined) headers.authorization = `Bearer ${notifier.token}`;
      return { url: notifier.url, where: 'the webhook', init: { method: 'POST', headers, body: JSON.stringify(body) } };
    }
  }
}

/** The result of one exchange; on success `summary` is a suffix for "sent to …". */
function interpret(notifier: ResolvedNotifier, exchange: Exchange, nowMs: number): ActionResult {
  switch (exchange.outcome) {
    case 'timeout':
      return { status: OutcomeStatus.TimedOut, summary: `no answer within ${notifier.timeoutMs} ms`, retryable: true };
    case 'aborted':
      return { status: OutcomeStatus.Failed, summary: 'aborted before an answer arrived', retryable: true };
    case 'network':
      return { status: OutcomeStatus.Failed, summary: `cannot reach the server (${exchange.reason})`, retryable: true };
    case 'response':
      break;
  }
  const { status, headers, body } = exchange;
  const outputTail = redactSecrets(body, notifier.secrets).slice(0, OUTPUT_TAIL_CHARS);
  const base = { httpStatus: status, ...(outputTail === '' ? {} : { outputTail }) };
  const json = parseJsonObject(body);

  if (status >= 200 && status < 300) {
    if (notifier.type === 'zulip') {
      if (json?.result !== 'success') return { ...base, status: OutcomeStatus.Failed, summary: `HTTP ${status} without {"result":"success"}`, retryable: false };
      const id = json.id;
      return { ...base, status: OutcomeStatus.Succeeded, summary: typeof id === 'number' ? ` (message ${id})` : '', details: typeof id === 'number' ? { messageId: id } : {} };
    }
    return { ...base, status: OutcomeStatus.Succeeded, summary: '' };
  }

  const reason = errorReason(notifier, body, json);
  const said = reason === '' ? '' : `: ${reason}`;
  if (status === 429) {
    const fromJson = typeof json?.['retry-after'] === 'number' ? Math.ceil(json['retry-after'] * 1000) : undefined;
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs) ?? fromJson;
    return { ...base, status: OutcomeStatus.Failed, summary: `rate limited (HTTP 429)${said}`, retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status >= 300 && status < 400) {
    return { ...base, status: OutcomeStatus.Failed, summary: `HTTP ${status} redirect: check the notifier URL`, retryable: false };
  }
  if (notifier.type === 'mattermost' && status === 501) {
    return { ...base, status: OutcomeStatus.Failed, summary: `incoming webhooks are disabled on the server (HTTP 501)${said}`, retryable: false };
  }
  const retryable = status >= 500 || status === 408;
  const hint = status === 401 || status === 403 ? ' (check the credentials)' : '';
  return { ...base, status: OutcomeStatus.Failed, summary: `HTTP ${status}${said}${hint}`, retryable };
}

/** Zulip: `CODE: msg`; Mattermost: AppError `message`; Slack and others: the plain body. */
function errorReason(notifier: ResolvedNotifier, body: string, json: Record<string, unknown> | undefined): string {
  let reason = body;
  if (json !== undefined) {
    if (notifier.type === 'zulip' && typeof json.msg === 'string') reason = typeof json.code === 'string' ? `${json.code}: ${json.msg}` : json.msg;
    else if (typeof json.message === 'string') reason = typeof json.id === 'string' ? `${json.message} (${json.id})` : json.message;
    else if (typeof json.error === 'string') reason = json.error;
  }
  return oneLine(redactSecrets(reason, notifier.secrets));
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function truncateChars(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Cuts at a character boundary so the result, with its ellipsis, fits in `maxBytes` of UTF-8. */
function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength('…', 'utf8');
  let out = '';
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > budget) break;
    out += ch;
    size += n;
  }
  return `${out}…`;
}
