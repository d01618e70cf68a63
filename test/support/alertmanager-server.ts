/**
 * @module A throwaway Prometheus Alertmanager (the Debian `prometheus-alertmanager` 0.25 binary)
 * for end-to-end tests, set up as in shared/spec/wire-formats.md §1.5: config, storage and logs in
 * a temp dir, the API on 127.0.0.1 and a free port, no cluster gossip, short group timings, and
 * webhook receivers pointing wherever the test says (autoheal's source URL) with a bearer token
 * in `http_config.authorization.credentials`. Alerts go in through the v2 API (§1.6).
 *
 * `startAlertmanagerWithConfig` starts it on a configuration the test wrote itself instead (e.g.
 * a shipped example with its URLs rewritten).
 *
 * The process runs in its own process group; `stop()` ends the group (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis-server.js';

const BINARY_NAMES = ['prometheus-alertmanager', 'alertmanager'] as const;
const READY_TIMEOUT_MS = 15_000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 3_000;
const REQUEST_TIMEOUT_MS = 5_000;
const TAIL_LINES = 200;

/** The Alertmanager binary on PATH (Debian: /usr/bin/prometheus-alertmanager), or undefined. */
export function findAlertmanager(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const name of BINARY_NAMES) {
    for (const dir of dirs) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** One webhook receiver of the generated alertmanager.yml. */
export interface AlertmanagerReceiver {
  /** Receiver name; no regex metacharacters (AM escapes them in the payload, §1.1). */
  readonly name: string;
  /** The webhook URL, e.g. autoheal's `http://127.0.0.1:<port>/alertmanager`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`; none when undefined. */
  readonly bearerToken?: string;
  /** Default true (as Alertmanager's own default). */
  readonly sendResolved?: boolean;
}

/** A child route: alerts whose labels match every `matchers` entry go to `receiver`. */
export interface AlertmanagerRoute {
  readonly receiver: string;
  /** Alertmanager matchers, e.g. `team="wrong"`. */
  readonly matchers: readonly string[];
}

export interface AlertmanagerServerOptions {
  /** The first is the root route's receiver. */
  readonly receivers: readonly [AlertmanagerReceiver, ...AlertmanagerReceiver[]];
  readonly routes?: readonly AlertmanagerRoute[];
  /** Default `['...']`: one notification per alert. */
  readonly groupBy?: readonly string[];
  /** Alertmanager durations. Defaults `1s`, `2s`, `1m` (the verified fast-test config). */
  readonly groupWait?: string;
  readonly groupInterval?: string;
  readonly repeatInterval?: string;
  /** Default `findAlertmanager()`. */
  readonly binary?: string;
}

/** An alert as POSTed to `/api/v2/alerts` (postableAlert). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** RFC 3339; default now (set by Alertmanager). */
  readonly startsAt?: string;
  /** RFC 3339; a time ≤ now resolves the alert; omitted = now + resolve_timeout. */
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

export interface AlertmanagerServer {
  /** `http://127.0.0.1:<port>` (also the `externalURL` it sends). */
  readonly url: string;
  /** Posts alerts through the v2 API; throws unless Alertmanager answers 200. */
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** Posts the same labels again with `endsAt` = now, which resolves them. */
  resolveAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** The Prometheus text of `/metrics`. */
  metrics(): Promise<string>;
  /** Sum of one counter over the series whose labels include every given label. */
  counter(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
  /** Resolves with the first log line (logfmt, stderr) that `match` accepts; rejects if it exits first. */
  waitForLog(match: (line: string) => boolean): Promise<string>;
  /** Every log line so far. */
  readonly logs: readonly string[];
  /** Ends the process group and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** The alertmanager.yml text for these options (YAML is JSON-compatible: values are JSON-quoted). */
export function alertmanagerConfig(options: AlertmanagerServerOptions): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    'global:',
    '  resolve_timeout: 1m',
    'route:',
    `  receiver: ${q(options.receivers[0].name)}`,
    `  group_by: [${(options.groupBy ?? ['...']).map(q).join(', ')}]`,
    `  group_wait: ${options.groupWait ?? '1s'}`,
    `  group_interval: ${options.groupInterval ?? '2s'}`,
    `  repeat_interval: ${options.repeatInterval ?? '1m'}`,
  ];
  if (options.routes !== undefined && options.routes.length > 0) {
    lines.push('  routes:');
    for (const route of options.routes) {
      lines.push(`    - receiver: ${q(route.receiver)}`, `      matchers: [${route.matchers.map(q).join(', ')}]`);
    }
  }
  lines.push('receivers:');
  for (const r of options.receivers) {
    lines.push(`  - name: ${q(r.name)}`, '    webhook_configs:', `      - url: ${q(r.url)}`, `        send_resolved: ${r.sendResolved ?? true}`);
    if (r.bearerToken !== undefined) {
      lines.push('        http_config:', '          authorization:', '            type: Bearer', `            credentials: ${q(r.bearerToken)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts Alertmanager and resolves once `/-/ready` answers 200.
 * @throws when no binary is found, or it exits or is not ready within 15 s (with its log tail).
 */
export function startAlertmanager(options: AlertmanagerServerOptions): Promise<AlertmanagerServer> {
  return startAlertmanagerWithConfig(alertmanagerConfig(options), options.binary);
}

/**
 * Starts Alertmanager on `configText` (a whole alertmanager.yml, written to its temp dir) with
 * the same flags as `startAlertmanager`, and resolves once `/-/ready` answers 200.
 * @param binary default `findAlertmanager()`.
 * @throws when no binary is found, or it exits or is not ready within 15 s (with its log tail).
 */
export async function startAlertmanagerWithConfig(configText: string, binary: string | undefined = findAlertmanager()): Promise<AlertmanagerServer> {
  if (binary === undefined) throw new Error('prometheus-alertmanager not found (apt-get install prometheus-alertmanager)');
  const dir = await mkdtemp(join(tmpdir(), 'autoheal-alertmanager-'));
  try {
    const configFile = join(dir, 'alertmanager.yml');
    await writeFile(configFile, configText);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        // Empty disables HA gossip (default 0.0.0.0:9094, which two test files would fight over).
        '--cluster.listen-address=',
        '--log.level=debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const server = new RunningAlertmanager(child, url, dir);
    try {
      await server.waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

class RunningAlertmanager implements AlertmanagerServer {
  readonly logs: string[] = [];
  private readonly exited: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const listener of [...this.listeners]) listener();
    });
    // Keep reading: a full pipe would block Alertmanager when it logs.
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        this.logs.push(...parts);
        if (this.logs.length > 20 * TAIL_LINES) this.logs.splice(0, this.logs.length - 10 * TAIL_LINES);
        for (const listener of [...this.listeners]) listener();
      });
    }
  }

  async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw this.failure('exited during start-up');
      try {
        const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw this.failure(`not ready within ${READY_TIMEOUT_MS} ms`);
      await sleep(READY_POLL_MS);
    }
  }

  async postAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    const response = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`Alertmanager refused the alerts: ${response.status} ${text}`);
  }

  resolveAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    const now = new Date().toISOString();
    return this.postAlerts(alerts.map((a) => ({ ...a, endsAt: now })));
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return response.text();
  }

  async counter(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    let sum = 0;
    for (const line of (await this.metrics()).split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const close = line.lastIndexOf('}');
      const labelText = close === -1 ? '' : line.slice(name.length + 1, close);
      if (!wanted.every((w) => labelText.split(',').includes(w))) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  waitForLog(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.logs.find(match);
        if (found !== undefined) {
          this.listeners.delete(check);
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          this.listeners.delete(check);
          reject(this.failure('exited before the awaited log line'));
        }
      };
      this.listeners.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.signalGroup('SIGTERM');
        const timedOut = await Promise.race([this.exited.then(() => false), sleep(STOP_GRACE_MS, true)]);
        if (timedOut) {
          this.signalGroup('SIGKILL');
          await this.exited;
        }
      }
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  private failure(what: string): Error {
    return new Error(`prometheus-alertmanager ${what}:\n${this.logs.slice(-30).join('\n')}`);
  }
}
