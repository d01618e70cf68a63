/**
 * @module The options of `autoheal run` (the engine) and their one resolver: every default and
 * unit is written here, and bad combinations are refused with a precise message before anything
 * starts.
 */
import { isAbsolute, resolve } from 'node:path';
import { AutohealError, ErrorCode } from '../core/index.js';

/** Upstream's `--shutdown-delay` default: how long a finished source waits for queued events. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 60_000;
/** Bound of the whole shutdown (sources, queue consumer, stores) before giving up waiting. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 15_000;

export interface EngineOptions {
  /** Rulebook file (`-r/--rulebook`). Required. */
  readonly rulebook: string;
  /** YAML/JSON vars files (`-e/--vars`), later ones win. Default none. */
  readonly varsFiles?: readonly string[];
  /** Environment variable names imported as string vars (`-E/--env-vars`). Default none. */
  readonly envVars?: readonly string[];
  /**
   * Inventory file or directory for `run_playbook`/`run_module` (`-i/--inventory`). Default:
   * none, in which case the host limit must be plain host names (inline inventory).
   */
  readonly inventory?: string;
  /**
   * Redis URL (`--redis-url`, env `AUTOHEAL_REDIS_URL`). Absent or empty: embedded in-memory
   * queue and state, which do not survive a restart (logged at start).
   */
  readonly redisUrl?: string;
  /** `-v` count: 0 logs at info, 1 at debug, 2 or more at trace. Default 0. */
  readonly verbosity?: number;
  /**
   * Directory that playbook paths and a relative inventory are resolved against. Default: the
   * current working directory (upstream resolves playbook names relative to CWD).
   */
  readonly projectDir?: string;
  /** `--config`: the engine configuration file (action targets, history, workers). */
  readonly configFile?: string;
  /** `--history-file`: where outcome history is appended without Redis (overrides the config). */
  readonly historyFile?: string;
  /**
   * How long the engine waits, after a source finished by itself, for the events it queued to
   * be evaluated before stopping, in milliseconds.
   * @default 60_000 (upstream's `--shutdown-delay`)
   */
  readonly drainTimeoutMs?: number;
  /**
   * Bound of `close()`, in milliseconds: sources, the queue consumer and the stores are given
   * this long in total.
   * @default 15_000
   */
  readonly closeTimeoutMs?: number;
}

/** EngineOptions validated and defaulted. */
export interface ResolvedEngineOptions {
  readonly rulebook: string;
  readonly varsFiles: readonly string[];
  readonly envVars: readonly string[];
  readonly inventory: string | undefined;
  readonly redisUrl: string | undefined;
  readonly verbosity: number;
  readonly projectDir: string;
  readonly configFile: string | undefined;
  readonly historyFile: string | undefined;
  readonly drainTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

/**
 * Validates and defaults the engine's options.
 * @param cwd the directory relative paths start from (default `process.cwd()`).
 * @throws AutohealError `AH_USAGE` naming every problem.
 */
export function resolveEngineOptions(options: EngineOptions, cwd: string = process.cwd()): ResolvedEngineOptions {
  const problems: string[] = [];
  if (typeof options.rulebook !== 'string' || options.rulebook.trim() === '') problems.push('a rulebook file is required (-r/--rulebook)');
  const redisUrl = options.redisUrl === undefined || options.redisUrl === '' ? undefined : options.redisUrl;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    // Never echo the URL: it may hold a password.
    problems.push('the Redis URL must start with redis:// or rediss://');
  }
  const verbosity = options.verbosity ?? 0;
  if (!Number.isSafeInteger(verbosity) || verbosity < 0) problems.push(`verbosity must be a whole number ≥ 0, got ${String(verbosity)}`);
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isSafeInteger(drainTimeoutMs) || drainTimeoutMs < 0) problems.push('drainTimeoutMs must be a whole number of milliseconds ≥ 0');
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (!Number.isSafeInteger(closeTimeoutMs) || closeTimeoutMs <= 0) problems.push('closeTimeoutMs must be a whole number of milliseconds > 0');
  const envVars = (options.envVars ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (problems.length > 0) {
    throw new AutohealError(ErrorCode.Usage, `invalid run options: ${problems.join('; ')}`, { details: { problems } });
  }
  const projectDir = options.projectDir === undefined ? cwd : isAbsolute(options.projectDir) ? options.projectDir : resolve(cwd, options.projectDir);
  return {
    rulebook: options.rulebook,
    varsFiles: [...(options.varsFiles ?? [])],
    envVars,
    inventory: options.inventory === undefined || options.inventory === '' ? undefined : options.inventory,
    redisUrl,
    verbosity,
    projectDir,
    configFile: options.configFile === undefined || options.configFile === '' ? undefined : options.configFile,
    historyFile: options.historyFile === undefined || options.historyFile === '' ? undefined : options.historyFile,
    drainTimeoutMs,
    closeTimeoutMs,
  };
}
