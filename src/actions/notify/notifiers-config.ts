/**
 * @module The `notifiers` section of the engine config and its one resolver. Endpoints and
 * secrets live here, never in rulebooks: a rule only names a notifier (`notify: {target: ops}`).
 *
 * ```yaml
 * notifiers:
 *   ops:                              # the name rules use as `target`
 *     type: zulip
 *     url: https://zulip.example.com  # server base URL; messages go to <url>/api/v1/messages
 *     email: autoheal-bot@zulip.example.com
 *     api_key_env: ZULIP_API_KEY      # or api_key_file: /run/secrets/zulip (or api_key, discouraged)
 *     stream: ops                     # default channel (name or id); a rule may override it
 *     topic: autoheal                 # default topic                       @default "autoheal"
 *   team-slack:
 *     type: slack
 *     url_env: SLACK_WEBHOOK_URL      # the incoming-webhook URL is the secret (url / url_env / url_file)
 *     channel: "#ops"                 # legacy webhooks only; app webhooks ignore it
 *   team-mm:
 *     type: mattermost
 *     url_file: /run/secrets/mm-hook
 *     channel: town-square            # honoured only if the server allows overrides
 *     username: autoheal
 *   pager:
 *     type: webhook                   # generic JSON POST, any 2xx is success
 *     url: https://hooks.example.com/autoheal
 *     token_env: PAGER_TOKEN          # optional: sent as `Authorization: Bearer …`
 * ```
 *
 * Every notifier also takes `timeout_ms` (default 10 000): the bound of one HTTP request.
 * Secrets follow src/core/resolve-secret.ts (`x`, `x_env`, `x_file`, one of them). Problems are
 * all collected and thrown together as one `AH_NOTIFIER_CONFIG_INVALID`; no message contains a
 * secret or a secret URL.
 */
import { AutohealError, ErrorCode, describeArg, resolveSecret, type SecretDeps } from '../../core/index.js';
import { didYouMean } from '../../rules/rulebook/index.js';

export const NotifierType = { Zulip: 'zulip', Slack: 'slack', Mattermost: 'mattermost', Webhook: 'webhook' } as const;
export type NotifierType = (typeof NotifierType)[keyof typeof NotifierType];

/** Bound of one notification request, ms. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 10_000;
/** Zulip topic when neither the notifier nor the rule names one. */
export const DEFAULT_ZULIP_TOPIC = 'autoheal';

interface NotifierBase {
  readonly name: string;
  /** Bound of one HTTP request, ms. */
  readonly timeoutMs: number;
  /** Every secret value of this notifier, for redaction of anything quoted from a response. */
  readonly secrets: readonly string[];
}

export interface ZulipNotifier extends NotifierBase {
  readonly type: 'zulip';
  /** Full messages endpoint: `<base>/api/v1/messages`. */
  readonly messagesUrl: string;
  readonly email: string;
  readonly apiKey: string;
  /** Default channel, by name or id; undefined when every rule must give `stream`. */
  readonly stream?: string | number;
  readonly topic: string;
}

export interface SlackNotifier extends NotifierBase {
  readonly type: 'slack';
  /** The webhook URL: a secret. */
  readonly url: string;
  readonly channel?: string;
  readonly username?: string;
}

export interface MattermostNotifier extends NotifierBase {
  readonly type: 'mattermost';
  /** The webhook URL: a secret. */
  readonly url: string;
  readonly channel?: string;
  readonly username?: string;
  readonly iconUrl?: string;
}

export interface WebhookNotifier extends NotifierBase {
  readonly type: 'webhook';
  /** Treated as a secret (it often carries a token in its path or query). */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string;
}

export type ResolvedNotifier = ZulipNotifier | SlackNotifier | MattermostNotifier | WebhookNotifier;

/** Resolved notifiers by name. Holds secrets: never log it. */
export type NotifiersConfig = ReadonlyMap<string, ResolvedNotifier>;

const SECRET_KEYS: Readonly<Record<NotifierType, readonly string[]>> = {
  zulip: ['api_key'],
  slack: ['url'],
  mattermost: ['url'],
  webhook: ['url', 'token'],
};
const PLAIN_KEYS: Readonly<Record<NotifierType, readonly string[]>> = {
  zulip: ['url', 'email', 'stream', 'topic'],
  slack: ['channel', 'username'],
  mattermost: ['channel', 'username', 'icon_url'],
  webhook: [],
};
const COMMON_KEYS = ['type', 'timeout_ms'] as const;
const TYPES: readonly string[] = Object.values(NotifierType);

function allowedKeys(type: NotifierType): string[] {
  return [...COMMON_KEYS, ...PLAIN_KEYS[type], ...SECRET_KEYS[type].flatMap((k) => [k, `${k}_env`, `${k}_file`])];
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves the raw `notifiers` section (`unknown`, straight from the config file) into validated
 * notifiers with their secrets read. `undefined`/`null` means no notifiers.
 * @throws AutohealError `AH_NOTIFIER_CONFIG_INVALID` listing every problem, one per line.
 */
export async function resolveNotifiersConfig(raw: unknown, deps: SecretDeps): Promise<NotifiersConfig> {
  const notifiers = new Map<string, ResolvedNotifier>();
  if (raw === undefined || raw === null) return notifiers;
  if (!isMapping(raw)) {
    throw new AutohealError(ErrorCode.NotifierConfigInvalid, `notifiers: must be a mapping of notifier names, found ${describeArg(raw)}`);
  }
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(raw)) {
    const notifier = await resolveOne(name, spec, deps, (message) => problems.push(`notifiers.${name}: ${message}`));
    if (notifier !== undefined) notifiers.set(name, notifier);
  }
  if (problems.length > 0) {
    throw new AutohealError(ErrorCode.NotifierConfigInvalid, problems.join('\n'), { details: { problems } });
  }
  return notifiers;
}

async function resolveOne(
  name: string,
  spec: unknown,
  deps: SecretDeps,
  problem: (message: string) => void,
): Promise<ResolvedNotifier | undefined> {
  if (!isMapping(spec)) {
    problem(`must be a mapping, found ${describeArg(spec)}`);
    return undefined;
  }
  const type = spec.type;
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    const hint = typeof type === 'string' ? didYouMean(type, TYPES) : undefined;
    const found = type === undefined ? 'nothing' : typeof type === 'string' ? `"${type}"` : describeArg(type);
    problem(`"type" must be one of ${TYPES.join(', ')}, found ${found}${hint === undefined ? '' : `; did you mean "${hint}"?`}`);
    return undefined;
  }
  const notifierType = type as NotifierType;
  const known = allowedKeys(notifierType);
  // Problems of this notifier only: any of them means no notifier is built.
  let count = 0;
  const report = (message: string): void => {
    count += 1;
    problem(message);
  };
  for (const key of Object.keys(spec)) {
    if (known.includes(key)) continue;
    const hint = didYouMean(key, known);
    report(`unknown key "${key}" for a ${notifierType} notifier${hint === undefined ? `; expected one of ${known.join(', ')}` : `; did you mean "${hint}"?`}`);
  }

  const timeoutMs = readTimeout(spec.timeout_ms, report);
  const secrets: string[] = [];
  const secret = async (key: string, required: boolean): Promise<string | undefined> => {
    const resolution = await resolveSecret(spec, key, deps);
    if (resolution.kind === 'problem') {
      report(resolution.message);
      return undefined;
    }
    if (resolution.kind === 'absent') {
      if (required) report(`missing "${key}" (or "${key}_env" / "${key}_file")`);
      return undefined;
    }
    secrets.push(resolution.value);
    return resolution.value;
  };
  const plain = (key: string): string | undefined => {
    const value = spec[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      report(`"${key}" must be a non-empty string, found ${value === '' ? 'an empty string' : describeArg(value)}`);
      return undefined;
    }
    return value;
  };

  switch (notifierType) {
    case NotifierType.Zulip: {
      const base = plain('url');
      if (spec.url === undefined || spec.url === null) report('missing "url" (the Zulip server, e.g. https://zulip.example.com)');
      const messagesUrl = base === undefined ? undefined : zulipMessagesUrl(base, report);
      const email = plain('email');
      if (spec.email === undefined || spec.email === null) report('missing "email" (the bot\'s email address)');
      const apiKey = await secret('api_key', true);
      const stream = readStream(spec.stream, report);
      const topic = plain('topic') ?? DEFAULT_ZULIP_TOPIC;
      if (count > 0 || messagesUrl === undefined || email === undefined || apiKey === undefined) return undefined;
      return { type: 'zulip', name, timeoutMs, secrets, messagesUrl, email, apiKey, topic, ...(stream === undefined ? {} : { stream }) };
    }
    case NotifierType.Slack:
    case NotifierType.Mattermost: {
      const url = await secret('url', true);
      if (url !== undefined) checkUrl(url, 'url', report);
      const channel = plain('channel');
      const username = plain('username');
      const iconUrl = notifierType === NotifierType.Mattermost ? plain('icon_url') : undefined;
      if (count > 0 || url === undefined) return undefined;
      const optional = {
        ...(channel === undefined ? {} : { channel }),
        ...(username === undefined ? {} : { username }),
      };
      if (notifierType === NotifierType.Slack) return { type: 'slack', name, timeoutMs, secrets, url, ...optional };
      return { type: 'mattermost', name, timeoutMs, secrets, url, ...optional, ...(iconUrl === undefined ? {} : { iconUrl }) };
    }
    case NotifierType.Webhook: {
      const url = await secret('url', true);
      if (url !== undefined) checkUrl(url, 'url', report);
      const token = await secret('token', false);
      if (count > 0 || url === undefined) return undefined;
      return { type: 'webhook', name, timeoutMs, secrets, url, ...(token === undefined ? {} : { token }) };
    }
  }
}

function readTimeout(value: unknown, report: (message: string) => void): number {
  if (value === undefined || value === null) return DEFAULT_NOTIFY_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    report(`"timeout_ms" must be a positive integer (milliseconds), found ${typeof value === 'number' ? String(value) : describeArg(value)}`);
    return DEFAULT_NOTIFY_TIMEOUT_MS;
  }
  return value;
}

function readStream(value: unknown, report: (message: string) => void): string | number | undefined {
  if (value === undefined || value === null) return undefined;
  if ((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isInteger(value) && value > 0)) return value;
  report(`"stream" must be a channel name or a positive integer id, found ${describeArg(value)}`);
  return undefined;
}

/**
 * Checks that a (possibly secret) URL is http(s) without credentials. The message never quotes
 * the URL: for webhooks the URL itself is the secret.
 */
function checkUrl(url: string, key: string, report: (message: string) => void): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    report(`"${key}" is not a valid URL`);
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    report(`"${key}" must be an http or https URL, found the scheme "${parsed.protocol.slice(0, -1)}"`);
    return false;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // fetch refuses URLs with credentials; say so now rather than at the first alert.
    report(`"${key}" must not contain user:password@`);
    return false;
  }
  return true;
}

/** `https://zulip.example.com` (or `…/api/v1`, or `…/api/v1/messages`) → the messages endpoint. */
function zulipMessagesUrl(base: string, report: (message: string) => void): string | undefined {
  if (!checkUrl(base, 'url', report)) return undefined;
  const trimmed = base.replace(/\/+$/, '').replace(/\/api\/v1(\/messages)?$/, '');
  return `${trimmed}/api/v1/messages`;
}
