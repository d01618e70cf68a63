/**
 * A throwaway Icinga 2 daemon for integration tests, set up as in wire-formats.md §3.7: its own
 * CA and certificate, config, state and logs in a temp dir (nothing written to /etc or /var), the
 * API on 127.0.0.1 and a free port, an ApiUser, and passive services on host `web01` whose state
 * the test sets through the real API (`process-check-result`). Runs as the current user
 * (`ICINGA2_USER`/`ICINGA2_GROUP`), so root does not drop privileges to `nagios`.
 *
 * Also a TCP proxy to cut and block connections to it without touching the daemon.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The icinga2 binary on PATH (or /usr/sbin, where Debian puts it), or undefined. */
export function findIcinga2(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'icinga2');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Icinga2ServerOptions {
  /** Passive services on host `web01` (`max_check_attempts = 1`: the first problem is HARD). */
  readonly services: readonly string[];
}

export interface Icinga2Server {
  /** `https://127.0.0.1:<port>`; verify the certificate as `localhost` (tlsServerName). */
  readonly url: string;
  readonly port: number;
  readonly caFile: string;
  readonly user: string;
  readonly password: string;
  readonly host: string;
  /** Submits a passive check result for `host!service` through the API. */
  processCheckResult(service: string, exitStatus: number, output: string): Promise<void>;
  /** GET (or POST) on the API with the test credentials; returns status and parsed body. */
  api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Stops the daemon (SIGTERM, as on a service restart) and starts it again on the same port and state. */
  restart(): Promise<void>;
  /** Stops the daemon and removes its directory. */
  stop(): Promise<void>;
  /** The end of the daemon's output, for failure messages. */
  output(): string;
}

const USER = 'autoheal';
const HOST = 'web01';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function config(port: number, password: string, services: readonly string[]): string {
  const svc = services
    .map(
      (name) =>
        `object Service ${JSON.stringify(name)} { host_name = "${HOST}"; check_command = "dummy"; enable_active_checks = false; max_check_attempts = 1; check_interval = 1m }`,
    )
    .join('\n');
  return `const NodeName = "localhost"
const ZoneName = NodeName
const TicketSalt = ""
include <itl>
object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = ${port} }
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object CheckerComponent "checker" { }
object FileLogger "main-log" { severity = "information"; path = LogDir + "/icinga2.log" }
object ApiUser "${USER}" {
  password = "${password}"
  permissions = [ "events/*", "actions/*", "objects/query/*", "status/query" ]
}
object Host "${HOST}" { check_command = "dummy"; enable_active_checks = false; max_check_attempts = 1 }
${svc}
`;
}

/**
 * Starts a daemon as in §3.7 and waits until its API answers. About 2.5 s, most of it the CA and
 * certificate generation. Call `stop()` when done.
 */
export async function startIcinga2(options: Icinga2ServerOptions): Promise<Icinga2Server> {
  const binary = findIcinga2();
  if (binary === undefined) throw new Error('icinga2 is not installed (apt-get install icinga2)');
  const dir = await mkdtemp(join(tmpdir(), 'autoheal-icinga2-'));
  const paths = {
    etc: join(dir, 'etc'),
    data: join(dir, 'var/lib/icinga2'),
    certs: join(dir, 'var/lib/icinga2/certs'),
    log: join(dir, 'var/log/icinga2'),
    cache: join(dir, 'var/cache/icinga2'),
    spool: join(dir, 'var/spool/icinga2'),
    run: join(dir, 'run/icinga2'),
  };
  for (const p of Object.values(paths)) await mkdir(p, { recursive: true });
  const defines = [
    `-DDataDir=${paths.data}`,
    `-DLogDir=${paths.log}`,
    `-DCacheDir=${paths.cache}`,
    `-DSpoolDir=${paths.spool}`,
    `-DInitRunDir=${paths.run}`,
    `-DConfigDir=${paths.etc}`,
  ];
  const me = userInfo();
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim() || String(me.gid);
  const env = { ...process.env, ICINGA2_USER: me.username, ICINGA2_GROUP: group };
  const run = (args: readonly string[]): void => {
    const r = spawnSync(binary, [...args, ...defines], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`icinga2 ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
  };
  const key = join(paths.certs, 'localhost.key');
  const csr = join(paths.certs, 'localhost.csr');
  const crt = join(paths.certs, 'localhost.crt');
  run(['pki', 'new-ca']);
  run(['pki', 'new-cert', '--cn', 'localhost', '--key', key, '--csr', csr]);
  run(['pki', 'sign-csr', '--csr', csr, '--cert', crt]);
  const caFile = join(paths.certs, 'ca.crt');
  await writeFile(caFile, readFileSync(join(paths.data, 'ca/ca.crt')));

  const port = await freePort();
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const confFile = join(paths.etc, 'icinga2.conf');
  await writeFile(confFile, config(port, password, options.services));
  run(['daemon', '-C', '-c', confFile]);

  const ca = readFileSync(caFile);
  let output = '';
  let child: ChildProcess | undefined;

  const api = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          ca,
          servername: 'localhost',
          agent: false,
          timeout: 5000,
          headers: {
            Accept: 'application/json',
            Authorization: `Basic ${Buffer.from(`${USER}:${password}`).toString('base64')}`,
            ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });

  const launch = async (): Promise<void> => {
    // Its own process group: the daemon forks helpers, and stop() signals the whole group.
    const c = spawn(binary, ['daemon', '-c', confFile, ...defines], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const keep = (b: Buffer): void => {
      output = (output + b.toString('utf8')).slice(-20_000);
    };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`icinga2 exited with ${c.exitCode}:\n${output}`);
      const ok = await api('GET', '/v1/status/IcingaApplication').then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`icinga2 API not ready after 15 s:\n${output}`);
      await sleep(100);
    }
  };

  const halt = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c?.pid === undefined || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    const group = -c.pid;
    process.kill(group, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    // icinga2 sometimes ignores SIGTERM while shutting its API down: SIGKILL after 10 s.
    const force = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 10_000);
    await exited;
    clearTimeout(force);
    // The forked helpers leave shortly after the main process; wait for the whole group.
    for (;;) {
      try {
        process.kill(group, 0);
      } catch {
        return;
      }
      if (Date.now() > deadline) {
        process.kill(group, 'SIGKILL');
        return;
      }
      await sleep(50);
    }
  };

  await launch().catch(async (err: unknown) => {
    await halt();
    await rm(dir, { recursive: true, force: true });
    throw err;
  });

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caFile,
    user: USER,
    password,
    host: HOST,
    api,
    async processCheckResult(service: string, exitStatus: number, text: string): Promise<void> {
      const r = await api('POST', '/v1/actions/process-check-result', {
        type: 'Service',
        filter: 'host.name == h && service.name == s',
        filter_vars: { h: HOST, s: service },
        exit_status: exitStatus,
        plugin_output: text,
        check_source: 'autoheal-test',
      });
      if (r.status !== 200) throw new Error(`process-check-result answered ${r.status}: ${JSON.stringify(r.body)}`);
    },
    async restart(): Promise<void> {
      await halt();
      await launch();
    },
    async stop(): Promise<void> {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    output: () => output,
  };
}

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (blocked ones included). */
  readonly accepted: number;
  /** Cuts every open connection and resets new ones until `unblock()`. */
  block(): void;
  unblock(): void;
  close(): Promise<void>;
}

/** A plain TCP forwarder to 127.0.0.1:`targetPort` (TLS passes through untouched). */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let blocked = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    if (blocked) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    block() {
      blocked = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    unblock() {
      blocked = false;
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
