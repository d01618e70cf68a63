/**
 * @module Runs `ansible-playbook` locally for the `run_playbook` and `run_module` actions
 * (shared/spec/rulebook-language.md §3.3) and reports how it ended. Invocation follows
 * shared/spec/wire-formats.md §5 and the execa pitfalls of shared/spec/stack.md §5:
 * - argv only, no shell; extra vars (event data, secrets) go through a 0600 file in a private
 *   0700 temp dir, never argv, because execa's error messages and `ps` show argv;
 * - a clean allow-listed environment (`extendEnv: false`);
 * - the child is `detached` (its own process group) and timeout or abort kill the whole group,
 *   SIGTERM then SIGKILL, so workers holding the output pipes cannot keep the run alive;
 * - output is read line by line into a bounded tail (execa's `maxBuffer` would kill the child).
 */
import type { Readable } from 'node:stream';
import { chmod, mkdir, mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { execa } from 'execa';
import { AutohealError, ErrorCode, systemClock, type Clock } from '../../core/index.js';
import { AnsibleOutputCollector, ArtifactSource, OutputStream, type AnsibleArtifacts } from './ansible-output.js';
import { describeAnsibleRc } from './ansible-rc.js';
import {
  AnsibleCallback,
  resolveAnsibleRunOptions,
  type ModuleRequest,
  type PlaybookRequest,
  type ResolvedAnsibleRun,
} from './ansible-run-options.js';
import { AnsibleRunStatus, type AnsibleRunResult } from './ansible-run-result.js';
import { killProcessGroup } from './kill-process-group.js';
import { LineSplitter } from './line-splitter.js';
import { OutputTail } from './output-tail.js';
import { renderExtraVars } from './render-extra-vars.js';
import { MODULE_RESULT_VAR, renderModulePlaybook } from './render-module-playbook.js';

/** The options the runner spawns with; a spawn replacement must honour them. */
export interface AnsibleSpawnOptions {
  readonly cwd: string;
  /** The complete environment of the child. */
  readonly env: Readonly<Record<string, string>>;
  readonly extendEnv: false;
  /** Own process group (pgid = pid), so the group can be killed as one. */
  readonly detached: true;
  readonly stdin: 'ignore';
  readonly stdout: 'pipe';
  readonly stderr: 'pipe';
  /** The runner reads the streams itself. */
  readonly buffer: false;
  /** Exit codes are data here, not errors. */
  readonly reject: false;
}

/** The part of an execa subprocess the runner uses. */
export interface SpawnedAnsible extends PromiseLike<unknown> {
  /** Undefined when the process could not be started. */
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/** Starts a process; `execa` in production, a wrapper around it in tests. */
export type AnsibleSpawn = (file: string, args: readonly string[], options: AnsibleSpawnOptions) => SpawnedAnsible;

/** The production spawn: execa with exactly the runner's options. */
export const execaSpawn: AnsibleSpawn = (file, args, options) => execa(file, [...args], { ...options, env: { ...options.env } });

/** Side effects of the runner, all with production defaults. */
export interface RunnerDeps {
  /** Default {@link execaSpawn}. */
  readonly spawn?: AnsibleSpawn;
  /** Source of `startedAt` / `finishedAt`. Default the system clock. */
  readonly clock?: Clock;
  /** Our own environment, the source of inherited variables. Default `process.env`. */
  readonly parentEnv?: Readonly<Record<string, string | undefined>>;
  /** Where the private per-run temp dir is created. Default `os.tmpdir()`. */
  readonly tmpDir?: string;
}

/** After SIGKILL, how long the killed processes get to release the pipes before we stop reading. */
const STREAM_RELEASE_MS = 200;
/** A collection playbook name (`ns.coll.playbook`), tried when no such file exists. */
const FQCN_PLAYBOOK = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\.[A-Za-z0-9_][A-Za-z0-9_.]*$/;
const TEMP_PREFIX = 'autoheal-ansible-';

/**
 * Runs a playbook (upstream `run_playbook`).
 * Resolves with the outcome whatever the exit code; rejects only when the run could not start.
 * @throws AutohealError `AH_ANSIBLE_REQUEST_INVALID` (bad request), `AH_ANSIBLE_PLAYBOOK_NOT_FOUND`
 *   (missing, or outside `projectDir`), `AH_ANSIBLE_SPAWN_FAILED` (ansible-playbook not startable)
 */
export async function runPlaybook(request: PlaybookRequest, deps: RunnerDeps = {}): Promise<AnsibleRunResult> {
  return runAnsible(resolveAnsibleRunOptions(request, deps.parentEnv ?? process.env), deps);
}

/**
 * Runs one module through a generated playbook (upstream `run_module`); `artifacts` is then the
 * module's result. Same settling and errors as {@link runPlaybook}; a missing module is rc 4.
 */
export async function runModule(request: ModuleRequest, deps: RunnerDeps = {}): Promise<AnsibleRunResult> {
  return runAnsible(resolveAnsibleRunOptions(request, deps.parentEnv ?? process.env), deps);
}

async function runAnsible(run: ResolvedAnsibleRun, deps: RunnerDeps): Promise<AnsibleRunResult> {
  const clock = deps.clock ?? systemClock;
  if (run.signal?.aborted) return notStarted(clock.now());
  const playbookPath = run.target.kind === 'playbook' ? await resolvePlaybook(run.projectDir, run.target.playbook) : '';

  const dir = await mkdtemp(join(deps.tmpDir ?? tmpdir(), TEMP_PREFIX));
  try {
    // mkdtemp already creates 0700; set it explicitly so a permissive umask policy cannot widen it.
    await chmod(dir, 0o700);
    const varsFile = join(dir, 'extra-vars.yml');
    await writeFile(varsFile, renderExtraVars(run.extraVars, run.ansibleEda, run.allowTemplates), {
      mode: 0o600,
      flag: 'wx',
    });
    let playbookArg = playbookPath;
    if (run.target.kind === 'module') {
      playbookArg = join(dir, 'module-playbook.yml');
      const hostPattern = run.hosts.length > 0 ? run.hosts.join(',') : 'all';
      await writeFile(
        playbookArg,
        renderModulePlaybook(run.target.module, run.target.moduleArgs, hostPattern, run.allowTemplates),
        { mode: 0o600, flag: 'wx' },
      );
    }
    const localTemp = join(dir, 'tmp');
    await mkdir(localTemp, { mode: 0o700 });
    if (run.signal?.aborted) return notStarted(clock.now());
    return await supervise(run, deps, clock, buildArgv(run, varsFile, playbookArg), childEnv(run, localTemp));
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

function buildArgv(run: ResolvedAnsibleRun, varsFile: string, playbook: string): string[] {
  // `--opt=value` so a value can never be read as another option.
  const argv = [`--inventory=${run.inventory}`];
  if (run.hosts.length > 0) argv.push(`--limit=${run.hosts.join(',')}`);
  argv.push(`--extra-vars=@${varsFile}`);
  if (run.verbosity > 0) argv.push(`-${'v'.repeat(run.verbosity)}`);
  argv.push(playbook);
  return argv;
}

function childEnv(run: ResolvedAnsibleRun, localTemp: string): Record<string, string> {
  return {
    ...run.env,
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCAL_TEMP: localTemp,
    ANSIBLE_STDOUT_CALLBACK: run.callback === AnsibleCallback.Jsonl ? 'ansible.posix.jsonl' : 'default',
    // An ansible.cfg with json_indent would split events over lines.
    ANSIBLE_JSON_INDENT: '0',
  };
}

/** Why we ended the run ourselves. */
type StopReason = 'timeout' | 'abort';

async function supervise(
  run: ResolvedAnsibleRun,
  deps: RunnerDeps,
  clock: Clock,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<AnsibleRunResult> {
  const spawn = deps.spawn ?? execaSpawn;
  const startedAt = clock.now();
  let child: SpawnedAnsible;
  try {
    child = spawn(run.ansiblePlaybookPath, argv, {
      cwd: run.cwd,
      env,
      extendEnv: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
    });
  } catch (err) {
    throw spawnFailed(run, err);
  }
  const pid = child.pid;
  if (pid === undefined) throw spawnFailed(run, await settled(child));
  // The runner settles on its own signals (exit + pipes closed), not on this promise; it must
  // still never surface as an unhandled rejection.
  void settled(child);

  return new Promise<AnsibleRunResult>((resolveRun) => {
    const collector = new AnsibleOutputCollector();
    const tail = new OutputTail(run.tailMaxLines, run.tailMaxBytes);
    const named: Array<[Readable, OutputStream]> = [];
    if (child.stdout !== null) named.push([child.stdout, OutputStream.Stdout]);
    if (child.stderr !== null) named.push([child.stderr, OutputStream.Stderr]);
    const streams = named.map(([stream]) => stream);
    const timers = new Set<NodeJS.Timeout>();
    let openStreams = streams.length;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let stopReason: StopReason | undefined;
    let terminating = false;
    let done = false;

    const later = (ms: number, fn: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };

    // SIGTERM the group, SIGKILL it after the grace period, then stop waiting for pipes held by
    // anything that escaped the group (setsid): the run must settle even then.
    const terminate = (): void => {
      if (terminating) return;
      terminating = true;
      killProcessGroup(pid, 'SIGTERM');
      later(run.killGraceMs, () => {
        killProcessGroup(pid, 'SIGKILL');
        later(STREAM_RELEASE_MS, () => {
          for (const s of streams) s.destroy();
        });
      });
    };

    const stop = (reason: StopReason): void => {
      if (exit === undefined && stopReason === undefined) stopReason = reason;
      terminate();
    };
    const onAbort = (): void => stop('abort');

    const finish = (): void => {
      if (done || exit === undefined || openStreams > 0) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      // Members that closed their pipes but ignored SIGTERM would otherwise outlive the run.
      if (terminating) killProcessGroup(pid, 'SIGKILL');
      const finishedAt = clock.now();
      resolveRun(
        buildResult(run, {
          exit,
          stopReason,
          startedAt,
          finishedAt,
          outputTail: tail.toString(),
          collector,
        }),
      );
    };

    const onLine = (stream: OutputStream, raw: string, truncated: boolean): void => {
      const line = collector.ingest(stream, raw, truncated);
      if (run.jsonMode || line.event === undefined) tail.push(line.raw);
      else for (const text of line.text.split('\n')) tail.push(text);
      if (run.onLine === undefined) return;
      try {
        run.onLine(line);
      } catch {
        // A failing log hook must not leave a playbook unsupervised.
      }
    };

    for (const [stream, name] of named) {
      const splitter = new LineSplitter(run.maxLineChars, (line, truncated) => onLine(name, line, truncated));
      let closed = false;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => splitter.write(chunk));
      // A destroyed stream reports its error and then closes; the close is what counts.
      stream.on('error', () => undefined);
      stream.once('close', () => {
        if (closed) return;
        closed = true;
        splitter.end();
        openStreams -= 1;
        finish();
      });
    }

    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Descendants still holding our pipes after ansible-playbook itself has gone are leftovers.
      if (openStreams > 0) later(run.lingerMs, terminate);
      finish();
    });

    later(run.timeoutMs, () => stop('timeout'));
    if (run.signal !== undefined) {
      if (run.signal.aborted) stop('abort');
      else run.signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

interface Ending {
  readonly exit: { code: number | null; signal: NodeJS.Signals | null };
  readonly stopReason: StopReason | undefined;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outputTail: string;
  readonly collector: AnsibleOutputCollector;
}

function buildResult(run: ResolvedAnsibleRun, e: Ending): AnsibleRunResult {
  const { code: rc, signal } = e.exit;
  const meaning = describeAnsibleRc(rc, signal);
  let status: AnsibleRunStatus;
  let rcMeaning = meaning;
  if (e.stopReason === 'timeout') {
    status = AnsibleRunStatus.TimedOut;
    rcMeaning = `timed out after ${run.timeoutMs} ms; ${meaning}`;
  } else if (e.stopReason === 'abort') {
    status = AnsibleRunStatus.Cancelled;
    rcMeaning = `cancelled; ${meaning}`;
  } else {
    status = rc === 0 ? AnsibleRunStatus.Succeeded : AnsibleRunStatus.Failed;
  }
  const stats = e.collector.stats();
  const artifacts = run.target.kind === 'module' ? moduleArtifacts(e.collector.artifacts()) : e.collector.artifacts();
  return {
    rc,
    status,
    rcMeaning,
    signal,
    durationMs: e.finishedAt - e.startedAt,
    outputTail: e.outputTail,
    ...(stats === undefined ? {} : { stats }),
    ...(artifacts === undefined ? {} : { artifacts }),
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  };
}

/** Upstream hands back `module_result` from the wrapper's set_fact, not the whole facts. */
function moduleArtifacts(artifacts: AnsibleArtifacts | undefined): AnsibleArtifacts | undefined {
  if (artifacts?.source !== ArtifactSource.SetFact) return undefined;
  const result = artifacts.data[MODULE_RESULT_VAR];
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
  return { source: ArtifactSource.ModuleResult, host: artifacts.host, data: result as Readonly<Record<string, unknown>> };
}

function notStarted(now: number): AnsibleRunResult {
  return {
    rc: null,
    status: AnsibleRunStatus.Cancelled,
    rcMeaning: 'cancelled before start',
    signal: null,
    durationMs: 0,
    outputTail: '',
    startedAt: now,
    finishedAt: now,
  };
}

/**
 * The playbook to pass: a real path inside the project dir, or a collection FQCN.
 * Playbook names can be templated from event data, so a path may not leave the project dir,
 * symlinks included.
 */
async function resolvePlaybook(projectDir: string, name: string): Promise<string> {
  const notFound = (why: string): AutohealError =>
    new AutohealError(ErrorCode.AnsiblePlaybookNotFound, `playbook ${JSON.stringify(name)} ${why}`, {
      details: { playbook: name, projectDir },
    });
  let real: string;
  try {
    real = await realpath(resolve(projectDir, name));
  } catch {
    if (FQCN_PLAYBOOK.test(name)) return name;
    throw notFound(`not found in ${projectDir}`);
  }
  let realProject: string;
  try {
    realProject = await realpath(projectDir);
  } catch {
    throw notFound(`cannot be looked up: project directory ${projectDir} does not exist`);
  }
  const rel = relative(realProject, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw notFound(`resolves outside the project directory ${projectDir}`);
  }
  if (!(await stat(real)).isFile()) throw notFound('is not a file');
  return real;
}

const RETRYABLE_SPAWN_CODES = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);

function spawnFailed(run: ResolvedAnsibleRun, outcome: unknown): AutohealError {
  const code =
    typeof outcome === 'object' && outcome !== null && typeof (outcome as { code?: unknown }).code === 'string'
      ? (outcome as { code: string }).code
      : 'unknown';
  // The message names the executable only; execa's own message would repeat the argv.
  return new AutohealError(ErrorCode.AnsibleSpawnFailed, `could not start ${run.ansiblePlaybookPath} (${code})`, {
    cause: outcome,
    retryable: RETRYABLE_SPAWN_CODES.has(code),
    details: { executable: run.ansiblePlaybookPath, code },
  });
}

/** The settled value of a subprocess promise, rejection included. */
async function settled(child: PromiseLike<unknown>): Promise<unknown> {
  try {
    return await child;
  } catch (err) {
    return err;
  }
}
