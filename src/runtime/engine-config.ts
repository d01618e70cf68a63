/**
 * @module The engine's configuration file (`autoheal run --config autoheal.yml`): where the
 * actions' targets are and how to authenticate to them — never in rulebooks — plus history and
 * action workers. Every secret may be given as `x_env: NAME` or `x_file: PATH` instead of `x`.
 *
 * ```yaml
 * controller: {url: https://awx.example, token_env: AWX_TOKEN}      # run_job_template, run_workflow_template
 * notifiers:                                                        # notify
 *   ops: {type: zulip, url: https://chat.example, email: bot@chat.example, api_key_env: ZULIP_KEY, stream: ops}
 * gitlab: {url: https://gitlab.example, token_env: GITLAB_TOKEN}    # gitlab_comment, gitlab_label, gitlab_close
 * icinga: {url: https://icinga:5665, user: autoheal, password_env: ICINGA_PASSWORD, ca_file: /etc/icinga2/ca.crt}
 * history: {file: /var/lib/autoheal/history.jsonl, max_age: 30 days, max_count: 10000}
 * actions: {concurrency: 4}
 * api: {host: 0.0.0.0, port: 5080, token_env: AUTOHEAL_API_TOKEN}     # /metrics, /healthz, /readyz, /api/outcomes
 * ```
 * Each section is resolved once at start by the part that uses it; every problem is reported
 * at once, naming the file and the section.
 */
import { readFile } from 'node:fs/promises';
import { AutohealError, ErrorCode, type SecretDeps } from '../core/index.js';
import { durationMs } from '../actions/dispatch/index.js';
import { resolveControllerConfig, type ControllerConfig } from '../actions/controller/index.js';
import { resolveGitlabConfig, type GitlabConfig } from '../actions/gitlab/index.js';
import { resolveIcingaActionsConfig, type IcingaActionsConfig } from '../actions/icinga/index.js';
import { resolveNotifiersConfig, type NotifiersConfig } from '../actions/notify/index.js';
import { didYouMean, parseYaml } from '../rules/rulebook/index.js';
import { resolveApiConfig, type ApiConfig } from '../http/api/index.js';

export interface EngineConfig {
  readonly controller?: ControllerConfig;
  readonly notifiers: NotifiersConfig;
  readonly gitlab?: GitlabConfig;
  readonly icinga?: IcingaActionsConfig;
  readonly history: { readonly file?: string; readonly maxAgeMs?: number; readonly maxCount?: number };
  /** Actions run at once in this process. */
  readonly actionConcurrency: number;
  /** `/metrics`, `/healthz`, `/readyz`, `/api/outcomes`; off without an `api` section. */
  readonly api?: ApiConfig;
}

const SECTIONS = ['controller', 'notifiers', 'gitlab', 'icinga', 'history', 'actions', 'api'] as const;

/** Reads and resolves the config file (or only the environment when there is none). */
export async function loadEngineConfig(file: string | undefined, deps: SecretDeps): Promise<EngineConfig> {
  let raw: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new AutohealError(ErrorCode.Usage, `cannot read the config file ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const parsed = parseYaml(text);
    if (parsed.doc.errors.length > 0) {
      const e = parsed.doc.errors[0];
      throw new AutohealError(ErrorCode.Usage, `${file}: ${e?.message ?? 'not valid YAML'}`);
    }
    const doc: unknown = parsed.doc.toJS();
    if (doc === null || doc === undefined) raw = {};
    else if (typeof doc === 'object' && !Array.isArray(doc)) raw = doc as Record<string, unknown>;
    else throw new AutohealError(ErrorCode.Usage, `${file}: the config file must be a mapping of sections (${SECTIONS.join(', ')})`);
  }
  const where = file ?? 'the environment';
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(SECTIONS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, SECTIONS);
      problems.push(`unknown section "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`} (expected ${SECTIONS.join(', ')})`);
    }
  }
  const section = async <T>(name: string, resolve: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await resolve();
    } catch (err) {
      problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };
  const wantsController = raw.controller !== undefined || deps.env.EDA_CONTROLLER_URL !== undefined;
  const controller = wantsController ? await section('controller', () => resolveControllerConfig(raw.controller, deps)) : undefined;
  const notifiers = (await section('notifiers', () => resolveNotifiersConfig(raw.notifiers, deps))) ?? new Map();
  const gitlab = raw.gitlab === undefined ? undefined : await section('gitlab', () => resolveGitlabConfig(raw.gitlab, deps));
  const icinga = raw.icinga === undefined ? undefined : await section('icinga', () => resolveIcingaActionsConfig(raw.icinga, deps));
  const api = raw.api === undefined ? undefined : await section('api', () => resolveApiConfig(raw.api, deps));
  const history = resolveHistory(raw.history, problems);
  const actionConcurrency = resolveConcurrency(raw.actions, problems);
  if (problems.length > 0) {
    throw new AutohealError(ErrorCode.Usage, `invalid configuration in ${where}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return {
    notifiers,
    history,
    actionConcurrency,
    ...(controller !== undefined ? { controller } : {}),
    ...(gitlab !== undefined ? { gitlab } : {}),
    ...(icinga !== undefined ? { icinga } : {}),
    ...(api !== undefined ? { api } : {}),
  };
}

function resolveHistory(raw: unknown, problems: string[]): EngineConfig['history'] {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('history must be a mapping {file, max_age, max_count}');
    return {};
  }
  const h = raw as Record<string, unknown>;
  const out: { file?: string; maxAgeMs?: number; maxCount?: number } = {};
  try {
    if (h.file !== undefined) {
      if (typeof h.file !== 'string' || h.file === '') throw new Error('history.file must be a path');
      out.file = h.file;
    }
    if (h.max_age !== undefined) out.maxAgeMs = durationMs(h.max_age, 'history.max_age');
    if (h.max_count !== undefined) {
      if (typeof h.max_count !== 'number' || !Number.isInteger(h.max_count) || h.max_count < 1) throw new Error('history.max_count must be a whole number ≥ 1');
      out.maxCount = h.max_count;
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  return out;
}

function resolveConcurrency(raw: unknown, problems: string[]): number {
  if (raw === undefined || raw === null) return 4;
  const c = typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).concurrency : undefined;
  if (c === undefined) return 4;
  if (typeof c === 'number' && Number.isInteger(c) && c >= 1 && c <= 256) return c;
  problems.push(`actions.concurrency must be a whole number from 1 to 256, found ${JSON.stringify(c)}`);
  return 4;
}
