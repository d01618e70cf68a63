/**
 * @module The validated configuration of one webhook source entry, resolved once when the
 * source starts from the rulebook's arguments (rulebook-language.md §4.2, §4.3) plus autoheal's
 * additions: authentication for Alertmanager (bearer `token` or `basic_auth`, which upstream
 * lacks), GitLab's `token` / `signing_secret`, `*_env` / `*_file` secrets and `body_limit`.
 *
 * Unknown arguments are refused (upstream ignores them): a misspelt `tokne:` would otherwise
 * leave the endpoint open without anyone noticing. Upstream's TLS arguments of the webhook
 * source are refused with a hint, since autoheal does not terminate TLS itself yet.
 */
import { AutohealError, ErrorCode, RulebookError, hasErrorCode, type RulebookProblem, type SourcePosition } from '../core/index.js';
import { didYouMean, isDeferredValue, isVaultMarker, type SourceSpec } from '../rules/rulebook/index.js';
import {
  compileFilter,
  isPlainObject,
  resolveAlertmanagerOptions,
  resolveWebhookAuth,
  standardWebhookKey,
  type AlertmanagerOptions,
  type EventFilter,
  type FilterLogger,
  type GitlabAuthOptions,
  type GitlabOptions,
  type JsonObject,
  type WebhookAuthOptions,
} from '../sources/index.js';
import { describeArg, resolveSecret, type SecretDeps } from '../core/resolve-secret.js';

export const WebhookSourceKind = { Alertmanager: 'alertmanager', Webhook: 'webhook', Gitlab: 'gitlab' } as const;
export type WebhookSourceKind = (typeof WebhookSourceKind)[keyof typeof WebhookSourceKind];

/** Canonical plugin names (SourceSpec.canonicalPlugin) served by a source server. */
export const WEBHOOK_SOURCE_PLUGINS: Readonly<Record<string, WebhookSourceKind>> = {
  'ansible.eda.alertmanager': WebhookSourceKind.Alertmanager,
  'eda.builtin.webhook': WebhookSourceKind.Webhook,
  'autoheal.gitlab': WebhookSourceKind.Gitlab,
};

/** The kind of HTTP intake a source entry needs, or undefined when it is not a webhook source. */
export function webhookSourceKind(source: Pick<SourceSpec, 'canonicalPlugin'>): WebhookSourceKind | undefined {
  return Object.prototype.hasOwnProperty.call(WEBHOOK_SOURCE_PLUGINS, source.canonicalPlugin)
    ? WEBHOOK_SOURCE_PLUGINS[source.canonicalPlugin]
    : undefined;
}

/** 1 MiB: Alertmanager groups and GitLab hooks fit comfortably (stack.md §2). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Upstream's defaults (rulebook-language.md §4.2, §4.3); `port` has none for the webhook source. */
const DEFAULT_HOST: Readonly<Record<WebhookSourceKind, string>> = {
  alertmanager: 'localhost',
  webhook: '0.0.0.0',
  gitlab: '0.0.0.0',
};
const DEFAULT_PORT: Readonly<Record<WebhookSourceKind, number | undefined>> = {
  alertmanager: 5000,
  webhook: undefined,
  gitlab: undefined,
};

const COMMON_ARGS = ['host', 'port', 'body_limit'] as const;
const secretArgs = (key: string): string[] => [key, `${key}_env`, `${key}_file`];
const KNOWN_ARGS: Readonly<Record<WebhookSourceKind, readonly string[]>> = {
  alertmanager: [
    ...COMMON_ARGS,
    'data_alerts_path',
    'data_host_path',
    'data_path_separator',
    'skip_original_data',
    ...secretArgs('token'),
    'basic_auth',
  ],
  webhook: [...COMMON_ARGS, ...secretArgs('token'), ...secretArgs('hmac_secret'), 'hmac_algo', 'hmac_header', 'hmac_format'],
  gitlab: [...COMMON_ARGS, ...secretArgs('token'), ...secretArgs('signing_secret'), 'ignore_users'],
};
const BASIC_AUTH_ARGS = ['username', ...secretArgs('password')];
const TLS_ARGS = new Set(['certfile', 'keyfile', 'password', 'cafile', 'capath']);

/** How an Alertmanager source authenticates (Alertmanager's `http_config`, wire-formats.md §1.4). */
export type AlertmanagerAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly tokens: readonly string[] }
  | { readonly kind: 'basic'; readonly users: Readonly<Record<string, string>> };

interface SourceConfigBase {
  readonly ruleset: string;
  /** `name:` of the entry (`meta.source.name`). */
  readonly sourceName: string;
  /** `meta.source.type`: the plugin as written, as upstream. */
  readonly sourceType: string;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly bodyLimitBytes: number;
  /** The entry's `filters:`, compiled (the implicit final `insert_meta_info` is not among them). */
  readonly filters: readonly EventFilter[];
  /** Prefix of every dedup key: `<ruleset>/<source name>:`, so sources never collide. */
  readonly dedupPrefix: string;
  /** Secret arguments written literally in the rulebook, for a start-up warning (names only). */
  readonly literalSecrets: readonly string[];
  /** True when nothing authenticates requests (allowed for upstream compatibility; warned). */
  readonly unauthenticated: boolean;
}

export interface AlertmanagerSourceConfig extends SourceConfigBase {
  readonly kind: typeof WebhookSourceKind.Alertmanager;
  readonly options: AlertmanagerOptions;
  readonly auth: AlertmanagerAuth;
}

export interface GenericWebhookSourceConfig extends SourceConfigBase {
  readonly kind: typeof WebhookSourceKind.Webhook;
  readonly auth: WebhookAuthOptions;
}

export interface GitlabSourceConfig extends SourceConfigBase {
  readonly kind: typeof WebhookSourceKind.Gitlab;
  readonly auth: GitlabAuthOptions;
  readonly options: GitlabOptions;
}

/** Secrets are plain strings inside: never log a SourceConfig. */
export type SourceConfig = AlertmanagerSourceConfig | GenericWebhookSourceConfig | GitlabSourceConfig;

export interface ResolveSourceConfigDeps extends SecretDeps {
  /** Where filters report what upstream logs. */
  readonly filterLogger: FilterLogger;
}

/** Collects positioned problems about one source entry. */
class Problems {
  readonly items: RulebookProblem[] = [];

  constructor(
    private readonly where: string,
    private readonly position: SourcePosition,
  ) {}

  add(message: string, position: SourcePosition = this.position): void {
    this.items.push({ ...position, message: `${this.where}: ${message}` });
  }
}

function readPort(v: unknown, fallback: number | undefined, problems: Problems): number {
  if (v === undefined || v === null) {
    if (fallback === undefined) problems.add('"port" is required');
    return fallback ?? 0;
  }
  // Upstream passes the value to the event loop, which also takes a numeric string.
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
    problems.add(`"port" must be an integer from 0 to 65535, found ${typeof v === 'string' ? `"${v}"` : describeArg(v)}`);
    return 0;
  }
  return n;
}

function readHost(v: unknown, fallback: string, problems: Problems): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || v.trim() === '') {
    problems.add(`"host" must be a non-empty string, found ${describeArg(v)}`);
    return fallback;
  }
  return v;
}

function readBodyLimit(v: unknown, problems: Problems): number {
  if (v === undefined || v === null) return DEFAULT_BODY_LIMIT_BYTES;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    problems.add(`"body_limit" must be a positive integer (bytes), found ${describeArg(v)}`);
    return DEFAULT_BODY_LIMIT_BYTES;
  }
  return v;
}

/** Unknown keys, unrendered templates and vault values, checked before anything else. */
function checkArgShapes(args: Readonly<Record<string, unknown>>, known: readonly string[], problems: Problems, prefix = ''): void {
  for (const [key, value] of Object.entries(args)) {
    if (!known.includes(key)) {
      if (prefix === '' && TLS_ARGS.has(key)) {
        problems.add(`"${key}" is not supported: autoheal does not terminate TLS itself yet; put a TLS proxy in front of the source`);
      } else {
        const guess = didYouMean(key, known);
        problems.add(`unknown argument "${prefix}${key}"${guess === undefined ? '' : `; did you mean "${prefix}${guess}"?`}`);
      }
      continue;
    }
    if (isVaultMarker(value)) {
      problems.add(`"${prefix}${key}" is vault-encrypted, which webhook sources do not support; give secrets in the _env or _file form`);
    } else if (isDeferredValue(value)) {
      problems.add(`"${prefix}${key}" holds a template that was not rendered; source arguments must be rendered before the source starts`);
    }
  }
}

/** Turns the resolvers' AutohealErrors into problems (their messages name the argument). */
function collect<T>(problems: Problems, fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (err: unknown) {
    if (hasErrorCode(err, ErrorCode.SourceConfigInvalid)) {
      problems.add(err.message.replace(/^(alertmanager|webhook) source: /, ''));
      return fallback;
    }
    throw err;
  }
}

async function secret(
  args: Readonly<Record<string, unknown>>,
  key: string,
  deps: SecretDeps,
  problems: Problems,
  literal: string[],
  prefix = '',
): Promise<string | undefined> {
  const r = await resolveSecret(args, key, deps);
  if (r.kind === 'problem') {
    problems.add(prefix === '' ? r.message : r.message.replace(/"([a-z_]+)"/g, `"${prefix}$1"`));
    return undefined;
  }
  if (r.kind === 'absent') return undefined;
  if (r.literal) literal.push(`${prefix}${key}`);
  return r.value;
}

/**
 * An explicit `insert_meta_info` entry (upstream appends one anyway): sets `meta.source.name`
 * and `.type` where absent, from its `source_name` / `source_type` or the entry's own. Its
 * `received_at` and `uuid` are left to the final step, so `meta.uuid` stays the queue's id.
 */
function sourceMetaFilter(sourceName: string, sourceType: string): EventFilter {
  return (event) => {
    const meta = event.meta ?? {};
    if (!isPlainObject(meta)) throw new AutohealError(ErrorCode.FilterFailed, 'insert_meta_info: meta is not an object');
    const src = meta.source ?? {};
    if (!isPlainObject(src)) throw new AutohealError(ErrorCode.FilterFailed, 'insert_meta_info: meta.source is not an object');
    const source = { name: sourceName, type: sourceType, ...(src as JsonObject) };
    return [{ ...event, meta: { ...(meta as JsonObject), source } }];
  };
}

function compileFilters(spec: SourceSpec, problems: Problems, logger: FilterLogger): EventFilter[] {
  const filters: EventFilter[] = [];
  for (const f of spec.filters) {
    if (f.canonicalName === 'eda.builtin.insert_meta_info') {
      const name = typeof f.args.source_name === 'string' ? f.args.source_name : spec.name;
      const type = typeof f.args.source_type === 'string' ? f.args.source_type : spec.plugin;
      filters.push(sourceMetaFilter(name, type));
      continue;
    }
    try {
      filters.push(compileFilter({ name: f.canonicalName, args: f.args }, logger));
    } catch (err: unknown) {
      if (!hasErrorCode(err, ErrorCode.SourceConfigInvalid)) throw err;
      problems.add(err.message.replace(f.canonicalName, f.name), f.position);
    }
  }
  return filters;
}

/**
 * Resolves and validates one webhook source entry of `ruleset`: arguments, secrets and filters.
 * Reports every problem at once.
 * @throws RulebookError with code `AH_SOURCE_CONFIG_INVALID`, one `file:line:col: …` line per
 * problem, naming the source, the ruleset and the argument (never a secret's value).
 */
export async function resolveSourceConfig(spec: SourceSpec, ruleset: string, deps: ResolveSourceConfigDeps): Promise<SourceConfig> {
  const problems = new Problems(`source "${spec.name}" (${spec.plugin}) of ruleset "${ruleset}"`, spec.position);
  const kind = webhookSourceKind(spec);
  if (kind === undefined) {
    problems.add(`plugin "${spec.plugin}" is not served over HTTP (expected one of ${Object.keys(WEBHOOK_SOURCE_PLUGINS).join(', ')})`);
    throw new RulebookError(problems.items, ErrorCode.SourceConfigInvalid);
  }
  const args = spec.args;
  checkArgShapes(args, KNOWN_ARGS[kind], problems);
  const literal: string[] = [];

  const base = {
    ruleset,
    sourceName: spec.name,
    sourceType: spec.plugin,
    host: readHost(args.host, DEFAULT_HOST[kind], problems),
    port: readPort(args.port, DEFAULT_PORT[kind], problems),
    bodyLimitBytes: readBodyLimit(args.body_limit, problems),
    filters: compileFilters(spec, problems, deps.filterLogger),
    dedupPrefix: `${ruleset}/${spec.name}:`,
    literalSecrets: literal,
  };

  let config: SourceConfig;
  switch (kind) {
    case 'alertmanager': {
      const options = collect(problems, undefined, () => resolveAlertmanagerOptions(args));
      const token = await secret(args, 'token', deps, problems, literal);
      let auth: AlertmanagerAuth = token === undefined ? { kind: 'none' } : { kind: 'bearer', tokens: [token] };
      const basic = args.basic_auth;
      if (basic !== undefined && basic !== null) {
        if (token !== undefined) problems.add('give either "token" or "basic_auth", not both (Alertmanager sends one Authorization header)');
        if (!isPlainObject(basic)) {
          problems.add(`"basic_auth" must be a mapping with "username" and "password", found ${describeArg(basic)}`);
        } else {
          checkArgShapes(basic, BASIC_AUTH_ARGS, problems, 'basic_auth.');
          const username = basic.username;
          if (typeof username !== 'string' || username === '' || username.includes(':')) {
            problems.add('"basic_auth.username" must be a non-empty string without ":"');
          }
          const password = await secret(basic, 'password', deps, problems, literal, 'basic_auth.');
          if (password === undefined && !['password', 'password_env', 'password_file'].some((k) => basic[k] !== undefined && basic[k] !== null)) {
            problems.add('"basic_auth" needs one of "password", "password_env" or "password_file"');
          }
          if (typeof username === 'string' && password !== undefined) auth = { kind: 'basic', users: { [username]: password } };
        }
      }
      config = { ...base, kind, options: options ?? resolveAlertmanagerOptions(), auth, unauthenticated: auth.kind === 'none' };
      break;
    }
    case 'webhook': {
      const token = await secret(args, 'token', deps, problems, literal);
      const hmacSecret = await secret(args, 'hmac_secret', deps, problems, literal);
      for (const key of ['hmac_algo', 'hmac_header', 'hmac_format']) {
        if (args[key] !== undefined && args[key] !== null && args.hmac_secret === undefined && args.hmac_secret_env === undefined && args.hmac_secret_file === undefined) {
          problems.add(`"${key}" is given but no "hmac_secret" (or "hmac_secret_env" / "hmac_secret_file")`);
        }
      }
      const auth = collect<WebhookAuthOptions>(problems, {}, () =>
        resolveWebhookAuth({
          token,
          hmac_secret: hmacSecret,
          hmac_algo: args.hmac_algo,
          hmac_header: args.hmac_header,
          hmac_format: args.hmac_format,
        }),
      );
      config = { ...base, kind, auth, unauthenticated: auth.token === undefined && auth.hmac === undefined };
      break;
    }
    case 'gitlab': {
      const token = await secret(args, 'token', deps, problems, literal);
      const signingSecret = await secret(args, 'signing_secret', deps, problems, literal);
      if (signingSecret !== undefined) collect(problems, undefined, () => standardWebhookKey(signingSecret));
      const tokenGiven = secretArgs('token').some((k) => args[k] !== undefined && args[k] !== null);
      const signingGiven = secretArgs('signing_secret').some((k) => args[k] !== undefined && args[k] !== null);
      if (!tokenGiven && !signingGiven) {
        problems.add('needs "token" (X-Gitlab-Token) or "signing_secret" (or their _env / _file forms): GitLab hooks are never accepted unauthenticated');
      }
      const ignoreUsers = args.ignore_users;
      if (ignoreUsers !== undefined && ignoreUsers !== null && (!Array.isArray(ignoreUsers) || !ignoreUsers.every((u: unknown) => typeof u === 'string'))) {
        problems.add(`"ignore_users" must be a list of user names, found ${describeArg(ignoreUsers)}`);
      }
      const auth: GitlabAuthOptions = {
        ...(token === undefined ? {} : { tokens: [token] }),
        ...(signingSecret === undefined ? {} : { signingSecret }),
      };
      const options: GitlabOptions = Array.isArray(ignoreUsers) ? { ignoreUsers: ignoreUsers.filter((u): u is string => typeof u === 'string') } : {};
      config = { ...base, kind, auth, options, unauthenticated: false };
      break;
    }
  }
  if (problems.items.length > 0) throw new RulebookError(problems.items, ErrorCode.SourceConfigInvalid);
  // A secret rendered from a variable (`token: "{{ WEBHOOK_TOKEN }}"` with -E) is not in the rulebook.
  const rendered = new Set(spec.renderedArgs ?? []);
  if (rendered.size > 0) return { ...config, literalSecrets: literal.filter((path) => !rendered.has(path)) };
  return config;
}
