import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, ManualClock } from '../../core/index.js';
import { ManualTimers, SourceEndKind, type PluginEvent, type SourceLogger } from '../plugin-source.js';
import type { IcingaClientArgs } from './icinga-client-options.js';
import {
  IcingaClientStatusKind,
  createIcingaSource,
  type IcingaClientDeps,
  type IcingaClientStatus,
} from './icinga-event-stream-client.js';
import { normalizeIcingaEvent } from './normalize-icinga-event.js';
import { RECONCILE_HOST_ATTRS, RECONCILE_SERVICE_ATTRS } from './reconcile-problems.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const SAMPLE = readFileSync(`${FIXTURES}icinga-stream-sample.jsonl`);
const PASSWORD = 's3cret-Pa55';

/** Waits (bounded) for an item pushed now or later. */
class Recorder<T> {
  readonly items: T[] = [];
  private waiters: { from: number; match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    const index = this.items.length - 1;
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.match(item)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  next(match: (item: T) => boolean, from = 0): Promise<T> {
    const seen = this.items.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<T>((resolve) => this.waiters.push({ from, match, resolve }));
  }

  count(match: (item: T) => boolean): number {
    return this.items.filter(match).length;
  }
}

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface StreamHandle {
  write(data: string | Buffer): void;
  /** Clean EOF, as Icinga on stop/reload. */
  end(): void;
  readonly closed: Promise<void>;
}

/**
 * A tiny Icinga API: `/v1/events` answers like Icinga 2.13 (raw NDJSON after the headers, no
 * Content-Length, no chunking), `/v1/objects/*` return the configured results, `/v1/status`
 * answers 200 or hangs.
 */
class FakeIcinga {
  readonly requests = new Recorder<Received>();
  readonly streams = new Recorder<StreamHandle>();
  eventsAnswer: { status: number; body: string } | undefined;
  services: unknown[] = [];
  hosts: unknown[] = [];
  /** Lines written as soon as a stream opens (they queue up during the reconcile). */
  onOpen: string[] = [];
  statusHangs = false;
  /** Answer object queries with 404 (a missing objects/query permission). */
  objectsRejected = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  count(path: string): number {
    return this.requests.count((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (path === '/v1/events') {
      if (this.eventsAnswer !== undefined) {
        res.writeHead(this.eventsAnswer.status, { 'Content-Type': 'application/json', Connection: 'close' }).end(this.eventsAnswer.body);
        return;
      }
      const socket = req.socket;
      socket.write('HTTP/1.1 200 OK\r\nServer: Icinga/r2.13.6-1\r\nContent-Type: application/json\r\n\r\n');
      for (const line of this.onOpen) socket.write(`${line}\n`);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      this.streams.push({ write: (d) => socket.write(d), end: () => socket.end(), closed });
      return;
    }
    if (path === '/v1/status/IcingaApplication') {
      if (this.statusHangs) return;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results":[]}');
      return;
    }
    const results = path === '/v1/objects/services' ? this.services : path === '/v1/objects/hosts' ? this.hosts : undefined;
    if (results === undefined || this.objectsRejected) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":404,"status":"not found"}');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ results }));
  }
}

interface LogCall {
  readonly level: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(args: Partial<IcingaClientArgs> = {}, deps: Partial<IcingaClientDeps> & { emit?: (batch: readonly PluginEvent[]) => Promise<void> } = {}) {
  const fake = new FakeIcinga();
  const url = await fake.listen();
  const events = new Recorder<PluginEvent>();
  const statuses = new Recorder<IcingaClientStatus>();
  const logs: LogCall[] = [];
  const log =
    (level: string) =>
    (fields: Readonly<Record<string, unknown>>, message: string): void => {
      logs.push({ level, fields, message });
    };
  const logger: SourceLogger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const client = createIcingaSource(
    { url, user: 'autoheal', password: PASSWORD, backoff_min: 0.01, backoff_max: 0.05, ...args },
    { ruleset: 'rs', hostname: 'host1' },
    { logger, onStatus: (s) => statuses.push(s), random: () => 0.5, ...deps },
  );
  const emit =
    deps.emit ??
    (async (batch: readonly PluginEvent[]) => {
      for (const e of batch) events.push(e);
    });
  cleanups.push(async () => {
    await client.close();
    await fake.close();
  });
  return { fake, client, events, statuses, logs, start: () => client.start(emit) };
}

const kind =
  (k: IcingaClientStatus['kind']) =>
  (s: IcingaClientStatus): boolean =>
    s.kind === k;

function expectedEvents(lines: Buffer): PluginEvent[] {
  return lines
    .toString('utf8')
    .trim()
    .split('\n')
    .flatMap((l) => {
      const r = normalizeIcingaEvent(JSON.parse(l));
      return r.kind === 'accepted' ? [...r.events] : [];
    });
}

const criticalService = {
  type: 'Service',
  name: 'web01!http',
  attrs: {
    name: 'http',
    host_name: 'web01',
    state: 2,
    state_type: 1,
    last_hard_state_change: 1795303984.874391,
    acknowledgement: 0,
    downtime_depth: 0,
    last_check_result: { execution_end: 1795303984.874391, state: 2, output: 'HTTP CRITICAL - 503 Service Unavailable', exit_status: 0 },
  },
};

describe('IcingaEventStreamClient', () => {
  it('sends the documented stream and reconcile requests, then emits every streamed event normalized, in order, across odd chunk splits', async () => {
    const h = await setup({ filter: 'event.check_result.state != 0' });
    await h.start();
    const stream = await h.fake.streams.next(() => true);
    await h.statuses.next(kind(IcingaClientStatusKind.Streaming));

    const [events, services, hosts] = ['/v1/events', '/v1/objects/services', '/v1/objects/hosts'].map((p) => h.fake.requests.items.find((r) => r.path === p)!);
    expect(events!.method).toBe('POST');
    expect(events!.headers.accept).toBe('application/json');
    expect(events!.headers.authorization).toBe(`Basic ${Buffer.from(`autoheal:${PASSWORD}`).toString('base64')}`);
    expect(JSON.parse(events!.body)).toEqual({
      queue: 'autoheal-host1-rs',
      types: ['CheckResult', 'StateChange', 'Notification', 'AcknowledgementSet', 'AcknowledgementCleared'],
      filter: 'event.check_result.state != 0',
    });
    expect(services!.headers['x-http-method-override']).toBe('GET');
    expect(JSON.parse(services!.body)).toEqual({ attrs: RECONCILE_SERVICE_ATTRS, filter: 'service.state != 0' });
    expect(JSON.parse(hosts!.body)).toEqual({ attrs: RECONCILE_HOST_ATTRS, filter: 'host.state != 0' });

    // Pieces of 7 bytes split lines and multi-byte characters anywhere.
    for (let i = 0; i < SAMPLE.length; i += 7) stream.write(SAMPLE.subarray(i, i + 7));
    const expected = expectedEvents(SAMPLE);
    await h.events.next(() => h.events.items.length >= expected.length);
    expect(h.events.items).toEqual(expected);
    expect(h.fake.count('/v1/events')).toBe(1);
  });

  it('emits reconciled problems before the events that queued up during the reconcile, with the live keys', async () => {
    const h = await setup();
    const liveLine = SAMPLE.toString('utf8').split('\n')[1]!; // the StateChange web01!http CRITICAL HARD
    h.fake.services = [criticalService];
    h.fake.onOpen = [liveLine];
    await h.start();
    await h.events.next(() => h.events.items.length >= 2);
    const [reconciled, live] = h.events.items as [PluginEvent, PluginEvent];
    expect(reconciled.event).toMatchObject({ icinga: { type: 'StateChange', host: 'web01', service: 'http', state: 2, reconciled: true } });
    expect(live.event).toMatchObject({ icinga: { type: 'StateChange', host: 'web01', service: 'http', state: 2 } });
    expect((live.event.icinga as Record<string, unknown>).reconciled).toBeUndefined();
    expect(reconciled.dedupKey).toBe(live.dedupKey);
  });

  it('reconnects after Icinga ends the stream and reconciles again', async () => {
    const h = await setup();
    await h.start();
    (await h.fake.streams.next(() => true)).end();
    const lost = await h.statuses.next(kind(IcingaClientStatusKind.Disconnected));
    expect(lost).toMatchObject({ failures: 1, retryInMs: 10 });
    expect((lost as { error: AutohealError }).error.message).toBe('Icinga ended the event stream');
    const second = await h.fake.streams.next(() => true, 1);
    await h.statuses.next(kind(IcingaClientStatusKind.Streaming), h.statuses.items.indexOf(lost));
    expect(h.fake.count('/v1/events')).toBe(2);
    expect(h.fake.count('/v1/objects/services')).toBe(2);
    expect(h.fake.count('/v1/objects/hosts')).toBe(2);
    second.write(`${SAMPLE.toString('utf8').split('\n')[0]!}\n`);
    const event = await h.events.next(() => true);
    expect(event.event).toMatchObject({ icinga: { type: 'CheckResult', host: 'web01' } });
  });

  it('waits out the backoff after a 401 before trying again, with a clear error and no password in the logs', async () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const h = await setup({ backoff_min: 1, backoff_max: 8 }, { clock, timers, random: () => 0.999_999 });
    h.fake.eventsAnswer = { status: 401, body: '{"error":401,"status":"Unauthorized. Please check your user credentials."}' };
    await h.start();
    const first = (await h.statuses.next(kind(IcingaClientStatusKind.Disconnected))) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
    expect(first.error.code).toBe(ErrorCode.IcingaUnauthorized);
    expect(first.error.message).toBe('Icinga rejected the credentials of ApiUser "autoheal" (401 Unauthorized): Unauthorized. Please check your user credentials.');
    expect(first.retryInMs).toBe(1000);

    await timers.advance(999);
    await nextTurn();
    expect(h.fake.count('/v1/events')).toBe(1);
    await timers.advance(1);
    await h.fake.requests.next((r) => r.path === '/v1/events', 1);
    const second = (await h.statuses.next((s) => s.kind === 'disconnected' && s.failures === 2)) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
    expect(second.retryInMs).toBe(2000);
    await timers.advance(1999);
    await nextTurn();
    expect(h.fake.count('/v1/events')).toBe(2);

    const logged = JSON.stringify(h.logs);
    expect(logged).toContain('icinga event stream refused');
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(Buffer.from(`autoheal:${PASSWORD}`).toString('base64'));
  });

  it('names the missing permission when Icinga answers 404 to the stream request', async () => {
    const h = await setup();
    h.fake.eventsAnswer = { status: 404, body: '{"error":404,"status":"The requested path \'v1/events\' could not be found or the request method is not valid for this path."}' };
    await h.start();
    const lost = (await h.statuses.next(kind(IcingaClientStatusKind.Disconnected))) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
    expect(lost.error.code).toBe(ErrorCode.IcingaRequestRejected);
    expect(lost.error.message).toMatch(/^Icinga answered 404 to POST \/v1\/events: .* \(the ApiUser probably lacks an events\/<Type> permission/);
  });

  it('streams on without reconcile when Icinga refuses the objects query, logging why', async () => {
    const h = await setup();
    h.fake.objectsRejected = true;
    await h.start();
    expect(await h.statuses.next(kind(IcingaClientStatusKind.Streaming))).toEqual({ kind: 'streaming', reconciled: undefined });
    (await h.fake.streams.next(() => true)).write(`${SAMPLE.toString('utf8').split('\n')[1]!}\n`);
    expect((await h.events.next(() => true)).event).toMatchObject({ icinga: { type: 'StateChange' } });
    const logged = h.logs.find((l) => l.message === 'icinga reconcile failed; streaming without it');
    expect(logged?.level).toBe('error');
    expect(logged?.fields.code).toBe(ErrorCode.IcingaRequestRejected);
    expect(String(logged?.fields.error)).toContain('objects/query/<Type> permission');
    expect(h.statuses.count(kind(IcingaClientStatusKind.Disconnected))).toBe(0);
  });

  it('drops the connection when emit fails, and recovers the problem through the next reconcile', async () => {
    let calls = 0;
    const queued: PluginEvent[] = [];
    const h = await setup(
      {},
      {
        emit: async (batch) => {
          calls += 1;
          if (calls === 1) throw new AutohealError(ErrorCode.QueueUnavailable, 'redis down', { retryable: true });
          queued.push(...batch);
        },
      },
    );
    await h.start();
    const stream = await h.fake.streams.next(() => true);
    h.fake.services = [criticalService];
    stream.write(`${SAMPLE.toString('utf8').split('\n')[1]!}\n`);
    const lost = (await h.statuses.next(kind(IcingaClientStatusKind.Disconnected))) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
    expect(lost.error.code).toBe(ErrorCode.QueueUnavailable);
    await stream.closed;
    await h.statuses.next(kind(IcingaClientStatusKind.Streaming), h.statuses.items.indexOf(lost));
    expect(queued).toHaveLength(1);
    expect(queued[0]!.event).toMatchObject({ icinga: { type: 'StateChange', service: 'http', reconciled: true } });
  });

  it('keeps a silent stream while probes are answered, and replaces it when a probe goes unanswered', async () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const h = await setup({ probe_interval: 60, request_timeout: 5 }, { clock, timers });
    await h.start();
    const stream = await h.fake.streams.next(() => true);
    await h.statuses.next(kind(IcingaClientStatusKind.Streaming));

    await timers.advance(60_000);
    expect(await h.statuses.next(kind(IcingaClientStatusKind.Probe))).toEqual({ kind: 'probe', ok: true });
    expect(h.fake.count('/v1/status/IcingaApplication')).toBe(1);

    // An event postpones the next probe: silence is counted from the last byte.
    await timers.advance(30_000);
    stream.write(`${SAMPLE.toString('utf8').split('\n')[0]!}\n`);
    await h.events.next(() => true);
    await timers.advance(59_000);
    expect(h.fake.count('/v1/status/IcingaApplication')).toBe(1);

    h.fake.statusHangs = true;
    const before = h.fake.requests.items.length;
    await timers.advance(1000);
    await h.fake.requests.next((r) => r.path === '/v1/status/IcingaApplication', before);
    await timers.advance(5000);
    expect(await h.statuses.next((s) => s.kind === 'probe' && !s.ok)).toEqual({ kind: 'probe', ok: false });
    const lost = (await h.statuses.next(kind(IcingaClientStatusKind.Disconnected))) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
    expect(lost.error.code).toBe(ErrorCode.IcingaUnavailable);
    expect(lost.error.message).toMatch(/^event stream silent for 65000 ms and Icinga did not answer a probe: .*timed out after 5000 ms$/);
    await stream.closed;
    expect(h.fake.count('/v1/events')).toBe(1);
    await timers.advance(lost.retryInMs);
    await h.fake.streams.next(() => true, 1);
  });

  it('close() aborts the open stream and reports closed', async () => {
    const h = await setup();
    await h.start();
    const stream = await h.fake.streams.next(() => true);
    await h.statuses.next(kind(IcingaClientStatusKind.Streaming));
    await h.client.close();
    await stream.closed;
    expect(await h.client.done).toEqual({ kind: SourceEndKind.Closed });
    expect(h.statuses.count(kind(IcingaClientStatusKind.Disconnected))).toBe(0);
  });

  it('refuses to start when the password variable is unset, without connecting', async () => {
    const h = await setup({ password: undefined, password_env: 'NOPE_ICINGA_PW' }, { env: {} });
    await expect(h.start()).rejects.toMatchObject({
      code: ErrorCode.SourceConfigInvalid,
      message: 'autoheal.icinga: password_env: environment variable NOPE_ICINGA_PW is not set',
    });
    expect(h.fake.requests.items).toHaveLength(0);
    expect((await h.client.done).kind).toBe(SourceEndKind.Failed);
  });
});
