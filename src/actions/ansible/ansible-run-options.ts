/**
 * @module The options of one `ansible-playbook` run and their one resolver: defaults, units and
 * bad combinations live here and nowhere else. Invocation rules follow
 * shared/spec/wire-formats.md §5 and shared/spec/stack.md §5.
 */
import { isAbsolute, resolve } from 'node:path';
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { AnsibleOutputLine } from './ansible-output.js';
import { ANSIBLE_EDA_KEY } from './render-extra-vars.js';

/** Which stdout callback ansible-playbook prints with. */
export const AnsibleCallback = {
  /** `ansible.posix.jsonl`: one JSON event per line; gives stats and artifacts (needs ansible.posix). */
  Jsonl: 'jsonl',
  /** ansible-core's default callback: stats from the PLAY RECAP only, no artifacts. */
  Default: 'default',
} as const;
export type AnsibleCallback = (typeof AnsibleCallback)[keyof typeof AnsibleCallback];

/** What upstream ansible-rulebook passes to playbooks as the `ansible_eda` extra var. */
export interface AnsibleEdaVars {
  readonly ruleset: string;
  readonly rule: string;
  /** The matching event of a single-condition rule. */
  readonly event?: unknown;
  /** The matching events of a multi-condition rule, by binding name (`m_0`, `m_1`, …). */
  readonly events?: Readonly<Record<string, unknown>>;
}

/** Options common to playbook and module runs. */
export interface AnsibleRunOptions {
  /** Absolute directory that the playbook, a relative `inventory` and `cwd` are resolved against. */
  readonly projectDir: string;
  /**
   * Inventory file or directory (absolute, or relative to `projectDir`). Default: none, in which
   * case `hosts` must be plain host names and become an inline inventory (`-i 'a,b,'`).
   */
  readonly inventory?: string;
  /**
   * Host limit (`--limit a,b`); upstream takes it from the event's `meta.hosts`, else the
   * ruleset's `hosts`. Patterns are allowed (`web*`, `all:!db01`). Default: no limit.
   */
  readonly hosts?: readonly string[];
  /** Extra vars (JSON-compatible mapping; may hold event data). Default `{}`. */
  readonly extraVars?: Readonly<Record<string, unknown>>;
  /** The `ansible_eda` extra var (rule context and matching event data). Default: not passed. */
  readonly ansibleEda?: AnsibleEdaVars;
  /**
   * When false (default), strings in `extraVars` and in mapping `moduleArgs` are tagged `!unsafe`
   * so Ansible never evaluates them as Jinja templates (event data is untrusted). `ansibleEda` is
   * always tagged. Set true only for rulebook-authored values that must be templated by Ansible.
   */
  readonly allowTemplates?: boolean;
  /** `-v` count, 0–4. Default 0. */
  readonly verbosity?: number;
  /** Milliseconds before the run is killed and reported `timed_out`. Default 3 600 000 (1 h). */
  readonly timeoutMs?: number;
  /** Milliseconds between SIGTERM and SIGKILL of the process group. Default 5 000. */
  readonly killGraceMs?: number;
  /**
   * Milliseconds to wait, after ansible-playbook exited, for descendants still holding its
   * output pipes before their process group is killed. Default 1 000.
   */
  readonly lingerMs?: number;
  /** Working directory (absolute, or relative to `projectDir`). Default `projectDir`. */
  readonly cwd?: string;
  /**
   * Environment additions. Names must start with `ANSIBLE_` or be listed in `allowEnv`; the
   * names this runner sets itself (colour, callback, local temp, retry files) are refused.
   * Values never reach argv. Default `{}`.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * More variable names to pass: copied from our own environment when set there (e.g.
   * `SSH_AUTH_SOCK`), and accepted as keys of `env`. `PATH`, `HOME`, `LANG` and `LC_ALL` are
   * always passed. Default `[]`.
   */
  readonly allowEnv?: readonly string[];
  /** Stdout callback. Default `jsonl`. */
  readonly callback?: AnsibleCallback;
  /**
   * Keep the raw JSON event lines in `outputTail` instead of their human rendering (upstream's
   * `json_mode`). Only with the `jsonl` callback. Default false.
   */
  readonly jsonMode?: boolean;
  /** Most lines kept in `outputTail`. Default 200. */
  readonly tailMaxLines?: number;
  /** Most UTF-8 bytes kept in `outputTail`. Default 65 536. */
  readonly tailMaxBytes?: number;
  /**
   * Longest output line read whole, in UTF-16 units; longer lines are cut (a cut jsonl event is
   * then not parsed). Bounds memory against one endless line. Default 8 388 608.
   */
  readonly maxLineChars?: number;
  /** The ansible-playbook executable, looked up on `PATH` when not a path. Default `ansible-playbook`. */
  readonly ansiblePlaybookPath?: string;
  /** Aborting kills the process group and reports `cancelled`. */
  readonly signal?: AbortSignal;
  /** Called for every output line as it arrives. Exceptions thrown by it are ignored. */
  readonly onLine?: (line: AnsibleOutputLine) => void;
}

/** A `run_playbook` request. */
export interface PlaybookRequest extends AnsibleRunOptions {
  /**
   * Playbook path relative to `projectDir` (or absolute), which must stay inside `projectDir`
   * after symlinks are resolved; or a collection playbook FQCN (`ns.coll.name`).
   */
  readonly playbook: string;
}

/** A `run_module` request. */
export interface ModuleRequest extends AnsibleRunOptions {
  /** Module name, short or FQCN (`ansible.builtin.command`). */
  readonly module: string;
  /** Module arguments: a mapping, or a free-form `k=v` string. Default `{}`. */
  readonly moduleArgs?: Readonly<Record<string, unknown>> | string;
}

/** What a run executes. */
export type AnsibleTarget =
  | { readonly kind: 'playbook'; readonly playbook: string }
  | { readonly kind: 'module'; readonly module: string; readonly moduleArgs: Readonly<Record<string, unknown>> | string };

/** A validated, defaulted request; nothing past the resolver re-checks it. */
export interface ResolvedAnsibleRun {
  readonly target: AnsibleTarget;
  readonly projectDir: string;
  /** `--inventory` value: an absolute path or an inline host list ending in a comma. */
  readonly inventory: string;
  readonly hosts: readonly string[];
  readonly extraVars: Readonly<Record<string, unknown>>;
  readonly ansibleEda: Readonly<Record<string, unknown>> | undefined;
  readonly allowTemplates: boolean;
  readonly verbosity: number;
  readonly timeoutMs: number;
  readonly killGraceMs: number;
  readonly lingerMs: number;
  readonly cwd: string;
  /** The child's environment before the per-run variables are added. */
  readonly env: Readonly<Record<string, string>>;
  readonly callback: AnsibleCallback;
  readonly jsonMode: boolean;
  readonly tailMaxLines: number;
  readonly tailMaxBytes: number;
  readonly maxLineChars: number;
  readonly ansiblePlaybookPath: string;
  readonly signal: AbortSignal | undefined;
  readonly onLine: ((line: AnsibleOutputLine) => void) | undefined;
}

export const DEFAULT_TIMEOUT_MS = 3_600_000;
export const DEFAULT_KILL_GRACE_MS = 5_000;
export const DEFAULT_LINGER_MS = 1_000;
export const DEFAULT_TAIL_MAX_LINES = 200;
export const DEFAULT_TAIL_MAX_BYTES = 65_536;
export const DEFAULT_MAX_LINE_CHARS = 8_388_608;
export const DEFAULT_ANSIBLE_PLAYBOOK = 'ansible-playbook';

/** Variables always copied from our environment when set. */
export const BASE_ENV_NAMES: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL'];
/** Variables the runner sets itself for every run; callers may not override them. */
export const RESERVED_ENV_NAMES: readonly string[] = [
  'ANSIBLE_FORCE_COLOR',
  'ANSIBLE_NOCOLOR',
  'ANSIBLE_RETRY_FILES_ENABLED',
  'ANSIBLE_LOCAL_TEMP',
  'ANSIBLE_STDOUT_CALLBACK',
  'ANSIBLE_JSON_INDENT',
];
/** PATH for the child when our own environment has none. */
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/** setTimeout's largest delay; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_VERBOSITY = 4;
const MAX_JSON_DEPTH = 64;
const ANSIBLE_ENV_NAME = /^ANSIBLE_[A-Z0-9_]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/**
 * Host patterns come from event data (`meta.hosts`). Refused: whitespace and control characters,
 * commas (the list separator), Jinja delimiters (the module playbook's `hosts:` is templated),
 * quotes, and a leading `@` (a limit read from a file).
 */
const HOST_PATTERN = /^(?!@)[^\s\x00-\x1f\x7f,{}%#'"`\\]+$/;
/** Host names usable in an inline inventory. */
const PLAIN_HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const TEMPLATE_MARKER = /\{\{|\{%|\{#/;
const MAX_HOST_CHARS = 255;

/**
 * Validates and defaults a playbook or module request (a request is a module run when it has
 * `module`). Collects every problem and throws them together.
 * @param parentEnv our own environment, the source of inherited variables
 * @throws AutohealError `AH_ANSIBLE_REQUEST_INVALID` listing every problem
 */
export function resolveAnsibleRunOptions(
  request: PlaybookRequest | ModuleRequest,
  parentEnv: Readonly<Record<string, string | undefined>>,
): ResolvedAnsibleRun {
  const problems: string[] = [];
  const r = request as Partial<PlaybookRequest> & Partial<ModuleRequest> & AnsibleRunOptions;

  const projectDir = typeof r.projectDir === 'string' && isAbsolute(r.projectDir) ? resolve(r.projectDir) : '';
  if (projectDir === '') problems.push('projectDir must be an absolute path');

  const target = resolveTarget(r, problems);
  const hosts = resolveHosts(r.hosts, problems);

  let inventory = '';
  if (r.inventory !== undefined) {
    if (typeof r.inventory !== 'string' || r.inventory === '' || r.inventory.includes(',')) {
      problems.push('inventory must be a non-empty path without commas');
    } else {
      inventory = resolve(projectDir || '/', r.inventory);
    }
  } else if (hosts.length === 0) {
    problems.push('give an inventory, or hosts to build an inline inventory from');
  } else {
    const bad = hosts.filter((h) => !PLAIN_HOST.test(h));
    if (bad.length > 0) {
      problems.push(`without an inventory, hosts must be plain host names (not patterns): ${bad.join(', ')}`);
    }
    inventory = `${hosts.join(',')},`;
  }

  const extraVars = r.extraVars ?? {};
  if (!isPlainObject(extraVars)) problems.push('extraVars must be a mapping');
  else {
    jsonProblems(extraVars, 'extraVars', 0, problems);
    if (Object.hasOwn(extraVars, ANSIBLE_EDA_KEY)) {
      problems.push(`extraVars must not contain ${ANSIBLE_EDA_KEY}; pass it as ansibleEda`);
    }
  }

  const ansibleEda = resolveAnsibleEda(r.ansibleEda, problems);
  const allowTemplates = booleanOption(r.allowTemplates, 'allowTemplates', false, problems);
  if (target?.kind === 'module' && typeof target.moduleArgs === 'string' && !allowTemplates && TEMPLATE_MARKER.test(target.moduleArgs)) {
    problems.push(
      'string moduleArgs contain a template marker ({{, {% or {#) that Ansible would evaluate; ' +
        'pass moduleArgs as a mapping, or set allowTemplates',
    );
  }

  const verbosity = integerOption(r.verbosity, 'verbosity', 0, 0, MAX_VERBOSITY, problems);
  const timeoutMs = integerOption(r.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS, 1, MAX_TIMER_MS, problems);
  const killGraceMs = integerOption(r.killGraceMs, 'killGraceMs', DEFAULT_KILL_GRACE_MS, 0, MAX_TIMER_MS, problems);
  const lingerMs = integerOption(r.lingerMs, 'lingerMs', DEFAULT_LINGER_MS, 0, MAX_TIMER_MS, problems);
  const tailMaxLines = integerOption(r.tailMaxLines, 'tailMaxLines', DEFAULT_TAIL_MAX_LINES, 1, 1_000_000, problems);
  const tailMaxBytes = integerOption(r.tailMaxBytes, 'tailMaxBytes', DEFAULT_TAIL_MAX_BYTES, 64, 1 << 30, problems);
  const maxLineChars = integerOption(r.maxLineChars, 'maxLineChars', DEFAULT_MAX_LINE_CHARS, 64, 1 << 29, problems);

  let cwd = projectDir;
  if (r.cwd !== undefined) {
    if (typeof r.cwd !== 'string' || r.cwd === '') problems.push('cwd must be a non-empty path');
    else cwd = resolve(projectDir || '/', r.cwd);
  }

  const callback = r.callback ?? AnsibleCallback.Jsonl;
  if (!Object.values(AnsibleCallback).includes(callback)) {
    problems.push(`callback must be one of ${Object.values(AnsibleCallback).join(', ')}`);
  }
  const jsonMode = booleanOption(r.jsonMode, 'jsonMode', false, problems);
  if (jsonMode && callback !== AnsibleCallback.Jsonl) problems.push('jsonMode needs the jsonl callback');

  const env = resolveEnv(r.env, r.allowEnv, parentEnv, problems);

  const ansiblePlaybookPath = r.ansiblePlaybookPath ?? DEFAULT_ANSIBLE_PLAYBOOK;
  if (typeof ansiblePlaybookPath !== 'string' || ansiblePlaybookPath === '') {
    problems.push('ansiblePlaybookPath must be a non-empty string');
  }
  if (r.onLine !== undefined && typeof r.onLine !== 'function') problems.push('onLine must be a function');

  if (problems.length > 0 || target === undefined) {
    throw new AutohealError(ErrorCode.AnsibleRequestInvalid, `invalid ansible run request: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return {
    target,
    projectDir,
    inventory,
    hosts,
    extraVars,
    ansibleEda,
    allowTemplates,
    verbosity,
    timeoutMs,
    killGraceMs,
    lingerMs,
    cwd,
    env,
    callback,
    jsonMode,
    tailMaxLines,
    tailMaxBytes,
    maxLineChars,
    ansiblePlaybookPath,
    signal: r.signal,
    onLine: r.onLine,
  };
}

function resolveTarget(
  r: Partial<PlaybookRequest> & Partial<ModuleRequest>,
  problems: string[],
): AnsibleTarget | undefined {
  const isModule = r.module !== undefined;
  if (isModule && r.playbook !== undefined) {
    problems.push('give either playbook or module, not both');
    return undefined;
  }
  if (!isModule) {
    if (typeof r.playbook !== 'string' || r.playbook.trim() === '' || r.playbook.includes('\0')) {
      problems.push('playbook must be a non-empty path');
      return undefined;
    }
    return { kind: 'playbook', playbook: r.playbook };
  }
  if (typeof r.module !== 'string' || !MODULE_NAME.test(r.module)) {
    problems.push(`module must be a module name such as ansible.builtin.command, got ${JSON.stringify(r.module)}`);
    return undefined;
  }
  const moduleArgs = r.moduleArgs ?? {};
  if (typeof moduleArgs === 'string') {
    if (moduleArgs.includes('\0')) problems.push('moduleArgs must not contain NUL');
  } else if (!isPlainObject(moduleArgs)) {
    problems.push('moduleArgs must be a mapping or a string');
  } else {
    jsonProblems(moduleArgs, 'moduleArgs', 0, problems);
  }
  return { kind: 'module', module: r.module, moduleArgs };
}

function resolveHosts(hosts: readonly string[] | undefined, problems: string[]): readonly string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts)) {
    problems.push('hosts must be a list of host names or patterns');
    return [];
  }
  const bad = hosts.filter((h) => typeof h !== 'string' || h.length > MAX_HOST_CHARS || !HOST_PATTERN.test(h));
  if (bad.length > 0) {
    problems.push(
      `hosts must be host names or patterns without whitespace, commas, quotes, {, }, %, # or a leading @: ${bad
        .map((h) => JSON.stringify(h))
        .join(', ')}`,
    );
    return [];
  }
  return [...new Set(hosts as string[])];
}

function resolveAnsibleEda(
  eda: AnsibleEdaVars | undefined,
  problems: string[],
): Readonly<Record<string, unknown>> | undefined {
  if (eda === undefined) return undefined;
  if (!isPlainObject(eda)) {
    problems.push('ansibleEda must be a mapping');
    return undefined;
  }
  if (typeof eda.ruleset !== 'string' || typeof eda.rule !== 'string') {
    problems.push('ansibleEda.ruleset and ansibleEda.rule must be strings');
  }
  if (eda.event !== undefined && eda.events !== undefined) {
    problems.push('ansibleEda takes event (single match) or events (multiple matches), not both');
  }
  jsonProblems(eda, 'ansibleEda', 0, problems);
  return eda as Readonly<Record<string, unknown>>;
}

function resolveEnv(
  additions: Readonly<Record<string, string>> | undefined,
  allowEnv: readonly string[] | undefined,
  parentEnv: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Readonly<Record<string, string>> {
  const allowed = new Set<string>();
  if (allowEnv !== undefined) {
    if (!Array.isArray(allowEnv)) problems.push('allowEnv must be a list of variable names');
    else {
      for (const name of allowEnv) {
        if (typeof name !== 'string' || !ENV_NAME.test(name)) problems.push(`allowEnv: ${JSON.stringify(name)} is not a variable name`);
        else if (RESERVED_ENV_NAMES.includes(name)) problems.push(`allowEnv: ${name} is set by the runner itself`);
        else allowed.add(name);
      }
    }
  }

  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV_NAMES, ...allowed]) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  env['PATH'] ??= FALLBACK_PATH;

  if (additions !== undefined) {
    if (!isPlainObject(additions)) problems.push('env must be a mapping of names to strings');
    else {
      for (const [name, value] of Object.entries(additions)) {
        if (RESERVED_ENV_NAMES.includes(name)) problems.push(`env: ${name} is set by the runner itself`);
        else if (!ANSIBLE_ENV_NAME.test(name) && !allowed.has(name)) {
          problems.push(`env: ${name} is neither ANSIBLE_* nor listed in allowEnv`);
        } else if (typeof value !== 'string' || value.includes('\0')) {
          problems.push(`env: ${name} must be a string without NUL`);
        } else env[name] = value;
      }
    }
  }
  return env;
}

function integerOption(
  value: number | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
    return fallback;
  }
  return value;
}

function booleanOption(value: boolean | undefined, name: string, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    problems.push(`${name} must be a boolean`);
    return fallback;
  }
  return value;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Records why `value` is not JSON-compatible data (what the vars file can carry faithfully).
 * Undefined mapping values are allowed and dropped, as JSON.stringify does.
 */
function jsonProblems(value: unknown, path: string, depth: number, problems: string[]): void {
  if (depth > MAX_JSON_DEPTH) {
    problems.push(`${path} is nested deeper than ${MAX_JSON_DEPTH} levels (or is cyclic)`);
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path} must be a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (item === undefined) problems.push(`${path}[${i}] is undefined`);
      else jsonProblems(item, `${path}[${i}]`, depth + 1, problems);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) jsonProblems(item, `${path}.${key}`, depth + 1, problems);
    }
    return;
  }
  problems.push(`${path} is not JSON data (${typeof value})`);
}
