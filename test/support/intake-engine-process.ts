/**
 * @module The built `autoheal run` as a child process for the intake end-to-end tests: output
 * split into lines as it arrives, waits on lines (never on time), the bound port read from the
 * `webhook source listening` log line, and kill -9 for crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** The built CLI, relative to the repository root (vitest's cwd); `npm test` builds first. */
export const AUTOHEAL_BIN = 'dist/src/cli/main.js';

export type OutputStream = 'stdout' | 'stderr';

/** A spawned `autoheal run -r <rulebook> [extra args]`. */
export class EngineProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly lineListeners: Array<(stream: OutputStream, line: string) => void> = [];
  private readonly waiters = new Set<() => void>();

  constructor(rulebook: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [AUTOHEAL_BIN, 'run', '-r', rulebook, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.collect(this.child.stdout!, 'stdout');
    this.collect(this.child.stderr!, 'stderr');
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Calls `listener` for every complete line from now on (lines already read are not replayed). */
  onLine(listener: (stream: OutputStream, line: string) => void): void {
    this.lineListeners.push(listener);
  }

  /**
   * Resolves with the first line of `stream` that `match` accepts (lines already read count);
   * rejects, with the stderr tail, if the process exits first.
   */
  waitForLine(stream: OutputStream, match: (line: string) => boolean): Promise<string> {
    const lines = stream === 'stdout' ? this.stdout : this.stderr;
    let next = 0;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        for (; next < lines.length; next += 1) {
          if (match(lines[next]!)) {
            this.waiters.delete(check);
            resolve(lines[next]!);
            return;
          }
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          this.waiters.delete(check);
          reject(new Error(`autoheal exited before a matching ${stream} line; stderr tail:\n${this.stderr.slice(-20).join('\n')}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves with the first structured (JSON) stderr record whose `msg` is `msg`. */
  async waitForLog(msg: string, where: (record: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    const needle = `"msg":${JSON.stringify(msg)}`;
    const line = await this.waitForLine('stderr', (l) => l.includes(needle) && where(JSON.parse(l) as Record<string, unknown>));
    return JSON.parse(line) as Record<string, unknown>;
  }

  /** The port of the first webhook source, from its `webhook source listening` log line. */
  async listeningPort(): Promise<number> {
    return (await this.waitForLog('webhook source listening')).port as number;
  }

  /** Structured stderr records (non-JSON lines skipped). */
  logRecords(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const line of this.stderr) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a partial or foreign line
      }
    }
    return out;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** SIGKILL unless already gone, then waits for the exit. */
  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }

  private collect(stream: NodeJS.ReadableStream, name: OutputStream): void {
    const into = name === 'stdout' ? this.stdout : this.stderr;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts);
      for (const listener of this.lineListeners) for (const line of parts) listener(name, line);
      for (const wake of [...this.waiters]) wake();
    });
  }
}
