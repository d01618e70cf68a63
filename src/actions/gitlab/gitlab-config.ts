/**
 * @module The `gitlab` section of the engine config and its one resolver: where the GitLab REST
 * API is and the token the write-back actions use (wire-formats.md §2.6). Never in rulebooks.
 *
 * ```yaml
 * gitlab:
 *   url: https://gitlab.example.com   # instance base URL (a trailing /api/v4 is accepted)
 *   token_env: GITLAB_TOKEN           # or token_file: /run/secrets/gitlab (or token, discouraged)
 *   auth: private-token               # private-token (PRIVATE-TOKEN header) | bearer  @default private-token
 *   timeout_ms: 10000                 # bound of one API request                       @default 10000
 * ```
 * The token needs the `api` scope and a role that may comment on, label and close issues.
 */
import { AutohealError, ErrorCode, describeArg, resolveSecret, type SecretDeps } from '../../core/index.js';
import { didYouMean } from '../../rules/rulebook/index.js';

/** How the token is sent. */
export const GitlabAuth = {
  /** `PRIVATE-TOKEN: <token>`: personal, project and group access tokens. */
  PrivateToken: 'private-token',
  /** `Authorization: Bearer <token>`: OAuth2 tokens (PATs work too). */
  Bearer: 'bearer',
} as const;
export type GitlabAuth = (typeof GitlabAuth)[keyof typeof GitlabAuth];

export const DEFAULT_GITLAB_TIMEOUT_MS = 10_000;

/** The resolved section. Holds the token: never log it. */
export interface GitlabConfig {
  /** `<instance>/api/v4`, no trailing slash. */
  readonly apiUrl: string;
  readonly token: string;
  readonly auth: GitlabAuth;
  /** Bound of one API request, ms. */
  readonly timeoutMs: number;
}

const KEYS = ['url', 'token', 'token_env', 'token_file', 'auth', 'timeout_ms'] as const;
const AUTHS: readonly string[] = Object.values(GitlabAuth);

/**
 * Resolves the raw `gitlab` section (`unknown`, from the config file). `undefined`/`null` means
 * no GitLab: the gitlab_* actions are then not available.
 * @throws AutohealError `AH_GITLAB_CONFIG_INVALID` listing every problem, one per line.
 */
export async function resolveGitlabConfig(raw: unknown, deps: SecretDeps): Promise<GitlabConfig | undefined> {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AutohealError(ErrorCode.GitlabConfigInvalid, `gitlab: must be a mapping, found ${describeArg(raw)}`);
  }
  const spec = raw as Record<string, unknown>;
  const problems: string[] = [];
  const problem = (message: string): void => {
    problems.push(`gitlab: ${message}`);
  };
  for (const key of Object.keys(spec)) {
    if ((KEYS as readonly string[]).includes(key)) continue;
    const hint = didYouMean(key, KEYS);
    problem(`unknown key "${key}"${hint === undefined ? `; expected one of ${KEYS.join(', ')}` : `; did you mean "${hint}"?`}`);
  }

  const apiUrl = readApiUrl(spec.url, problem);
  const token = await resolveSecret(spec, 'token', deps);
  if (token.kind === 'absent') problem('missing "token" (or "token_env" / "token_file")');
  if (token.kind === 'problem') problem(token.message);

  let auth: GitlabAuth = GitlabAuth.PrivateToken;
  if (spec.auth !== undefined && spec.auth !== null) {
    if (typeof spec.auth === 'string' && AUTHS.includes(spec.auth)) auth = spec.auth as GitlabAuth;
    else problem(`"auth" must be one of ${AUTHS.join(', ')}, found ${typeof spec.auth === 'string' ? `"${spec.auth}"` : describeArg(spec.auth)}`);
  }

  let timeoutMs = DEFAULT_GITLAB_TIMEOUT_MS;
  if (spec.timeout_ms !== undefined && spec.timeout_ms !== null) {
    const t = spec.timeout_ms;
    if (typeof t === 'number' && Number.isInteger(t) && t > 0) timeoutMs = t;
    else problem(`"timeout_ms" must be a positive integer (milliseconds), found ${typeof t === 'number' ? String(t) : describeArg(t)}`);
  }

  if (problems.length > 0 || apiUrl === undefined || token.kind !== 'value') {
    throw new AutohealError(ErrorCode.GitlabConfigInvalid, problems.join('\n'), { details: { problems } });
  }
  return { apiUrl, token: token.value, auth, timeoutMs };
}

function readApiUrl(value: unknown, problem: (message: string) => void): string | undefined {
  if (value === undefined || value === null) {
    problem('missing "url" (the GitLab instance, e.g. https://gitlab.example.com)');
    return undefined;
  }
  if (typeof value !== 'string') {
    problem(`"url" must be a string, found ${describeArg(value)}`);
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problem(`"url" is not a valid URL: "${value}"`);
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    problem(`"url" must be an http or https URL, found "${value}"`);
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    problem('"url" must be a plain base URL, without credentials, query or fragment');
    return undefined;
  }
  const base = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '').replace(/\/api\/v4$/, '');
  return `${base}/api/v4`;
}
