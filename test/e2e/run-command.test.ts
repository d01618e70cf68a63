/**
 * `autoheal run` as a user runs it: the built binary on temp rulebooks. The engine logs
 * `webhook source listening` with the bound port (rulebooks ask for port 0), which the tests
 * read from stderr before posting. Waits are on output lines and process exit, bounded by the
 * test timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

const BIN = 'dist/src/cli/main.js';
const FIRING = JSON.parse(readFileSync('../shared/fixtures/alertmanager-firing.json', 'utf8')) as { path: string; body: unknown };

/** A spawned `autoheal run` with its output split into lines as it arrives. */
class RunProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.collect(this.child.stdout!, this.stdout);
    this.collect(this.child.stderr!, this.stderr);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves with the first line (of stdout or stderr) that `match` accepts; rejects if the process exits first. */
  waitForLine(stream: 'stdout' | 'stderr', match: (line: string) => boolean): Promise<string> {
    const lines = stream === 'stdout' ? this.stdout : this.stderr;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match);
        if (found === undefined) return;
        this.listeners.delete(check);
        resolve(found);
      };
      this.listeners.add(check);
      check();
      void this.exited.then(() => {
        if (!this.listeners.has(check)) return;
        this.listeners.delete(check);
        const found = lines.find(match);
        if (found !== undefined) resolve(found);
        else reject(new Error(`exited before a matching ${stream} line; stderr:\n${this.stderr.join('\n')}`));
      });
    });
  }

  /** The port of the first webhook source, from its structured log line. */
  async listeningPort(): Promise<number> {
    const line = await this.waitForLine('stderr', (l) => l.includes('"msg":"webhook source listening"'));
    return (JSON.parse(line) as { port: number }).port;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  private collect(stream: NodeJS.ReadableStream, into: string[]): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      into.push(...parts);
      for (const listener of [...this.listeners]) listener();
    });
  }
}

let dir: string;
const running: RunProcess[] = [];

function rulebook(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function start(args: readonly string[], env?: NodeJS.ProcessEnv): RunProcess {
  const p = new RunProcess(args, env);
  running.push(p);
  return p;
}

beforeAll(() => {
  expect(existsSync(BIN), `${BIN} missing: run npm run build`).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'autoheal-run-'));
});
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALERTMANAGER_RULEBOOK = `
- name: alerts
  hosts: all
  sources:
    - name: am
      ansible.eda.alertmanager:
        host: 127.0.0.1
        port: 0
  rules:
    - name: http down
      condition: event.alert.labels.alertname == "AccHttpDown" and event.alert.status == "firing"
      action:
        debug:
          msg: "restart {{ event.alert.labels.service }} on {{ event.alert.labels.instance }}"
`;

describe('autoheal run', () => {
  it('takes an Alertmanager webhook (202) and runs the debug action of the matching rule', async () => {
    const run = start(['-r', rulebook('am.yml', ALERTMANAGER_RULEBOOK)]);
    const port = await run.listeningPort();
    const response = await fetch(`http://127.0.0.1:${port}${FIRING.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(FIRING.body),
    });
    expect(response.status).toBe(202);
    // Upstream's console format: a `[debug]` banner line, then the message.
    await run.waitForLine('stdout', (l) => l === 'restart http on web01');
    const message = run.stdout.indexOf('restart http on web01');
    expect(run.stdout[message - 1]).toMatch(/^\*\* \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \[debug\] \*+$/);
    // The in-memory default is announced, at warn level, before anything is accepted.
    const warning = run.stderr.map((l) => JSON.parse(l) as { level: number; msg: string }).find((e) => e.msg.startsWith('events and state are not durable'));
    expect(warning?.level).toBe(40);
  });

  it('runs a range rulebook to its end and exits 0 by itself', async () => {
    const file = rulebook(
      'range.yml',
      `
- name: count
  hosts: all
  sources:
    - range:
        limit: 3
  rules:
    - name: every number
      condition: event.i >= 0
      action:
        print_event:
`,
    );
    const run = start(['-r', file]);
    const { code } = await run.exited;
    expect(code).toBe(0);
    const printed = run.stdout.filter((l) => l.startsWith("{'i': "));
    expect(printed.map((l) => l.slice(0, 8))).toEqual(["{'i': 0,", "{'i': 1,", "{'i': 2,"]);
    expect(printed[0]).toContain("'meta': {'source': {'name': 'range', 'type': 'range'}");
    expect(run.stdout.filter((l) => l.includes('[event]'))).toHaveLength(3);
    expect(run.stderr.some((l) => l.includes('"reason":"source_finished"'))).toBe(true);
  });

  it('renders source arguments with -E variables before the source starts, as upstream', async () => {
    const file = rulebook(
      'range-env.yml',
      `
- name: count
  hosts: all
  sources:
    - range:
        limit: "{{ RANGE_LIMIT }}"
  rules:
    - name: every number
      condition: event.i >= 0
      action:
        debug:
          msg: "number {{ event.i }}"
`,
    );
    const run = start(['-r', file, '-E', 'RANGE_LIMIT'], { RANGE_LIMIT: '2' });
    expect((await run.exited).code).toBe(0);
    expect(run.stdout.filter((l) => l.startsWith('number '))).toEqual(['number 0', 'number 1']);

    // A variable that is not given stops the start with the source's position and the argument.
    const missing = start(['-r', file]);
    expect((await missing.exited).code).toBe(1);
    expect(missing.stderr.join('\n')).toMatch(/range-env\.yml:5:7: source "range" \(range\) of ruleset "count": 'RANGE_LIMIT' is undefined .* in argument limit/);
  });

  it('exits 0 on SIGTERM after closing its sources', async () => {
    const run = start(['-r', rulebook('am-term.yml', ALERTMANAGER_RULEBOOK)]);
    await run.listeningPort();
    run.kill('SIGTERM');
    const { code, signal } = await run.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(run.stderr.some((l) => l.includes('"msg":"engine stopped"'))).toBe(true);
  });

  it('exits 1 with file:line:col on stderr for a broken rulebook, starting nothing', async () => {
    const run = start(['-r', 'test/fixtures/rulebooks/broken.yml']);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr.join('\n')).toMatch(/broken\.yml:9:7: unknown key "conditon"/);
    expect(run.stderr.some((l) => l.includes('engine started'))).toBe(false);
  });

  it('uses Redis for the queue and state with --redis-url (no not-durable warning)', async () => {
    const ruleset = `alerts-${randomUUID()}`;
    const run = start(['-r', rulebook('am-redis.yml', ALERTMANAGER_RULEBOOK.replace('name: alerts', `name: ${ruleset}`))], { AUTOHEAL_REDIS_URL: inject('redisUrl') });
    const port = await run.listeningPort();
    const response = await fetch(`http://127.0.0.1:${port}${FIRING.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(FIRING.body),
    });
    expect(response.status).toBe(202);
    await run.waitForLine('stdout', (l) => l === 'restart http on web01');
    expect(run.stderr.some((l) => l.includes('not durable'))).toBe(false);
    run.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
  });

  it('exits 1 with a precise message when Redis is unreachable', async () => {
    const run = start(['-r', rulebook('am-noredis.yml', ALERTMANAGER_RULEBOOK), '--redis-url', 'redis://127.0.0.1:1']);
    const { code } = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr.join('\n')).toMatch(/^error: could not connect to Redis/m);
  });
});
