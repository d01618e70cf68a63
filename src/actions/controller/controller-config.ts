/**
 * @module The engine's `controller:` section (AWX / AAP controller, wire-formats.md §4) and its
 * one resolver. Written in snake_case with seconds (as the rest of the engine config), resolved
 * once into milliseconds, with secrets read and every problem reported at once. Upstream's
 * environment variables (`EDA_CONTROLLER_URL`, `EDA_CONTROLLER_TOKEN`,
 * `EDA_CONTROLLER_USERNAME`, `EDA_CONTROLLER_PASSWORD`, `EDA_CONTROLLER_SSL_VERIFY`) are
 * accepted as fallbacks for what the section leaves out, so an ansible-rulebook deployment
 * keeps working; CLI flags (`--controller-url`, …) are meant to be mapped onto this section.
 */
import { AutohealError, ErrorCode, describeArg, resolveSecret, type SecretDeps } from '../../core/index.js';

/** Default seconds between two status polls (upstream `EDA_JOB_TEMPLATE_REFRESH_DELAY`). */
export const DEFAULT_POLL_INTERVAL_S = 10;
/** Default seconds one attempt may wait for its job before cancelling it. */
export const DEFAULT_JOB_TIMEOUT_S = 3600;
/** Default seconds one HTTP request may take, body included. */
export const DEFAULT_REQUEST_TIMEOUT_S = 30;
/** Default seconds to look back for a job launched before a crash (crash safety). */
export const DEFAULT_JOB_LOOKUP_WINDOW_S = 86_400;
/** Default bytes of job stdout kept as the outcome's `outputTail`. */
export const DEFAULT_STDOUT_TAIL_BYTES = 65_536;

/** The `controller:` section as written in the engine config. Times in seconds. */
export interface ControllerConfigInput {
  /**
   * Base URL of the controller. A bare host (`https://awx.example.com`) is discovered through
   * `/api/` (AWX `/api/v2/`, AAP 2.5 gateway `/api/controller/v2/`); a URL with a path
   * (`https://gw.example.com/api/controller/`) is taken as the API root, as upstream's
   * "gateway mode". Required, or `EDA_CONTROLLER_URL`.
   */
  readonly url?: string;
  /** OAuth2 / personal access token (`Authorization: Bearer`), or `token_env` / `token_file`. */
  readonly token?: string;
  readonly token_env?: string;
  readonly token_file?: string;
  /** HTTP Basic user (instead of a token); needs a password. Or `username_env` / `username_file`. */
  readonly username?: string;
  readonly username_env?: string;
  readonly username_file?: string;
  readonly password?: string;
  readonly password_env?: string;
  readonly password_file?: string;
  /** Verify the controller's TLS certificate. Default true. */
  readonly verify_ssl?: boolean;
  /** PEM file of the CA that signed the controller's certificate. Default: system CAs. */
  readonly ca_file?: string;
  /** Seconds between status polls. Default 10. */
  readonly poll_interval?: number;
  /** Seconds an attempt waits for its job before cancelling it. Default 3600. */
  readonly timeout?: number;
  /** Seconds per HTTP request. Default 30. */
  readonly request_timeout?: number;
  /** Seconds to look back for an already launched job of the same action. Default 86400. */
  readonly job_lookup_window?: number;
  /** Bytes of stdout kept. Default 65536. */
  readonly stdout_tail_bytes?: number;
}

/** How requests authenticate. The header value is a secret: never log it. */
export type ControllerAuth =
  | { readonly kind: 'token'; readonly authorization: string }
  | { readonly kind: 'basic'; readonly username: string; readonly authorization: string };

/** The resolved `controller` section. Holds credentials: log `describeControllerConfig` instead. */
export interface ControllerConfig {
  /** The URL as configured, with a trailing slash on its path. */
  readonly url: string;
  /** `scheme://host:port` of `url`: UI links and relative API links resolve against it. */
  readonly origin: string;
  /** True when `url` has a path: it is the API root and `/api/` discovery is skipped. */
  readonly apiRootGiven: boolean;
  readonly auth: ControllerAuth;
  readonly verifySsl: boolean;
  /** PEM text of `ca_file`, read at resolve time. */
  readonly ca: string | undefined;
  readonly caFile: string | undefined;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly jobLookupWindowMs: number;
  readonly stdoutTailBytes: number;
}

const KNOWN_KEYS = new Set([
  'url',
  'token',
  'token_env',
  'token_file',
  'username',
  'username_env',
  'username_file',
  'password',
  'password_env',
  'password_file',
  'verify_ssl',
  'ca_file',
  'poll_interval',
  'timeout',
  'request_timeout',
  'job_lookup_window',
  'stdout_tail_bytes',
]);

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function seconds(raw: Record<string, unknown>, key: string, fallback: number, max: number, problems: string[]): number {
  const v = raw[key];
  if (v === undefined || v === null) return Math.round(fallback * 1000);
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
    problems.push(`"${key}" must be a number of seconds above 0 and at most ${max}, found ${typeof v === 'number' ? String(v) : describeArg(v)}`);
    return Math.round(fallback * 1000);
  }
  return Math.max(1, Math.round(v * 1000));
}

/** Upstream's `--controller-ssl-verify yes|no|<CA file>`, from `EDA_CONTROLLER_SSL_VERIFY`. */
function sslFromEnv(value: string | undefined): { verify?: boolean; caFile?: string } {
  if (value === undefined || value === '') return {};
  const lower = value.toLowerCase();
  if (['yes', 'true', '1', 'on'].includes(lower)) return { verify: true };
  if (['no', 'false', '0', 'off'].includes(lower)) return { verify: false };
  return { verify: true, caFile: value };
}

/**
 * Validates and defaults the engine's `controller:` section, reads its secrets and CA file.
 * @param raw the section as parsed from the config (`undefined` when absent: environment only)
 * @throws AutohealError `AH_CONTROLLER_CONFIG_INVALID` listing every problem (never a secret)
 */
export async function resolveControllerConfig(raw: unknown, deps: SecretDeps): Promise<ControllerConfig> {
  const problems: string[] = [];
  const section: Record<string, unknown> = raw === undefined || raw === null ? {} : isMapping(raw) ? { ...raw } : {};
  if (raw !== undefined && raw !== null && !isMapping(raw)) problems.push(`the controller section must be a mapping, found ${describeArg(raw)}`);
  for (const key of Object.keys(section)) {
    if (!KNOWN_KEYS.has(key)) problems.push(`unknown option "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`);
  }

  // Environment fallbacks fill in only what the section leaves out, and never mix with it:
  // a token in the section must not be paired with a password from the environment.
  const env = deps.env;
  if (section.url === undefined && env.EDA_CONTROLLER_URL) section.url = env.EDA_CONTROLLER_URL;
  const hasAuth = ['token', 'username', 'password'].some((k) => [k, `${k}_env`, `${k}_file`].some((x) => section[x] !== undefined));
  if (!hasAuth) {
    if (env.EDA_CONTROLLER_TOKEN) section.token_env = 'EDA_CONTROLLER_TOKEN';
    else if (env.EDA_CONTROLLER_USERNAME || env.EDA_CONTROLLER_PASSWORD) {
      section.username_env = 'EDA_CONTROLLER_USERNAME';
      section.password_env = 'EDA_CONTROLLER_PASSWORD';
    }
  }
  const envSsl = sslFromEnv(env.EDA_CONTROLLER_SSL_VERIFY);
  if (section.verify_ssl === undefined && envSsl.verify !== undefined) section.verify_ssl = envSsl.verify;
  if (section.ca_file === undefined && envSsl.caFile !== undefined) section.ca_file = envSsl.caFile;

  let url = '';
  let origin = '';
  let apiRootGiven = false;
  if (section.url === undefined || section.url === null) {
    problems.push('"url" is required (or set EDA_CONTROLLER_URL)');
  } else if (typeof section.url !== 'string' || section.url === '') {
    problems.push(`"url" must be a non-empty string, found ${describeArg(section.url)}`);
  } else {
    let parsed: URL | undefined;
    try {
      parsed = new URL(section.url);
    } catch {
      problems.push(`"url" is not a valid URL: "${section.url}"`);
    }
    if (parsed !== undefined) {
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') problems.push(`"url" must use http or https, found "${parsed.protocol}"`);
      else if (parsed.username !== '' || parsed.password !== '') problems.push('"url" must not contain credentials; use token or username and password');
      else if (parsed.search !== '' || parsed.hash !== '') problems.push('"url" must not have a query or fragment');
      else {
        const path = parsed.pathname.endsWith('/') ? parsed.pathname : `${parsed.pathname}/`;
        apiRootGiven = path !== '/';
        origin = parsed.origin;
        url = `${origin}${path}`;
      }
    }
  }

  let auth: ControllerAuth | undefined;
  const token = await resolveSecret(section, 'token', deps);
  const username = await resolveSecret(section, 'username', deps);
  const password = await resolveSecret(section, 'password', deps);
  for (const r of [token, username, password]) if (r.kind === 'problem') problems.push(r.message);
  if (token.kind === 'value') {
    if (username.kind !== 'absent' || password.kind !== 'absent') problems.push('give either a token or a username and password, not both');
    else auth = { kind: 'token', authorization: `Bearer ${token.value}` };
  } else if (token.kind === 'absent') {
    if (username.kind === 'value' && password.kind === 'value') {
      const basic = Buffer.from(`${username.value}:${password.value}`, 'utf8').toString('base64');
      auth = { kind: 'basic', username: username.value, authorization: `Basic ${basic}` };
    } else if (username.kind === 'value' && password.kind === 'absent') problems.push('"username" needs "password" (or "password_env" / "password_file")');
    else if (username.kind === 'absent' && password.kind === 'value') problems.push('"password" needs "username"');
    else if (username.kind === 'absent' && password.kind === 'absent') {
      problems.push('credentials are required: "token" (or "token_env" / "token_file", or EDA_CONTROLLER_TOKEN) or "username" and "password"');
    }
  }

  let verifySsl = true;
  if (section.verify_ssl !== undefined && section.verify_ssl !== null) {
    if (typeof section.verify_ssl !== 'boolean') problems.push(`"verify_ssl" must be true or false, found ${describeArg(section.verify_ssl)}`);
    else verifySsl = section.verify_ssl;
  }
  let ca: string | undefined;
  let caFile: string | undefined;
  if (section.ca_file !== undefined && section.ca_file !== null) {
    if (typeof section.ca_file !== 'string' || section.ca_file === '') problems.push(`"ca_file" must be a non-empty string, found ${describeArg(section.ca_file)}`);
    else if (!verifySsl) problems.push('"ca_file" has no effect with "verify_ssl: false"; remove one of them');
    else {
      caFile = section.ca_file;
      try {
        ca = await deps.readFile(caFile);
      } catch (err: unknown) {
        const code = isMapping(err) && typeof err.code === 'string' ? err.code : 'error';
        problems.push(`"ca_file" names the file ${caFile}, which cannot be read (${code})`);
      }
    }
  }
  if (url.startsWith('http:') && (caFile !== undefined || section.verify_ssl === false)) {
    problems.push('"verify_ssl" and "ca_file" apply to https URLs only');
  }

  const pollIntervalMs = seconds(section, 'poll_interval', DEFAULT_POLL_INTERVAL_S, 3600, problems);
  const timeoutMs = seconds(section, 'timeout', DEFAULT_JOB_TIMEOUT_S, 7 * 86_400, problems);
  const requestTimeoutMs = seconds(section, 'request_timeout', DEFAULT_REQUEST_TIMEOUT_S, 3600, problems);
  const jobLookupWindowMs = seconds(section, 'job_lookup_window', DEFAULT_JOB_LOOKUP_WINDOW_S, 30 * 86_400, problems);
  let stdoutTailBytes = DEFAULT_STDOUT_TAIL_BYTES;
  const tail = section.stdout_tail_bytes;
  if (tail !== undefined && tail !== null) {
    if (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0 || tail > 16 * 1024 * 1024) {
      problems.push(`"stdout_tail_bytes" must be an integer from 0 to 16777216, found ${typeof tail === 'number' ? String(tail) : describeArg(tail)}`);
    } else stdoutTailBytes = tail;
  }

  if (problems.length > 0 || auth === undefined) {
    throw new AutohealError(ErrorCode.ControllerConfigInvalid, `invalid controller configuration: ${problems.join('; ')}`, { details: { problems } });
  }
  return { url, origin, apiRootGiven, auth, verifySsl, ca, caFile, pollIntervalMs, timeoutMs, requestTimeoutMs, jobLookupWindowMs, stdoutTailBytes };
}

/** The config without credentials, for logs. */
export function describeControllerConfig(config: ControllerConfig): Record<string, unknown> {
  return {
    url: config.url,
    auth: config.auth.kind,
    ...(config.auth.kind === 'basic' ? { username: config.auth.username } : {}),
    verifySsl: config.verifySsl,
    caFile: config.caFile,
    pollIntervalMs: config.pollIntervalMs,
    timeoutMs: config.timeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  };
}
