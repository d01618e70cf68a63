/**
 * @module vitest globalSetup of the `integration` project: one real redis-server for the whole
 * run (no persistence, `noeviction`), its URL handed to tests as `inject('redisUrl')`. Tests
 * isolate themselves with a random key prefix and never flush it. A pidfile lets the next run kill
 * a server left behind by an interrupted run (teardown never ran).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const PIDFILE = join(CACHE_DIR, 'redis-server.pid');

let server: RedisServer | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  killStaleServer();
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

/** Kills the redis-server of an interrupted earlier run, if the pid still is one. */
function killStaleServer(): void {
  let pid: number;
  try {
    pid = Number(readFileSync(PIDFILE, 'utf8').trim());
  } catch {
    return;
  }
  rmSync(PIDFILE, { force: true });
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
