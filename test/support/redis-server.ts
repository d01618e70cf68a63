/**
 * @module Real `redis-server` processes for tests (shared/spec/stack.md §8): the one shared
 * server of the integration run (started by global-setup.ts) and private servers that a test
 * may kill with SIGKILL and restart on the same port and data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const READY_LINE = 'Ready to accept connections';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;

/**
 * A free TCP port on 127.0.0.1: bind port 0, read what the kernel chose, close. (Not
 * `redis-server --port 0`, which disables TCP.) Another process could take the port before
 * Redis binds it; on loopback in a test run that is rare, and startup then fails loudly.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the free port'));
      });
    });
  });
}

export interface RedisServerConfig {
  readonly port: number;
  /** Working directory (AOF/RDB files). */
  readonly dir: string;
  /** AOF when true; no persistence at all when false. */
  readonly aof: boolean;
  /**
   * AOF fsync policy (default `always`). With `everysec` Redis may postpone AOF writes by up to
   * 2 s while an fsync lags (a busy disk) and still acknowledge clients, so a kill -9 can lose
   * acknowledged writes; `always` is what "no acknowledged event lost" needs.
   */
  readonly fsync?: 'always' | 'everysec';
}

/** A running (or stopped) redis-server on a fixed port and directory. */
export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Last lines Redis printed, for error messages. */
  private readonly tail: string[] = [];

  private constructor(readonly config: RedisServerConfig) {}

  /** Starts redis-server and resolves once it accepts connections. */
  static async start(config: RedisServerConfig): Promise<RedisServer> {
    const server = new RedisServer(config);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.config.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Kills the server with SIGKILL (a crash: no shutdown save) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), STOP_GRACE_MS);
    });
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Starts the server again on the same port and directory (it reloads its AOF). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  private launch(): Promise<void> {
    const { port, dir, aof } = this.config;
    const persistence = aof ? ['--appendonly', 'yes', '--appendfsync', this.config.fsync ?? 'always'] : ['--appendonly', 'no'];
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence, '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      let settled = false;
      let buffer = '';
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          child.kill('SIGKILL');
          reject(err);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(() => finish(this.failure(`did not get ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        buffer += chunk.toString('utf8');
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          this.tail.push(line);
          if (this.tail.length > 30) this.tail.shift();
          if (line.includes(READY_LINE)) finish();
        }
      };
      // Keep reading after "ready" too: a full pipe would block Redis when it logs.
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) => finish(err));
      child.once('exit', (code, signal) => finish(this.failure(`exited early (code ${code}, signal ${signal})`)));
    });
  }

  private failure(what: string): Error {
    return new Error(`redis-server on port ${this.config.port} ${what}:\n${this.tail.join('\n')}`);
  }
}

/** A private server: its own temp directory, AOF on, and `remove()` to stop it and delete the directory. */
export interface PrivateRedis {
  readonly server: RedisServer;
  readonly url: string;
  remove(): Promise<void>;
}

/**
 * Starts a private redis-server for one test file or test (temp directory, AOF on,
 * `appendfsync always`), which the test may `kill()` (SIGKILL) and `restart()` on the same port
 * and directory. Call `remove()` when done.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'autoheal-redis-private-'));
  try {
    const server = await RedisServer.start({ port: await freePort(), dir, aof: true });
    return {
      server,
      url: server.url,
      remove: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
