/**
 * bench/ingest — durable intake end to end, side by side in one run:
 *   autoheal      the built `autoheal run` (its own process) with an `ansible.eda.alertmanager`
 *                 source, on a private redis-server started here (AOF, appendfsync FSYNC:
 *                 `always` by default, the setting the README requires for durability);
 *                 a rule matching every alert whose action is `debug`
 *   bare fastify  a Fastify server (its own process) that only parses the same JSON and answers
 *                 202 — the ceiling of any Node intake on this machine
 * Load: Alertmanager webhook bodies (`version: "4"`) with ALERTS alerts each, every alert unique
 * (fingerprint), POSTed over keep-alive `fetch` by CONCURRENCY senders in this process.
 *
 * Figures:
 *   acknowledged alerts/s  alerts in 202 answers / (last 202 − first request)
 *   evaluated alerts/s     alerts / (last rule evaluation − first request): durable end to end.
 *                          Events/s (the target's unit) adds the payload event the source emits
 *                          per webhook, as upstream does (11 events per 10-alert webhook).
 *   latency                from sending the webhook to the alert's rule being evaluated, per
 *                          alert. "Evaluated" = the rule's `debug` line (`bench <seq>`) read here
 *                          from autoheal's stdout pipe: the action runs right after the
 *                          evaluation is committed to Redis, so this is an upper bound (it adds
 *                          the pipe and this process's own event-loop delay). No extra
 *                          instrumentation in the engine; its normal info logs stay on.
 *   redis commands/alert   from `INFO commandstats` around the closed-loop run (reset before):
 *                          where the per-alert cost goes.
 *   CPU per 1 000 alerts   user+system time of the engine, redis-server and the senders during
 *                          the closed-loop run (/proc): on 2 cores they compete with each other.
 *   steal                  share of the machine's CPU time the hypervisor gave to other guests
 *                          during the closed loop (/proc/stat): why two runs on a VM differ.
 *   paced                  RATE events/s, the target's unit: RATE/(ALERTS+1) webhooks/s, each
 *                          ALERTS alert events and the payload event; open loop, each sent on
 *                          its schedule whatever the previous did, for PACED_SECONDS.
 * Targets: ≥ 5 k events/s evaluated durably; ≥ 0.3× bare Fastify's request rate; p99 ≤ 20 ms
 * at 1 k events/s. Everything (senders, engine, Redis) shares this machine's cores: run it quiet.
 *
 * Run: npm run bench:ingest   (options: WEBHOOKS=2000 ALERTS=10 CONCURRENCY=32 RATE=1000
 *      PACED_SECONDS=10 FSYNC=always|everysec; ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the engine)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const WEBHOOKS = Number(process.env.WEBHOOKS ?? 2_000);
const ALERTS = Number(process.env.ALERTS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const RATE = Number(process.env.RATE ?? 1_000);
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 10);
const FSYNC = process.env.FSYNC ?? 'always';
const WARMUP_WEBHOOKS = 200;
const TOKEN = 'bench-token';
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const EVALUATED = /^bench (\d+)$/;
const WAIT_MS = 180_000;

/** Child mode: the bare Fastify server. Prints its port on stdout. */
async function serveBare(): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post('/alertmanager', async (request, reply) => {
    const body = request.body as { alerts?: unknown[] };
    return reply.code(202).send({ accepted: body.alerts?.length ?? 0 });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Calls `onLine` for each complete line of `stream`. */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
}

/** Resolves with the first line `match` turns into a value; rejects if the child exits first. */
function firstLine<T>(child: ChildProcess, stream: NodeJS.ReadableStream, match: (line: string) => T | undefined, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let done = false;
    lines(stream, (line) => {
      if (done) return;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      const value = match(line);
      if (value !== undefined) {
        done = true;
        resolve(value);
      }
    });
    child.once('exit', () => {
      if (!done) reject(new Error(`${what}: exited first:\n${tail.join('\n')}`));
    });
  });
}

async function startRedis(dir: string): Promise<{ child: ChildProcess; url: string; version: string }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', FSYNC, '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.resume();
  await firstLine(child, child.stdout!, (l) => (l.includes('Ready to accept connections') ? true : undefined), 'redis-server');
  child.stdout?.resume();
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return { child, url: `redis://127.0.0.1:${port}`, version };
}

/** One Alertmanager 0.25-shaped webhook body carrying alerts `first … first+ALERTS-1`. */
function webhookBody(first: number, startsAt: string): string {
  const alerts = [];
  for (let seq = first; seq < first + ALERTS; seq += 1) {
    alerts.push({
      status: 'firing',
      labels: { alertname: 'BenchAlert', instance: `host-${seq % 100}:9100`, seq: String(seq), severity: 'critical' },
      annotations: { summary: `bench alert ${seq}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph',
      // Alertmanager's fingerprints are 64-bit hashes as 16 hex digits: so are these.
      fingerprint: createHash('sha256').update(String(seq)).digest('hex').slice(0, 16),
    });
  }
  return JSON.stringify({
    receiver: 'autoheal',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'BenchAlert' },
    commonLabels: { alertname: 'BenchAlert', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    version: '4',
    groupKey: `{}:{alertname="BenchAlert", batch="${first}"}`,
    truncatedAlerts: 0,
  });
}

interface Target {
  readonly name: string;
  readonly url: string;
  /** performance.now() when alert `seq` was evaluated; undefined for the bare server. */
  readonly evaluatedAt?: Map<number, number>;
  /** Resolves once every seq < `until` is evaluated. */
  readonly waitEvaluated?: (until: number) => Promise<void>;
}

async function post(target: Target, body: string): Promise<number> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

interface PhaseResult {
  readonly alerts: number;
  readonly ackedPerSecond: number;
  readonly ackLatencyMs: readonly number[];
  readonly evaluatedPerSecond?: number;
  readonly evalLatencyMs?: readonly number[];
}

/** Closed loop: CONCURRENCY senders, `webhooks` webhooks from alert `firstSeq` on. */
async function throughput(target: Target, firstSeq: number, webhooks: number, startsAt: string): Promise<PhaseResult> {
  const bodies = Array.from({ length: webhooks }, (_, i) => webhookBody(firstSeq + i * ALERTS, startsAt));
  const sentAt = new Array<number>(webhooks);
  const ackLatency: number[] = [];
  let next = 0;
  let lastAck = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next;
        if (i >= webhooks) return;
        next += 1;
        sentAt[i] = performance.now();
        const status = await post(target, bodies[i]!);
        if (status !== 202) throw new Error(`${target.name}: webhook ${i} answered ${status}`);
        lastAck = performance.now();
        ackLatency.push(lastAck - sentAt[i]!);
      }
    }),
  );
  const alerts = webhooks * ALERTS;
  const result = { alerts, ackedPerSecond: alerts / ((lastAck - t0) / 1000), ackLatencyMs: ackLatency };
  if (target.evaluatedAt === undefined || target.waitEvaluated === undefined) return result;
  await target.waitEvaluated(firstSeq + alerts);
  const evalLatency: number[] = [];
  let lastEval = 0;
  for (let i = 0; i < webhooks; i += 1) {
    for (let a = 0; a < ALERTS; a += 1) {
      const at = target.evaluatedAt.get(firstSeq + i * ALERTS + a)!;
      lastEval = Math.max(lastEval, at);
      evalLatency.push(at - sentAt[i]!);
    }
  }
  return { ...result, evaluatedPerSecond: alerts / ((lastEval - t0) / 1000), evalLatencyMs: evalLatency };
}

/** Open loop at RATE events/s (alerts and payload events) for PACED_SECONDS. */
async function paced(target: Target, firstSeq: number, startsAt: string): Promise<PhaseResult> {
  const webhooksPerSecond = RATE / (ALERTS + 1);
  const webhooks = Math.round(webhooksPerSecond * PACED_SECONDS);
  const intervalMs = 1000 / webhooksPerSecond;
  const bodies = Array.from({ length: webhooks }, (_, i) => webhookBody(firstSeq + i * ALERTS, startsAt));
  const sentAt = new Array<number>(webhooks);
  const ackLatency: number[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < webhooks; i += 1) {
    const due = t0 + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sentAt[i] = performance.now();
    inFlight.push(
      post(target, bodies[i]!).then((status) => {
        if (status !== 202) throw new Error(`${target.name}: paced webhook ${i} answered ${status}`);
        ackLatency.push(performance.now() - sentAt[i]!);
      }),
    );
  }
  await Promise.all(inFlight);
  const ackedSeconds = (performance.now() - t0) / 1000;
  const alerts = webhooks * ALERTS;
  const evalLatency: number[] = [];
  if (target.evaluatedAt !== undefined && target.waitEvaluated !== undefined) {
    await target.waitEvaluated(firstSeq + alerts);
    for (let i = 0; i < webhooks; i += 1) {
      for (let a = 0; a < ALERTS; a += 1) evalLatency.push(target.evaluatedAt.get(firstSeq + i * ALERTS + a)! - sentAt[i]!);
    }
  }
  return { alerts, ackedPerSecond: alerts / ackedSeconds, ackLatencyMs: ackLatency, evalLatencyMs: evalLatency };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `INFO commandstats` as command → calls. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m !== null) calls.set(m[1]!, Number(m[2]));
  }
  return calls;
}

/** CPU seconds (user + system) a process used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Machine-wide CPU ticks (all, steal) from /proc/stat: steal is time the hypervisor gave to others. */
function machineTicks(): { total: number; steal: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return { total: Number.NaN, steal: Number.NaN };
  }
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;
const rate = (v: number | undefined): string => (v === undefined ? '—' : `${Math.round(v).toLocaleString('en-US')}/s`);

async function startAutoheal(dir: string, redisUrl: string): Promise<{ child: ChildProcess; target: Target }> {
  const rulebook = join(dir, 'ingest.yml');
  writeFileSync(
    rulebook,
    `- name: ingest
  hosts: all
  sources:
    - name: am
      ansible.eda.alertmanager:
        host: 127.0.0.1
        port: 0
        token: ${TOKEN}
  rules:
    - name: record
      condition: event.alert.labels.alertname == "BenchAlert"
      action:
        debug:
          msg: "bench {{ event.alert.labels.seq }}"
`,
  );
  // The node flags of the autoheal bin's shebang, as a user's `autoheal run` gets them, then
  // ENGINE_NODE_ARGS: extra node flags for the engine process only, e.g. `--cpu-prof`.
  const nodeArgs = [...shebangNodeArgs(CLI), ...(process.env.ENGINE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'run', '-r', rulebook, '--redis-url', redisUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  const evaluatedAt = new Map<number, number>();
  let waiter: { until: number; wake: () => void } | undefined;
  let contiguous = 0;
  lines(child.stdout!, (line) => {
    const m = EVALUATED.exec(line);
    if (m === null) return;
    evaluatedAt.set(Number(m[1]), performance.now());
    while (evaluatedAt.has(contiguous)) contiguous += 1;
    if (waiter !== undefined && contiguous >= waiter.until) waiter.wake();
  });
  const port = await firstLine(child, child.stderr!, (l) => (l.includes('"msg":"webhook source listening"') ? (JSON.parse(l) as { port: number }).port : undefined), 'autoheal run');
  const waitEvaluated = (until: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (contiguous >= until) return resolve();
      const timer = setTimeout(() => reject(new Error(`only ${contiguous} of ${until} alerts evaluated after ${WAIT_MS} ms`)), WAIT_MS);
      waiter = {
        until,
        wake: () => {
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        },
      };
    });
  return { child, target: { name: 'autoheal', url: `http://127.0.0.1:${port}/alertmanager`, evaluatedAt, waitEvaluated } };
}

/** The node flags in `file`'s `#!/usr/bin/env -S node <flags>` line. */
function shebangNodeArgs(file: string): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\S*env(?: -S)? node((?: \S+)*)\s*$/.exec(first);
  if (m === null) throw new Error(`${file}: unexpected first line ${JSON.stringify(first)}`);
  return (m[1] ?? '').split(' ').filter((a) => a !== '');
}

async function startBare(): Promise<{ child: ChildProcess; target: Target }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--bare-fastify'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await firstLine(child, child.stdout!, (l) => (l.startsWith('listening ') ? Number(l.slice(10)) : undefined), 'bare fastify');
  return { child, target: { name: 'bare fastify', url: `http://127.0.0.1:${port}/alertmanager` } };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'autoheal-bench-ingest-'));
  const children: ChildProcess[] = [];
  try {
    const startsAt = new Date().toISOString();
    const redis = await startRedis(dir);
    children.push(redis.child);
    console.log(`bench/ingest: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  autoheal run as its bin starts it: node ${shebangNodeArgs(CLI).join(' ')}${process.env.ENGINE_NODE_ARGS ? ` ${process.env.ENGINE_NODE_ARGS}` : ''}`);
    console.log(`  ${redis.version}; AOF appendfsync ${FSYNC}; ${WEBHOOKS} webhooks × ${ALERTS} alerts, concurrency ${CONCURRENCY}; paced ${RATE} events/s (${Math.round((RATE * ALERTS) / (ALERTS + 1))} alerts/s) for ${PACED_SECONDS} s`);

    const bare = await startBare();
    children.push(bare.child);
    await throughput(bare.target, 0, WARMUP_WEBHOOKS, startsAt);
    const bareRun = await throughput(bare.target, 0, WEBHOOKS, startsAt);
    await stop(bare.child);

    const autoheal = await startAutoheal(dir, redis.url);
    children.push(autoheal.child);
    let seq = 0;
    await throughput(autoheal.target, seq, WARMUP_WEBHOOKS, startsAt);
    seq += WARMUP_WEBHOOKS * ALERTS;
    const admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
    await admin.config('RESETSTAT');
    const cpuBefore = [cpuSeconds(autoheal.child.pid), cpuSeconds(redis.child.pid), process.cpuUsage()] as const;
    const ticksBefore = machineTicks();
    const run = await throughput(autoheal.target, seq, WEBHOOKS, startsAt);
    const cpu = {
      engine: cpuSeconds(autoheal.child.pid) - cpuBefore[0],
      redis: cpuSeconds(redis.child.pid) - cpuBefore[1],
      senders: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpuBefore[2])),
    };
    const ticksAfter = machineTicks();
    const stealPercent = (100 * (ticksAfter.steal - ticksBefore.steal)) / (ticksAfter.total - ticksBefore.total);
    const calls = await commandCalls(admin);
    await admin.quit();
    seq += WEBHOOKS * ALERTS;
    const pacedRun = await paced(autoheal.target, seq, startsAt);

    const rows = [
      ['', 'acked alerts/s', 'ack p50', 'ack p99', 'evaluated alerts/s', 'eval p50', 'eval p99'],
      ['bare fastify', rate(bareRun.ackedPerSecond), ms(percentile(bareRun.ackLatencyMs, 50)), ms(percentile(bareRun.ackLatencyMs, 99)), '—', '—', '—'],
      [
        'autoheal (closed loop)',
        rate(run.ackedPerSecond),
        ms(percentile(run.ackLatencyMs, 50)),
        ms(percentile(run.ackLatencyMs, 99)),
        rate(run.evaluatedPerSecond),
        ms(percentile(run.evalLatencyMs ?? [], 50)),
        ms(percentile(run.evalLatencyMs ?? [], 99)),
      ],
      [
        `autoheal (paced ${RATE} events/s)`,
        rate(pacedRun.ackedPerSecond),
        ms(percentile(pacedRun.ackLatencyMs, 50)),
        ms(percentile(pacedRun.ackLatencyMs, 99)),
        '—',
        ms(percentile(pacedRun.evalLatencyMs ?? [], 50)),
        ms(percentile(pacedRun.evalLatencyMs ?? [], 99)),
      ],
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    for (const row of rows) console.log(`  ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}`);
    const ratio = run.ackedPerSecond / bareRun.ackedPerSecond;
    const pacedP99 = percentile(pacedRun.evalLatencyMs ?? [], 99);
    // The source also emits, per webhook, the whole payload as one event (upstream's shape), in
    // the same job ahead of its alerts: once an alert is evaluated, so is its webhook's payload event.
    const eventsPerSecond = ((run.evaluatedPerSecond ?? 0) * (ALERTS + 1)) / ALERTS;
    console.log(`  targets: evaluated ≥ 5 000 events/s: ${rate(eventsPerSecond)} (${rate(run.evaluatedPerSecond)} alerts + 1 payload event per webhook) ${eventsPerSecond >= 5_000 ? 'MET' : 'NOT MET'}`);
    console.log(`           acked ≥ 0.3× bare fastify: ${ratio.toFixed(2)}× ${ratio >= 0.3 ? 'MET' : 'NOT MET'}`);
    console.log(`           p99 ≤ 20 ms at ${RATE} events/s: ${ms(pacedP99)} ${pacedP99 <= 20 ? 'MET' : 'NOT MET'}`);
    const perAlert = [...calls].map(([cmd, n]) => [cmd, n / run.alerts] as const).sort((a, b) => b[1] - a[1]);
    const total = perAlert.reduce((sum, [, n]) => sum + n, 0);
    console.log(`  redis commands per alert (closed loop): ${total.toFixed(1)} — ${perAlert.slice(0, 10).map(([cmd, n]) => `${cmd} ${n.toFixed(2)}`).join(', ')}`);
    const perK = (seconds: number): string => `${((seconds / run.alerts) * 1e6).toFixed(0)} ms`;
    console.log(`  CPU per 1 000 alerts (closed loop): engine ${perK(cpu.engine)}, redis-server ${perK(cpu.redis)}, senders (this process) ${perK(cpu.senders)}`);
    console.log(`  CPU stolen by the hypervisor during the closed loop: ${stealPercent.toFixed(1)} % (a VM's neighbours; figures of a run with much steal are low)`);
    console.log(`  load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--bare-fastify')) {
  await serveBare();
} else {
  await main();
}
