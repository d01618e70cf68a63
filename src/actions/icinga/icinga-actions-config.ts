/**
 * @module The `icinga` configuration section of the Icinga 2 write-back actions
 * (`icinga_acknowledge`, `icinga_remove_acknowledgement`, `icinga_downtime`, `icinga_comment`),
 * as an operator writes it (IcingaActionsConfigInput, snake_case, seconds) and as the actions use
 * it (IcingaActionsConfig: validated, secrets read, CA loaded, units in ms). Transport and auth
 * follow shared/spec/wire-formats.md §3.1.
 */
import { AutohealError, ErrorCode, describeArg, resolveSecret, type SecretDeps } from '../../core/index.js';
import { Secret } from '../../sources/icinga/index.js';

/** The `icinga` section as written. */
export interface IcingaActionsConfigInput {
  /** Base URL of the Icinga 2 API, e.g. `https://icinga.example.com:5665`. Required. */
  readonly url: string;
  /** ApiUser name for HTTP Basic auth. Required. */
  readonly user: string;
  /** Exactly one of these holds the ApiUser's password (see core/resolve-secret.ts). */
  readonly password?: string;
  readonly password_env?: string;
  readonly password_file?: string;
  /** PEM file of the CA that signed Icinga's certificate (Icinga's own `ca.crt`). Default: system CAs. */
  readonly ca_file?: string;
  /** Name to verify Icinga's certificate against when `url` uses an IP address (e.g. `localhost`). */
  readonly tls_server_name?: string;
  /** Bound on one API request, in seconds. Default 30. */
  readonly request_timeout?: number;
}

/** The resolved section. Holds the password as a Secret: safe to log as a whole. */
export interface IcingaActionsConfig {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly user: string;
  readonly password: Secret;
  /** True when the password was written literally (worth a warning at start). */
  readonly passwordLiteral: boolean;
  /** The CA certificate(s), PEM; undefined means the system CAs. */
  readonly ca: string | undefined;
  readonly tlsServerName: string | undefined;
  readonly requestTimeoutMs: number;
}

/** Default bound on one API request. */
export const DEFAULT_ICINGA_ACTION_TIMEOUT_MS = 30_000;

const KNOWN_KEYS: readonly string[] = ['url', 'user', 'password', 'password_env', 'password_file', 'ca_file', 'tls_server_name', 'request_timeout'];

/**
 * Validates the `icinga` section, reads the password and the CA file.
 * @throws AutohealError `AH_ICINGA_ACTIONS_CONFIG_INVALID` listing every problem (never a secret).
 */
export async function resolveIcingaActionsConfig(raw: unknown, deps: SecretDeps): Promise<IcingaActionsConfig> {
  const problems: string[] = [];
  const fail = (): AutohealError =>
    new AutohealError(ErrorCode.IcingaActionsConfigInvalid, `icinga: ${problems.join('; ')}`, { details: { problems: [...problems] } });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(
      raw === undefined || raw === null
        ? 'the section is missing (a mapping with url, user and password_env)'
        : `must be a mapping with url, user and password_env (found ${describeArg(raw)})`,
    );
    throw fail();
  }
  const args = raw as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(args)) {
    if (!KNOWN_KEYS.includes(key)) problems.push(`unknown key "${key}" (expected one of ${KNOWN_KEYS.join(', ')})`);
  }
  const optionalString = (key: string): string | undefined => {
    const v = args[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      problems.push(`"${key}" must be a non-empty string, found ${v === '' ? 'an empty string' : describeArg(v)}`);
      return undefined;
    }
    return v;
  };

  let url = '';
  const rawUrl = optionalString('url');
  if (rawUrl === undefined) {
    if (args.url === undefined || args.url === null) problems.push('"url" is required (e.g. https://icinga.example.com:5665)');
  } else {
    url = checkUrl(rawUrl, problems);
  }
  const user = optionalString('user');
  if (user === undefined && (args.user === undefined || args.user === null)) problems.push('"user" is required (the ApiUser name)');
  const caFile = optionalString('ca_file');
  const tlsServerName = optionalString('tls_server_name');
  if (url.startsWith('http:') && (caFile !== undefined || tlsServerName !== undefined)) {
    problems.push('"ca_file" and "tls_server_name" need an https:// url');
  }

  let requestTimeoutMs = DEFAULT_ICINGA_ACTION_TIMEOUT_MS;
  const timeout = args.request_timeout;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      problems.push(`"request_timeout" must be a positive number of seconds, found ${typeof timeout === 'number' ? String(timeout) : describeArg(timeout)}`);
    } else {
      requestTimeoutMs = Math.ceil(timeout * 1000);
    }
  }

  const secret = await resolveSecret(args, 'password', deps);
  if (secret.kind === 'absent') problems.push('one of "password", "password_env" and "password_file" is required');
  else if (secret.kind === 'problem') problems.push(secret.message);

  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = await deps.readFile(caFile);
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) problems.push(`"ca_file" names the file ${caFile}, which holds no PEM certificate`);
    } catch (err: unknown) {
      problems.push(`"ca_file" names the file ${caFile}, which cannot be read (${errorCode(err)})`);
    }
  }

  if (problems.length > 0 || secret.kind !== 'value' || user === undefined) throw fail();
  return {
    url,
    user,
    password: new Secret(secret.value),
    passwordLiteral: secret.literal,
    ca,
    tlsServerName,
    requestTimeoutMs,
  };
}

function checkUrl(raw: string, problems: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    problems.push(`"url" is not a valid URL: "${raw}"`);
    return '';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    problems.push(`"url" must be an https:// URL, found ${parsed.protocol}`);
    return '';
  }
  // Credentials in the URL would end up in logs; they have their own keys.
  if (parsed.username !== '' || parsed.password !== '') {
    problems.push('"url" must not contain credentials (use user and password_env)');
    return '';
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    problems.push('"url" must not have a query or fragment');
    return '';
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function errorCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'error';
}
