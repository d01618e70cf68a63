/**
 * @module How the Icinga actions talk to the API: one request in, status and body out, whatever
 * the status (the actions interpret Icinga's answers themselves, §3.6: a 409 may be a success).
 * The production transport reuses the event-stream source's IcingaHttpClient (TLS CA, server
 * name, Basic auth, `Accept: application/json`, one connection per request, timeout and signal).
 * Tests inject a fake.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { IcingaHttpClient, basicAuthorization, readBody } from '../../sources/icinga/index.js';
import type { IcingaActionsConfig } from './icinga-actions-config.js';

export interface IcingaTransportRequest {
  readonly method: 'GET' | 'POST';
  /** Path below the base URL, starting with `/v1/`. */
  readonly path: string;
  /** JSON body. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface IcingaTransportResponse {
  readonly status: number;
  /** The body as text, bounded. */
  readonly body: string;
  /** The `Retry-After` header, when sent. */
  readonly retryAfter?: string;
}

/**
 * Sends one request. Resolves with any HTTP status; rejects only when no response arrived
 * (network, TLS, timeout: AutohealError AH_ICINGA_UNAVAILABLE, retryable) or when `signal`
 * aborted (its reason).
 */
export type IcingaTransport = (request: IcingaTransportRequest) => Promise<IcingaTransportResponse>;

/** Largest response body read: action answers are one short entry per object. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

type HttpTimers = ConstructorParameters<typeof IcingaHttpClient>[1];

const realTimers: HttpTimers = {
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  },
};

/** The production transport for a resolved config. */
export function createIcingaTransport(config: IcingaActionsConfig, timers: HttpTimers = realTimers): IcingaTransport {
  const client = new IcingaHttpClient(
    {
      url: config.url,
      authorization: basicAuthorization(config.user, config.password.reveal()),
      user: config.user,
      ca: config.ca === undefined ? undefined : Buffer.from(config.ca, 'utf8'),
      cert: undefined,
      key: undefined,
      servername: config.tlsServerName,
    },
    timers,
  );
  return async (request) => {
    const { response, disarm } = await client.open({ ...request, timeoutMs: config.requestTimeoutMs });
    try {
      const body = await readBody(response, MAX_RESPONSE_BYTES);
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode ?? 0, body, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) };
    } finally {
      disarm();
      response.destroy();
    }
  };
}
