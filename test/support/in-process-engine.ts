/**
 * `autoheal run` in the test process, as the e2e tests drive it: stdout and logs captured,
 * signals injected, and `stop()` sending SIGTERM and returning the exit code.
 */
import { pino } from 'pino';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCommand, type RunFlags, type SignalSource } from '../../src/cli/commands/run-command.js';
import type { Engine } from '../../src/runtime/index.js';
import { until } from './until.js';

export interface InProcessEngine {
  readonly engine: Engine;
  /** Everything print_event/debug wrote so far. */
  stdout(): string;
  /** The JSON log lines so far (at `logLevel`). */
  logs(): string;
  /** The same lines, parsed. */
  logRecords(): Array<Record<string, any>>;
  /** The port of the webhook source of `ruleset` (the first one when not given). */
  port(ruleset?: string): number;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number>;
  /** Resolves with the exit code once the engine ends by itself (a shutdown action, a source end). */
  exited(): Promise<number>;
}

export async function startInProcessEngine(
  rulebook: string,
  flags: RunFlags = {},
  env: NodeJS.ProcessEnv = {},
  logLevel: 'info' | 'warn' = 'warn',
): Promise<InProcessEngine> {
  let out = '';
  let logs = '';
  const io: CliIo = { stdout: (t) => (out += t), stderr: () => undefined, env };
  const listeners = new Set<() => void>();
  const signals: SignalSource = { on: (_s, l) => void listeners.add(l), off: (_s, l) => void listeners.delete(l) };
  let started: Engine | undefined;
  const logger = pino({ level: logLevel }, { write: (line: string) => void (logs += line) });
  const running = runCommand(rulebook, flags, io, { logger, signals, onStarted: (e) => (started = e) });
  // A start-up failure ends runCommand before onStarted: report it instead of timing out.
  let exited: number | undefined;
  void running.then((code) => (exited = code));
  const engine = await until('the engine to start', () => {
    if (exited !== undefined && started === undefined) throw new Error(`autoheal run exited with ${exited} before starting; logs:\n${logs}`);
    return started;
  });
  return {
    engine,
    stdout: () => out,
    logs: () => logs,
    logRecords: () =>
      logs
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, any>),
    port: (ruleset) => {
      const source = ruleset === undefined ? engine.listening[0] : engine.listening.find((l) => l.ruleset === ruleset);
      if (source === undefined) throw new Error(`no webhook source${ruleset === undefined ? '' : ` in ruleset ${ruleset}`}`);
      return source.port;
    },
    stop: async () => {
      for (const l of listeners) l();
      return running;
    },
    exited: () => running,
  };
}
