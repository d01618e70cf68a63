/**
 * @module The `autoheal` command line. Flags follow ansible-rulebook where they overlap
 * (`-r/--rulebook`, `-e/--vars`, `-E/--env-vars`, `-v`), so an EDA user's habits carry over.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, type CliIo } from './cli-io.js';
import { REDIS_URL_ENV, runCommand, type RunCommandDeps, type RunFlags } from './commands/run-command.js';
import { testCommand, type TestCommandDeps, type TestFlags } from './commands/test-command.js';
import { historyCommand, type HistoryCommandDeps, type HistoryFlags } from './commands/history-command.js';
import { validateCommand } from './commands/validate-command.js';

const VERSION = '0.1.0';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const increase = (_: string, previous = 0): number => previous + 1;

export interface RunCliOptions {
  readonly test?: TestCommandDeps;
  readonly run?: RunCommandDeps;
  readonly history?: HistoryCommandDeps;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, options: RunCliOptions = {}): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = new Command('autoheal')
    .description('Event-driven auto-remediation: rulebooks (ansible-rulebook compatible) that fix known problems.')
    .version(VERSION, '--version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('validate')
    .description('Check rulebooks and list every problem as file:line:col (exit 0 valid, 1 invalid). Runs nothing.')
    .argument('[rulebooks...]', 'rulebook files')
    .option('-r, --rulebook <file>', 'a rulebook file (repeatable; same as the positional form)', collect)
    .option('-e, --vars <file>', 'YAML/JSON variables file (repeatable), as ansible-rulebook', collect)
    .option('-E, --env-vars <names>', 'comma-separated environment variables to import as string vars', collect)
    .option('--json', 'machine-readable output')
    .action(async (files: string[], flags: { rulebook?: string[]; vars?: string[]; envVars?: string[]; json?: boolean }) => {
      const all = [...files, ...(flags.rulebook ?? [])];
      if (all.length === 0) throw usage('validate needs at least one rulebook file');
      exitCode = await validateCommand(all, flags, io);
    });

  program
    .command('test')
    .description(
      'Dry-run: feed events through a rulebook and show which rules fire, every action they would run with its arguments rendered, and why the other rules did not fire. Nothing is executed.',
    )
    .argument('[rulebook]', 'rulebook file')
    .option('-r, --rulebook <file>', 'rulebook file (instead of the positional argument)')
    .option('--event <file>', 'event as JSON or YAML: one object or a list (repeatable)', collect)
    .option('--events <file>', 'JSON lines, one event per line; a line {"at": "+30s", "event": {...}} moves virtual time (repeatable)', collect)
    .option('-e, --vars <file>', 'YAML/JSON variables file (repeatable)', collect)
    .option('-E, --env-vars <names>', 'comma-separated environment variables to import as string vars', collect)
    .option('--ruleset <name>', 'send events only to this ruleset (repeatable; default: every ruleset)', collect)
    .option('--expect-match <rule>', 'exit 2 unless this rule fires (repeatable)', collect)
    .option('--expect-no-match <rule>', 'exit 2 if this rule fires (repeatable)', collect)
    .option('--json', 'machine-readable output (stable shape, see README)')
    .addOption(new Option('-v, --verbose', 'also print events and matched bindings (repeat for more)').argParser(increase))
    .action(async (positional: string | undefined, flags: TestFlags & { rulebook?: string }) => {
      const file = positional ?? flags.rulebook;
      if (file === undefined) throw usage('test needs a rulebook: autoheal test RULEBOOK --event FILE');
      if (positional !== undefined && flags.rulebook !== undefined) throw usage('give the rulebook once: either positional or -r/--rulebook');
      exitCode = await testCommand(file, flags, io, options.test);
    });

  program
    .command('run')
    .description(
      'Run the engine: start the rulebook\'s sources, evaluate events and run the actions of the rules that fire, until a shutdown action, a range/generic source ending, or SIGTERM/SIGINT (exit 0; 1 on a start-up error or a failing source). Logs are JSON lines on stderr.',
    )
    .argument('[rulebook]', 'rulebook file')
    .option('-r, --rulebook <file>', 'rulebook file (instead of the positional argument)')
    .option('-i, --inventory <path>', 'inventory file or directory for run_playbook/run_module')
    .option('-e, --vars <file>', 'YAML/JSON variables file (repeatable)', collect)
    .option('-E, --env-vars <names>', 'comma-separated environment variables to import as string vars', collect)
    .option('--redis-url <url>', `Redis URL for a durable queue and state (default: $${REDIS_URL_ENV}; none: in memory, not durable)`)
    .option('-c, --config <file>', 'engine configuration: action targets and their secrets (controller, notifiers, gitlab, icinga), history, action workers')
    .option('--history-file <path>', 'without Redis: append the outcome history to this JSON-lines file (read it with autoheal history --history-file)')
    .addOption(new Option('-v, --verbose', 'more logging: -v debug, -vv trace').argParser(increase))
    .action(async (positional: string | undefined, flags: RunFlags & { rulebook?: string }) => {
      const file = positional ?? flags.rulebook;
      if (file === undefined) throw usage('run needs a rulebook: autoheal run -r RULEBOOK');
      if (positional !== undefined && flags.rulebook !== undefined) throw usage('give the rulebook once: either positional or -r/--rulebook');
      exitCode = await runCommand(file, flags, io, options.run);
    });

  program
    .command('history')
    .description('List what autoheal did: actions newest first with rule, host, status, attempts, duration and summary (exit 0; 1 on bad flags or an unreadable store).')
    .option('--rule <name>', 'only this rule')
    .option('--ruleset <name>', 'only this ruleset')
    .option('--host <host>', 'only actions on this host')
    .option('--status <status>', 'succeeded, failed, timed_out, interrupted, skipped, pending or running')
    .option('--since <when>', 'a duration ago (30s, 15m, 2h, 7d, 1w) or an ISO-8601 time')
    .option('--limit <n>', 'at most this many (1-1000, default 50)')
    .option('--cursor <cursor>', 'next page: the cursor printed by the previous page')
    .option('--json', 'machine-readable output: {items, nextCursor} (with --decisions: {decisions})')
    .option('--decisions', 'list rule decisions instead of actions: fired, throttled, deduplicated, skipped (why a rule did not run)')
    .option('--kind <kind>', 'with --decisions: only fired, throttled, deduplicated, skipped, locked or circuit_open')
    .option('--redis-url <url>', `Redis URL of the engine (default: $${REDIS_URL_ENV})`)
    .option('--history-file <path>', 'JSON-lines history file of an engine running without Redis')
    .action(async (flags: HistoryFlags) => {
      exitCode = await historyCommand(flags, io, options.history);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'autoheal.usage') io.stderr(`${err.message}\n(run with --help for usage)\n`);
      // --help and --version end here with code 0; commander printed its own usage errors.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.InputError;
    }
    throw err;
  }
  if (argv.length === 0) {
    io.stdout(program.helpInformation());
    return ExitCode.InputError;
  }
  return exitCode;
}

function usage(message: string): CommanderError {
  return new CommanderError(ExitCode.InputError, 'autoheal.usage', `error: ${message}`);
}
