/**
 * Graceful close of a source server on real sockets: a request in flight (held inside the
 * queue's enqueue) completes with 202 and its event reaches the real in-memory queue; a request
 * arriving meanwhile on an open connection gets 503 + Retry-After; a new connection is refused.
 */
import { connect } from 'node:net';
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureLogger } from '../support/capture-logger.js';
import { createSourceServer, type SourceServer } from '../../src/http/index.js';
import {
  MemoryEventQueue,
  silentQueueLogger,
  type EnqueueBatch,
  type EnqueueResult,
  type EventHandler,
  type EventQueue,
} from '../../src/queue/index.js';

/** The real in-memory queue behind a gate that holds `enqueue` until released. */
class GatedQueue implements EventQueue {
  readonly durable = false;
  private gate: Promise<void> | undefined;
  private reachedGate: (() => void) | undefined;

  constructor(private readonly inner: MemoryEventQueue) {}

  hold(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (this.reachedGate = resolve));
    return { reached, release: () => ((this.gate = undefined), release()) };
  }

  async start(): Promise<void> {
    await this.inner.start();
  }

  async enqueue(batches: readonly EnqueueBatch[]): Promise<EnqueueResult> {
    if (this.gate !== undefined) {
      this.reachedGate?.();
      await this.gate;
    }
    return this.inner.enqueue(batches);
  }

  consume(rulesets: readonly string[], handler: EventHandler): Promise<void> {
    return this.inner.consume(rulesets, handler);
  }

  depth(ruleset: string): Promise<number> {
    return this.inner.depth(ruleset);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

const httpRequest = (body: string, extra = ''): string =>
  `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

/** Status codes and bodies of the HTTP/1.1 responses in `raw` (fixed Content-Length bodies). */
function parseResponses(raw: string): Array<{ status: number; headers: string; body: string }> {
  const out: Array<{ status: number; headers: string; body: string }> = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, end);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
    out.push({ status: Number(head.slice(9, 12)), headers: head.toLowerCase(), body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

describe('source server close', () => {
  let server: SourceServer | undefined;
  let queue: GatedQueue | undefined;
  afterEach(async () => {
    await server?.close();
    await queue?.close();
  });

  it('completes the request in flight, answers 503 to a request arriving meanwhile, refuses new connections', async () => {
    queue = new GatedQueue(new MemoryEventQueue({}, { logger: silentQueueLogger }));
    await queue.start();
    const handled: string[] = [];
    await queue.consume(['ops'], async (_ruleset, event) => void handled.push(event.id));
    const log = captureLogger();
    server = createSourceServer({
      source: {
        name: 'hooks',
        plugin: 'eda.builtin.webhook',
        canonicalPlugin: 'eda.builtin.webhook',
        args: { host: '127.0.0.1', port: 0 },
        filters: [],
        position: { file: 'rulebooks/ops.yml', line: 3, col: 7 },
      },
      ruleset: 'ops',
      queue,
      logger: log.logger,
      retryAfterSeconds: 2,
    });
    const { port } = await server.start();

    const held = queue.hold();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(httpRequest('{"n": 1}'));
    await held.reached;

    const closing = server.close();
    await vi.waitFor(() => expect(server!.app.server.listening).toBe(false), { timeout: 5_000 });

    // A new connection: nothing listens any more.
    const refused = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/events', agent: false }, () => resolve('answered'));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end('{}');
    });
    expect(refused).toBe('ECONNREFUSED');

    // A second request on the connection that is still open: answered 503 once processed.
    socket.write(httpRequest('{"n": 2}'));
    await vi.waitFor(() => expect(log.lines().some((l) => l.code === 'AH_HTTP_CLOSING')).toBe(true), { timeout: 5_000 });

    held.release();
    await socketClosed;
    await closing;

    const [first, second, ...more] = parseResponses(Buffer.concat(chunks).toString('utf8'));
    expect(more).toEqual([]);
    expect(first!.status).toBe(202);
    const accepted = JSON.parse(first!.body) as { accepted: number; event_ids: string[] };
    expect(accepted.accepted).toBe(1);
    expect(second!.status).toBe(503);
    expect(second!.headers).toContain('retry-after: 2');
    expect(second!.headers).toContain('connection: close');
    expect(JSON.parse(second!.body)).toEqual({ error: { code: 'AH_HTTP_CLOSING', message: 'the source is shutting down; retry later' } });

    await vi.waitFor(() => expect(handled).toEqual(accepted.event_ids), { timeout: 5_000 });
  });
});
