/**
 * @module vitest globalSetup of the `integration` project: one real redis-server for the whole
 * run (no persistence, `noeviction`), its URL handed to tests as `inject('redisUrl')`. Tests
 * isolate themselves with a random key prefix and never flush it. A pidfile per run lets a later
 * run kill a server left behind by an interrupted one (teardown never ran), and only such a one.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { freePort, RedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://127.0.0.1:<port>` of the shared test server. */
    redisUrl: string;
  }
}

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/autoheal-test/', import.meta.url));
/** One pidfile per test run, named after the run's own pid: `redis-server.<run pid>.pid`. */
const PIDFILE = join(CACHE_DIR, `redis-server.${process.pid}.pid`);
const PIDFILE_NAME = /^redis-server\.(\d+)\.pid$/;

let server: RedisServer | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  killStaleServers();
  dataDir = mkdtempSync(join(tmpdir(), 'autoheal-redis-'));
  server = await RedisServer.start({ port: await freePort(), dir: dataDir, aof: false });
  mkdirSync(CACHE_DIR, { recursive: true });
  if (server.pid !== undefined) writeFileSync(PIDFILE, String(server.pid));
  project.provide('redisUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  server = undefined;
  rmSync(PIDFILE, { force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
}

/**
 * Kills the redis-server of every interrupted earlier run: a pidfile whose run is gone. A run
 * still going (two vitest runs at once on one machine) keeps its server.
 */
function killStaleServers(): void {
  let names: string[];
  try {
    names = readdirSync(CACHE_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const match = PIDFILE_NAME.exec(name);
    if (match === null || isRunning(Number(match[1]))) continue;
    const file = join(CACHE_DIR, name);
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue;
    }
    rmSync(file, { force: true });
    killIfRedis(pid);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killIfRedis(pid: number): void {
  if (!Number.isSafeInteger(pid) || pid <= 1) return;
  // The pid may have been reused by an unrelated process since: check what it runs first.
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!cmdline.startsWith('redis-server')) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
