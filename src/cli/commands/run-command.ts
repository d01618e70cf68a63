/**
 * @module `autoheal run -r RULEBOOK`: starts the engine and runs until it stops by itself
 * (shutdown action, a range/generic source ending, a source failing) or SIGTERM/SIGINT, then
 * exits 0 (1 when a source failed). Start-up problems (bad rulebook, bad source configuration,
 * port in use, Redis unreachable) print a precise message and exit 1; logs are JSON on stderr.
 */
import type { Logger } from 'pino';
import { AutohealError, RulebookError, formatProblem } from '../../core/index.js';
import { createEngineLogger, startEngine, type Engine, type EngineDeps, type EngineOptions } from '../../runtime/index.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { envVarNames, type VarsFlags } from './load-inputs.js';

/** Environment variable read when `--redis-url` is not given (keeps a password out of argv). */
export const REDIS_URL_ENV = 'AUTOHEAL_REDIS_URL';

export interface RunFlags extends VarsFlags {
  readonly rulebook?: string;
  readonly inventory?: string;
  readonly redisUrl?: string;
  readonly config?: string;
  readonly historyFile?: string;
  readonly verbose?: number;
}

/** Subscribing to process signals, injected so tests can send them in-process. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): void;
  off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): void;
}

export interface RunCommandDeps {
  /** Default: pino JSON lines on stderr at the `-v` level. */
  readonly logger?: Logger;
  /** Default `process`. */
  readonly signals?: SignalSource;
  readonly engine?: Omit<EngineDeps, 'logger' | 'stdout' | 'env'>;
  /** Called once the engine runs (tests read the bound addresses). */
  readonly onStarted?: (engine: Engine) => void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export async function runCommand(rulebook: string, flags: RunFlags, io: CliIo, deps: RunCommandDeps = {}): Promise<ExitCode> {
  const verbosity = flags.verbose ?? 0;
  const logger = deps.logger ?? createEngineLogger(verbosity);
  const redisUrl = flags.redisUrl ?? io.env[REDIS_URL_ENV];
  const options: EngineOptions = {
    rulebook,
    varsFiles: flags.vars ?? [],
    envVars: envVarNames(flags.envVars),
    verbosity,
    ...(flags.inventory !== undefined ? { inventory: flags.inventory } : {}),
    ...(redisUrl !== undefined ? { redisUrl } : {}),
    ...(flags.config !== undefined ? { configFile: flags.config } : {}),
    ...(flags.historyFile !== undefined ? { historyFile: flags.historyFile } : {}),
  };
  // Signals are taken over before starting: one that arrives while sources start (they are
  // already reachable) must still end in a clean close and exit 0, not Node's default kill.
  const signals = deps.signals ?? process;
  let engine: Engine | undefined;
  let signalled = false;
  const onSignal = (): void => {
    logger.info({}, 'signal received');
    signalled = true;
    void engine?.close();
  };
  for (const s of SIGNALS) signals.on(s, onSignal);
  try {
    try {
      engine = await startEngine(options, { ...deps.engine, logger, stdout: io.stdout, env: io.env });
    } catch (err) {
      if (err instanceof RulebookError) {
        for (const problem of err.problems) io.stderr(`${formatProblem(problem)}\n`);
        return ExitCode.InputError;
      }
      if (err instanceof AutohealError) {
        io.stderr(`error: ${err.message}\n`);
        return ExitCode.InputError;
      }
      throw err;
    }
    deps.onStarted?.(engine);
    if (signalled) void engine.close();
    const stop = await engine.stopped;
    return stop.exitCode === 0 ? ExitCode.Ok : ExitCode.InputError;
  } finally {
    for (const s of SIGNALS) signals.off(s, onSignal);
  }
}
