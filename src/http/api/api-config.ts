/**
 * @module The `api` section of the engine config and its one resolver: where the operations
 * server (`/metrics`, `/healthz`, `/readyz`, `/api/outcomes`) listens and the token that guards
 * it. Without the section there is no operations server.
 *
 * ```yaml
 * api:
 *   host: 0.0.0.0                  # @default 0.0.0.0 (Prometheus and probes come from elsewhere)
 *   port: 5080                     # @default 5080 (clear of Prometheus 9090, Alertmanager 9093, sources 5000)
 *   token_env: AUTOHEAL_API_TOKEN  # or token_file: /run/secrets/api (or token, discouraged)
 *   metrics_auth: false            # also require the token on /metrics  @default false
 * ```
 * `/healthz` and `/readyz` never require the token (kubelet probes carry none). `/metrics` does
 * not by default, as Prometheus exporters usually do not: it holds counts and rule names, no
 * event content; set `metrics_auth: true` and give Prometheus `authorization: {credentials_file}`
 * when rule names are sensitive. `/api/outcomes` always requires the token and is off (404
 * saying so) when none is configured.
 */
import { AutohealError, ErrorCode, describeArg, resolveSecret, type SecretDeps } from '../../core/index.js';
import { didYouMean } from '../../rules/rulebook/index.js';

export const DEFAULT_API_HOST = '0.0.0.0';
export const DEFAULT_API_PORT = 5080;

/** The resolved section. Holds the token: never log it. */
export interface ApiConfig {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Bearer token of `/api/outcomes` (and `/metrics` with `metricsAuth`); undefined: none. */
  readonly token?: string;
  /** Whether `/metrics` requires the token. */
  readonly metricsAuth: boolean;
  /** True when the token was written literally in the config file (worth a warning). */
  readonly literalToken: boolean;
}

const KEYS = ['host', 'port', 'token', 'token_env', 'token_file', 'metrics_auth'] as const;

/**
 * Resolves the raw `api` section (`unknown`, from the config file). `undefined`/`null`: no
 * operations server.
 * @throws AutohealError `AH_API_CONFIG_INVALID` listing every problem, one per line (never the
 * token's value).
 */
export async function resolveApiConfig(raw: unknown, deps: SecretDeps): Promise<ApiConfig | undefined> {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AutohealError(ErrorCode.ApiConfigInvalid, `api: must be a mapping, found ${describeArg(raw)}`);
  }
  const spec = raw as Record<string, unknown>;
  const problems: string[] = [];
  const problem = (message: string): void => {
    problems.push(`api: ${message}`);
  };
  for (const key of Object.keys(spec)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const hint = didYouMean(key, KEYS);
    problem(`unknown key "${key}"${hint === undefined ? `; expected one of ${KEYS.join(', ')}` : `; did you mean "${hint}"?`}`);
  }

  let host = DEFAULT_API_HOST;
  if (spec.host !== undefined && spec.host !== null) {
    if (typeof spec.host === 'string' && spec.host.trim() !== '') host = spec.host;
    else problem(`"host" must be a non-empty string, found ${describeArg(spec.host)}`);
  }

  let port = DEFAULT_API_PORT;
  if (spec.port !== undefined && spec.port !== null) {
    const p = spec.port;
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65_535) port = p;
    else problem(`"port" must be an integer from 0 to 65535, found ${typeof p === 'number' ? String(p) : describeArg(p)}`);
  }

  let metricsAuth = false;
  if (spec.metrics_auth !== undefined && spec.metrics_auth !== null) {
    if (typeof spec.metrics_auth === 'boolean') metricsAuth = spec.metrics_auth;
    else problem(`"metrics_auth" must be true or false, found ${describeArg(spec.metrics_auth)}`);
  }

  const secret = await resolveSecret(spec, 'token', deps);
  let token: string | undefined;
  if (secret.kind === 'problem') problem(secret.message);
  if (secret.kind === 'value') {
    // verifyBearer reads `Bearer <one run of non-space>`: a token with spaces could never match.
    if (/\s/.test(secret.value)) problem('the token must not contain whitespace (it is sent as "Authorization: Bearer <token>")');
    else token = secret.value;
  }
  if (metricsAuth && secret.kind === 'absent') problem('"metrics_auth: true" needs a token ("token_env", "token_file" or "token")');

  if (problems.length > 0) throw new AutohealError(ErrorCode.ApiConfigInvalid, problems.join('\n'), { details: { problems } });
  const literalToken = secret.kind === 'value' && secret.literal;
  return { host, port, ...(token === undefined ? {} : { token }), metricsAuth, literalToken };
}
