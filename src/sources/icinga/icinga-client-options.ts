/**
 * @module The options of the Icinga 2 event stream source (`autoheal.icinga`), as a rulebook
 * writes them (IcingaClientArgs, snake_case, seconds) and as the client uses them
 * (IcingaClientOptions, resolved once: defaults applied, units in ms, every problem reported
 * at once). Secrets are referenced here, not read: the client reads them at start.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { PluginArgs, secondsToMs } from '../plugin-source.js';
import type { ReconnectPolicy } from './reconnect-delay.js';
import { IcingaEventType } from './normalize-icinga-event.js';

export const ICINGA_PLUGIN = 'autoheal.icinga';

/** The types subscribed to when `types` is not given. */
export const DEFAULT_ICINGA_TYPES: readonly IcingaEventType[] = [
  IcingaEventType.CheckResult,
  IcingaEventType.StateChange,
  IcingaEventType.Notification,
  IcingaEventType.AcknowledgementSet,
  IcingaEventType.AcknowledgementCleared,
];

/** The arguments of `autoheal.icinga` in a rulebook. */
export interface IcingaClientArgs {
  /** Base URL of the Icinga 2 API, e.g. `https://icinga.example.com:5665`. Required. */
  readonly url: string;
  /** ApiUser name for HTTP Basic auth. Required unless `cert_file`/`key_file` authenticate. */
  readonly user?: string;
  /** The ApiUser's password, inline (prefer `password_env` or `password_file`). */
  readonly password?: string;
  /** Name of the environment variable holding the password. */
  readonly password_env?: string;
  /** File holding the password (one trailing newline ignored). */
  readonly password_file?: string;
  /** PEM file of the CA that signed Icinga's certificate (Icinga's own `ca.crt`). Default: system CAs. */
  readonly ca_file?: string;
  /** PEM client certificate and key, for `client_cn` ApiUsers; both or neither. */
  readonly cert_file?: string;
  readonly key_file?: string;
  /** Name to verify Icinga's certificate against when `url` uses an IP address (e.g. `localhost`). */
  readonly tls_server_name?: string;
  /** Event types to subscribe to. Default CheckResult, StateChange, Notification, AcknowledgementSet, AcknowledgementCleared. */
  readonly types?: readonly string[];
  /** Icinga DSL filter over `event.*` (e.g. `event.check_result.state != 0`). Default none. */
  readonly filter?: string;
  /** Queue name sent to Icinga (per-connection, not shared). Default `autoheal-<hostname>-<ruleset>`. */
  readonly queue?: string;
  /** Query current problems after every (re)connect. Default true (needs StateChange in types). */
  readonly reconcile?: boolean;
  /** Extra Icinga DSL over `service.*`/`host.*`, ANDed with `state != 0` for the reconcile query. */
  readonly reconcile_service_filter?: string;
  readonly reconcile_host_filter?: string;
  /** Reconnect delay bounds in seconds. Default 1 and 60. */
  readonly backoff_min?: number;
  readonly backoff_max?: number;
  /** Bound on connecting and receiving response headers, in seconds. Default 10. */
  readonly connect_timeout?: number;
  /** Bound on one reconcile or probe request, in seconds. Default 30. */
  readonly request_timeout?: number;
  /**
   * Seconds of stream silence after which Icinga is probed on a separate connection; the
   * stream is dropped only when the probe fails. 0 disables. Default 60.
   */
  readonly probe_interval?: number;
}

/**
 * A secret string that prints as `[redacted]` through JSON (pino), `String()` and
 * `util.inspect`, so logging a whole options object cannot leak it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the one place that sends it. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

/** Where the password comes from; read by the client at start, never logged. */
export type SecretSource =
  | { readonly kind: 'value'; readonly value: Secret }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string };

/** Resolved options of IcingaEventStreamClient. */
export interface IcingaClientOptions {
  /** Base URL without a trailing slash (`https://icinga:5665` or with a path prefix). */
  readonly url: string;
  readonly user: string | undefined;
  readonly password: SecretSource | undefined;
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly tlsServerName: string | undefined;
  readonly types: readonly IcingaEventType[];
  readonly filter: string | undefined;
  readonly queue: string;
  readonly reconcile: boolean;
  /** Complete DSL filters of the reconcile queries. */
  readonly reconcileServiceFilter: string;
  readonly reconcileHostFilter: string;
  readonly backoff: ReconnectPolicy;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** 0 = no liveness probe. */
  readonly probeIntervalMs: number;
}

/** What the defaults depend on. */
export interface IcingaOptionsContext {
  /** Name of the ruleset the source belongs to (default queue name). */
  readonly ruleset: string;
  /** This machine's name (default queue name). */
  readonly hostname: string;
}

const SUPPORTED_TYPES: readonly string[] = Object.values(IcingaEventType);

function andFilter(base: string, extra: string | undefined): string {
  return extra === undefined ? base : `${base} && (${extra})`;
}

/**
 * Validates `autoheal.icinga` arguments into IcingaClientOptions.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` listing every problem (values of secret
 * arguments are never quoted).
 */
export function resolveIcingaClientOptions(args: unknown, context: IcingaOptionsContext): IcingaClientOptions {
  const a = new PluginArgs(ICINGA_PLUGIN, args, new Set(['password']));

  let url = '';
  const rawUrl = a.nonEmptyString('url');
  if (rawUrl === undefined) {
    if (!a.has('url')) a.problem('url', 'is required (e.g. https://icinga.example.com:5665)');
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(rawUrl);
    } catch {
      a.problem('url', 'is not a valid URL');
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') a.problem('url', `must be an https:// URL, got ${parsed.protocol}`);
      // Credentials in the URL would end up in logs; they have their own arguments.
      else if (parsed.username !== '' || parsed.password !== '') a.problem('url', 'must not contain credentials (use user and password_env)');
      else if (parsed.search !== '' || parsed.hash !== '') a.problem('url', 'must not have a query or fragment');
      else url = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
    }
  }

  const user = a.nonEmptyString('user');
  const secrets: SecretSource[] = [];
  const password = a.string('password', undefined);
  if (password !== undefined) secrets.push({ kind: 'value', value: new Secret(password) });
  const passwordEnv = a.nonEmptyString('password_env');
  if (passwordEnv !== undefined) secrets.push({ kind: 'env', name: passwordEnv });
  const passwordFile = a.nonEmptyString('password_file');
  if (passwordFile !== undefined) secrets.push({ kind: 'file', path: passwordFile });
  const certFile = a.nonEmptyString('cert_file');
  const keyFile = a.nonEmptyString('key_file');
  const caFile = a.nonEmptyString('ca_file');
  const tlsServerName = a.nonEmptyString('tls_server_name');

  if (secrets.length > 1) a.problem('password', 'give only one of password, password_env, password_file');
  if (user !== undefined && secrets.length === 0) a.problem('user', 'needs one of password, password_env, password_file');
  if (user === undefined && secrets.length > 0) a.problem('user', 'is required with a password');
  if ((certFile === undefined) !== (keyFile === undefined)) a.problem(certFile === undefined ? 'cert_file' : 'key_file', 'cert_file and key_file go together');
  if (user === undefined && certFile === undefined && a.has('url')) {
    a.problem('user', 'is required (or cert_file and key_file for a client-certificate ApiUser)');
  }
  if (url.startsWith('http:') && (caFile !== undefined || certFile !== undefined || tlsServerName !== undefined)) {
    a.problem('url', 'ca_file, cert_file and tls_server_name need an https:// URL');
  }

  let types: readonly IcingaEventType[] = DEFAULT_ICINGA_TYPES;
  const rawTypes = a.stringList('types');
  if (rawTypes !== undefined) {
    if (rawTypes.length === 0) a.problem('types', 'must list at least one event type');
    rawTypes.forEach((t, i) => {
      // Icinga silently ignores unknown type names (a typo means a silent stream), so check here.
      if (!SUPPORTED_TYPES.includes(t)) a.problem(`types[${i}]`, `"${t}" is not an Icinga event type autoheal handles (${SUPPORTED_TYPES.join(', ')})`);
    });
    types = [...new Set(rawTypes.filter((t): t is IcingaEventType => SUPPORTED_TYPES.includes(t)))];
  }

  const filter = a.nonEmptyString('filter');
  const queue = a.nonEmptyString('queue') ?? `autoheal-${context.hostname}-${context.ruleset}`;
  const reconcile = a.boolean('reconcile', true);
  const serviceFilter = a.nonEmptyString('reconcile_service_filter');
  const hostFilter = a.nonEmptyString('reconcile_host_filter');
  const backoffMin = a.number('backoff_min', 1, { min: 0.001 });
  const backoffMax = a.number('backoff_max', 60, { min: 0.001 });
  if (backoffMax < backoffMin) a.problem('backoff_max', `must be at least backoff_min (${backoffMin})`);
  const connectTimeout = a.number('connect_timeout', 10, { min: 0.001 });
  const requestTimeout = a.number('request_timeout', 30, { min: 0.001 });
  const probeInterval = a.number('probe_interval', 60, { min: 0 });
  a.finish();

  return {
    url,
    user,
    password: secrets[0],
    caFile,
    certFile,
    keyFile,
    tlsServerName,
    types,
    filter,
    queue,
    reconcile,
    reconcileServiceFilter: andFilter('service.state != 0', serviceFilter),
    reconcileHostFilter: andFilter('host.state != 0', hostFilter),
    backoff: { minMs: secondsToMs(backoffMin), maxMs: secondsToMs(backoffMax) },
    connectTimeoutMs: secondsToMs(connectTimeout),
    requestTimeoutMs: secondsToMs(requestTimeout),
    probeIntervalMs: secondsToMs(probeInterval),
  };
}

/**
 * Reads the password a SecretSource names.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` when the variable is unset or the file unreadable.
 */
export async function readSecret(
  source: SecretSource,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => Promise<Buffer>,
): Promise<string> {
  switch (source.kind) {
    case 'value':
      return source.value.reveal();
    case 'env': {
      const value = env[source.name];
      if (value === undefined || value === '') {
        throw new AutohealError(ErrorCode.SourceConfigInvalid, `${ICINGA_PLUGIN}: password_env: environment variable ${source.name} is not set`);
      }
      return value;
    }
    default: {
      let text: string;
      try {
        text = (await readFile(source.path)).toString('utf8');
      } catch (err: unknown) {
        throw new AutohealError(ErrorCode.SourceConfigInvalid, `${ICINGA_PLUGIN}: password_file: cannot read ${source.path}: ${errorText(err)}`, { cause: err });
      }
      // Editors and `echo` add a final newline that is not part of the password.
      return text.replace(/\r?\n$/, '');
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
