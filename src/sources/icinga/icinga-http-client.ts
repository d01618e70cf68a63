/**
 * @module HTTP(S) requests to the Icinga 2 API (wire-formats.md §3.1): `Accept:
 * application/json` on every request (non-GET requests fail without it), HTTP Basic or a client
 * certificate, Icinga's own CA, one dedicated connection per request (no keep-alive pool: Icinga
 * closes idle connections after ~10 s, and the event stream holds its socket for good). Every
 * request is bounded by a timeout and an AbortSignal; failures become AutohealErrors whose
 * messages never contain the credentials.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AutohealError, ErrorCode } from '../../core/index.js';
import type { Timers } from '../plugin-source.js';

/** Where and how to reach Icinga. Holds the credentials: never log it. */
export interface IcingaEndpoint {
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** `Basic …`, or undefined with a client certificate. */
  readonly authorization: string | undefined;
  /** The ApiUser name, for error messages. */
  readonly user: string | undefined;
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly servername: string | undefined;
}

export interface IcingaRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/v1/`. */
  readonly path: string;
  /** JSON body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Bound in ms: for `open`, until the response headers; for `requestJson`, until the body is read. */
  readonly timeoutMs: number;
}

/** An open response and the switch that disarms its timeout. */
export interface OpenResponse {
  readonly response: IncomingMessage;
  /** Stops the timeout from destroying the request (the event stream lives on). */
  readonly disarm: () => void;
}

/** How long a socket may idle before the kernel sends TCP keep-alive probes (§3.3: no heartbeat). */
export const TCP_KEEPALIVE_MS = 15_000;
/** Largest error body read: Icinga's errors are one short JSON object. */
const MAX_ERROR_BODY = 64 * 1024;
/** Largest objects response accepted (~10 kB per object with last_check_result). */
export const MAX_JSON_BODY = 256 * 1024 * 1024;

/** `Basic base64(user:password)`. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function unavailable(message: string, cause?: unknown): AutohealError {
  return new AutohealError(ErrorCode.IcingaUnavailable, message, { retryable: true, ...(cause === undefined ? {} : { cause }) });
}

/**
 * The error for a non-2xx Icinga response. `body` is Icinga's JSON error
 * (`{"error":401,"status":"…"}`), whose `status` text is quoted (it never holds credentials).
 */
export function icingaHttpError(status: number, body: string, method: string, path: string, user: string | undefined): AutohealError {
  let detail = '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { status?: unknown }).status === 'string') {
      detail = (parsed as { status: string }).status.slice(0, 300);
    }
  } catch {
    detail = '';
  }
  const suffix = detail === '' ? '' : `: ${detail}`;
  const details = { status, method, path };
  if (status === 401) {
    return new AutohealError(
      ErrorCode.IcingaUnauthorized,
      `Icinga rejected the credentials${user === undefined ? '' : ` of ApiUser "${user}"`} (401 Unauthorized)${suffix}`,
      { retryable: true, details },
    );
  }
  if (status >= 400 && status < 500) {
    // Icinga answers 404 "could not be found" for a missing permission (§3.2), which reads like a wrong URL.
    const hint =
      status === 404 && path.startsWith('/v1/events')
        ? ' (the ApiUser probably lacks an events/<Type> permission for one of the requested types)'
        : status === 404 && path.startsWith('/v1/objects/')
          ? ' (the ApiUser probably lacks the objects/query/<Type> permission)'
          : '';
    return new AutohealError(ErrorCode.IcingaRequestRejected, `Icinga answered ${status} to ${method} ${path}${suffix}${hint}`, {
      retryable: true,
      details,
    });
  }
  return unavailable(`Icinga answered ${status} to ${method} ${path}${suffix}`);
}

/**
 * The body of `response` as text, at most `maxBytes` (longer bodies fail with
 * AH_ICINGA_UNAVAILABLE and the response is destroyed).
 */
export async function readBody(response: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      response.destroy();
      throw unavailable(`Icinga response is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export class IcingaHttpClient {
  constructor(
    private readonly endpoint: IcingaEndpoint,
    private readonly timers: Timers,
  ) {}

  /** The base URL (no credentials in it), for logs. */
  get url(): string {
    return this.endpoint.url;
  }

  /**
   * Sends a request and resolves once the response headers arrived, whatever the status. Until
   * `disarm()` is called the timeout keeps running and destroys the response when it fires.
   * @throws AutohealError AH_ICINGA_UNAVAILABLE (network, TLS, timeout); the signal's
   * AbortError when aborted.
   */
  open(req: IcingaRequest): Promise<OpenResponse> {
    const target = new URL(`${this.endpoint.url}${req.path}`);
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: OutgoingHttpHeaders = { Accept: 'application/json', ...req.headers };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    if (this.endpoint.authorization !== undefined) headers.Authorization = this.endpoint.authorization;
    const isHttps = target.protocol === 'https:';
    const e = this.endpoint;
    const options = {
      method: req.method,
      headers,
      agent: false as const,
      ...(isHttps
        ? {
            ...(e.ca === undefined ? {} : { ca: e.ca }),
            ...(e.cert === undefined ? {} : { cert: e.cert }),
            ...(e.key === undefined ? {} : { key: e.key }),
            ...(e.servername === undefined ? {} : { servername: e.servername }),
          }
        : {}),
    };
    const where = `${req.method} ${target.origin}${req.path.split('?')[0]}`;

    return new Promise<OpenResponse>((resolve, reject) => {
      if (req.signal.aborted) {
        reject(abortReason(req.signal));
        return;
      }
      const timer = new AbortController();
      const client = (isHttps ? httpsRequest : httpRequest)(target, options);
      let settled = false;
      let received: IncomingMessage | undefined;
      const cleanup = (): void => {
        timer.abort();
        req.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        (received ?? client).destroy(abortReason(req.signal));
      };
      req.signal.addEventListener('abort', onAbort, { once: true });
      this.timers.sleep(req.timeoutMs, timer.signal).then(
        () => (received ?? client).destroy(unavailable(`${where} timed out after ${req.timeoutMs} ms`)),
        () => undefined,
      );
      client.on('socket', (socket) => socket.setKeepAlive(true, TCP_KEEPALIVE_MS));
      client.on('error', (err: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (req.signal.aborted) reject(abortReason(req.signal));
        else if (err instanceof AutohealError) reject(err);
        else reject(unavailable(`cannot reach Icinga (${where}): ${networkErrorText(err)}`, err));
      });
      client.on('response', (response: IncomingMessage) => {
        settled = true;
        received = response;
        // Readers see errors through their iterator; without a listener an error on a response
        // nobody reads yet (the stream during reconcile) would crash the process.
        response.on('error', () => undefined);
        // From here on errors surface on the response (its iterator throws); keep the abort wiring
        // until the response is gone so close() still tears the stream down.
        response.once('close', cleanup);
        resolve({ response, disarm: () => timer.abort() });
      });
      client.end(payload);
    });
  }

  /**
   * Sends a request and returns its JSON body; a non-2xx status becomes the matching error
   * (see icingaHttpError). The whole exchange is bounded by `timeoutMs`.
   * @throws AutohealError AH_ICINGA_UNAUTHORIZED, AH_ICINGA_REQUEST_REJECTED, AH_ICINGA_UNAVAILABLE.
   */
  async requestJson(req: IcingaRequest): Promise<unknown> {
    const { response, disarm } = await this.open(req);
    try {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        const text = await readBody(response, MAX_ERROR_BODY).catch(() => '');
        throw icingaHttpError(status, text, req.method, req.path.split('?')[0] ?? req.path, this.endpoint.user);
      }
      const text = await readBody(response, MAX_JSON_BODY);
      try {
        return JSON.parse(text) as unknown;
      } catch (err: unknown) {
        throw unavailable(`Icinga sent invalid JSON for ${req.method} ${req.path}`, err);
      }
    } catch (err: unknown) {
      response.destroy();
      if (req.signal.aborted) throw abortReason(req.signal);
      if (err instanceof AutohealError) throw err;
      throw unavailable(`Icinga connection failed during ${req.method} ${req.path}: ${errorText(err)}`, err);
    } finally {
      disarm();
    }
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Certificate verification failures: a configuration problem rather than an outage. */
const TLS_VERIFY_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

/** The message and Node's error code, with a hint for certificate problems. */
function networkErrorText(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err.message;
  const hint = TLS_VERIFY_CODES.test(code) ? ' (check ca_file and tls_server_name)' : '';
  return `${err.message} [${code}]${hint}`;
}
