/**
 * A small fake of the chat endpoints `notify` posts to (wire-formats.md §6), on one local HTTP
 * server:
 * - Zulip `POST /api/v1/messages`: Basic `email:api-key` check (401 `INVALID_API_KEY`),
 *   form-encoded `type`/`to`/`topic`/`content`, Zulip's error JSON (`STREAM_DOES_NOT_EXIST`,
 *   `REQUEST_VARIABLE_MISSING`, `BAD_REQUEST`) and, on demand, 429 `RATE_LIMIT_HIT` with
 *   `Retry-After` and the `retry-after` body field.
 * - Slack incoming webhook `POST <slackPath>`: `ok`, or the plain-text errors `invalid_payload`,
 *   `no_text`, `channel_not_found`, `no_service` (unknown hook path).
 * - Mattermost incoming webhook `POST /hooks/<id>`: `ok`, or AppError JSON (invalid hook, no text).
 * - A generic webhook `POST /generic`: any JSON, `{}`.
 * Every request is recorded with its headers and raw body; accepted messages are kept per kind.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatOptions {
  readonly zulip: { readonly email: string; readonly apiKey: string; readonly streams: readonly string[] };
  /** Path of the Slack webhook, e.g. `/services/T000/B000/XXXX` (the secret part). */
  readonly slackPath: string;
  /** Channels the Slack webhook may post to when a `channel` is given. */
  readonly slackChannels: readonly string[];
  /** The Mattermost hook id (26 chars in real life). */
  readonly mattermostHookId: string;
}

export interface ChatRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ZulipMessage {
  readonly id: number;
  readonly type: string;
  /** `to` decoded from its JSON form. */
  readonly to: unknown;
  readonly topic: string;
  readonly content: string;
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export class FakeChat {
  readonly requests: ChatRequest[] = [];
  readonly zulipMessages: ZulipMessage[] = [];
  readonly slackMessages: Record<string, unknown>[] = [];
  readonly mattermostMessages: Record<string, unknown>[] = [];
  readonly webhookMessages: Record<string, unknown>[] = [];
  private zulipRateLimited: { count: number; retryAfterSeconds: number } = { count: 0, retryAfterSeconds: 0 };
  private nextZulipId = 40;
  private server: Server | undefined;
  private baseUrl = '';

  constructor(private readonly options: FakeChatOptions) {}

  /** `http://127.0.0.1:<port>` once listening. */
  get url(): string {
    return this.baseUrl;
  }

  /** The next `count` Zulip sends get 429 `RATE_LIMIT_HIT` with this `Retry-After`. */
  rateLimitZulip(count: number, retryAfterSeconds: number): void {
    this.zulipRateLimited = { count, retryAfterSeconds };
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      void this.serve(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const request: ChatRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(request);
    const reply = this.route(request);
    res.writeHead(reply.status, { 'content-type': reply.contentType, ...reply.headers });
    res.end(reply.body);
  }

  private route(request: ChatRequest): Reply {
    if (request.method !== 'POST') return text(405, 'method not allowed');
    if (request.path === '/api/v1/messages') return this.zulip(request);
    if (request.path === this.options.slackPath) return this.slack(request);
    if (request.path.startsWith('/services/')) return text(404, 'no_service');
    if (request.path.startsWith('/hooks/')) return this.mattermost(request);
    if (request.path === '/generic') {
      this.webhookMessages.push(JSON.parse(request.body) as Record<string, unknown>);
      return json(200, {});
    }
    return text(404, 'not found');
  }

  private zulip(request: ChatRequest): Reply {
    const { email, apiKey, streams } = this.options.zulip;
    const expected = `Basic ${Buffer.from(`${email}:${apiKey}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return json(401, { code: 'INVALID_API_KEY', msg: 'Invalid API key', result: 'error' });
    if (this.zulipRateLimited.count > 0) {
      this.zulipRateLimited.count -= 1;
      const seconds = this.zulipRateLimited.retryAfterSeconds;
      return json(
        429,
        { code: 'RATE_LIMIT_HIT', msg: 'API usage exceeded rate limit', result: 'error', 'retry-after': seconds },
        { 'retry-after': String(seconds), 'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '0' },
      );
    }
    if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return json(400, { code: 'BAD_REQUEST', msg: 'Expected form data', result: 'error' });
    }
    const form = new URLSearchParams(request.body);
    for (const name of ['type', 'to', 'topic', 'content']) {
      if (!form.has(name)) return json(400, { code: 'REQUEST_VARIABLE_MISSING', msg: `Missing '${name}' argument`, result: 'error', var_name: name });
    }
    const type = form.get('type')!;
    if (type !== 'stream' && type !== 'channel') return json(400, { code: 'BAD_REQUEST', msg: 'Invalid message type', result: 'error' });
    const rawTo = form.get('to')!;
    let to: unknown = rawTo;
    try {
      to = JSON.parse(rawTo) as unknown;
    } catch {
      // a plain channel name is accepted too
    }
    if (typeof to !== 'string' || !streams.includes(to)) {
      return json(400, { code: 'STREAM_DOES_NOT_EXIST', msg: `Channel '${String(to)}' does not exist`, result: 'error', stream: String(to) });
    }
    const message: ZulipMessage = { id: this.nextZulipId++, type, to, topic: form.get('topic')!, content: form.get('content')! };
    this.zulipMessages.push(message);
    return json(200, { result: 'success', msg: '', id: message.id });
  }

  private slack(request: ChatRequest): Reply {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return text(400, 'invalid_payload');
    }
    if (typeof payload.text !== 'string' || payload.text === '') return text(400, 'no_text');
    if (typeof payload.channel === 'string' && !this.options.slackChannels.includes(payload.channel)) return text(404, 'channel_not_found');
    this.slackMessages.push(payload);
    return text(200, 'ok');
  }

  private mattermost(request: ChatRequest): Reply {
    if (request.path !== `/hooks/${this.options.mattermostHookId}`) {
      return json(400, { id: 'web.incoming_webhook.invalid.app_error', message: 'Invalid webhook.', detailed_error: '', request_id: 'req1', status_code: 400 });
    }
    let payload: Record<string, unknown> = {};
    try {
      payload = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      // falls through to "No text specified."
    }
    if (typeof payload.text !== 'string' || payload.text === '') {
      return json(400, { id: 'web.incoming_webhook.text.app_error', message: 'No text specified.', detailed_error: '', request_id: 'req2', status_code: 400 });
    }
    this.mattermostMessages.push(payload);
    return text(200, 'ok');
  }
}

function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status, contentType: 'application/json', body: JSON.stringify(body), headers };
}

function text(status: number, body: string): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

/** Starts a fake on 127.0.0.1 and a free port. */
export async function startFakeChat(options: FakeChatOptions): Promise<FakeChat> {
  const fake = new FakeChat(options);
  await fake.listen();
  return fake;
}
