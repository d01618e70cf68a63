/**
 * @module The Icinga 2 event stream source (`autoheal.icinga`): a client of `POST /v1/events`
 * (wire-formats.md §3.2–3.3) that decodes the NDJSON body, normalizes each event and emits it
 * with its dedup key, and keeps the stream up for as long as the source runs.
 *
 * Connection lifecycle, repeated until `close()`:
 * 1. open the stream (bounded by `connect_timeout`); a non-200 answer is an error;
 * 2. reconcile: the stream has no replay, so whatever changed while disconnected is fetched from
 *    `/v1/objects/services` and `/hosts` and emitted as the StateChange events it would have
 *    produced (`reconcileProblems`). Their dedup keys equal the live events' keys, so the queue
 *    drops what was already seen (here, or by another autoheal process with its own client).
 *    The stream is opened first and read only after the reconcile, so nothing falls in between;
 *    events that queued up meanwhile follow the reconciled ones. When Icinga refuses the query (a
 *    missing `objects/query/*` permission) the stream goes on without it, logged as an error;
 *    when Icinga is unreachable the connection is retried;
 * 3. read the stream; each chunk's events are emitted as one batch and the next chunk is read only
 *    once `emit` resolved (back-pressure). When `emit` fails the connection is dropped: the next
 *    reconcile recovers the lost problems;
 * 4. on EOF (Icinga stopped or reloaded) or any error: wait `reconnectDelay(failures)` and go to 1.
 *    The failure count resets when a stream stayed up at least `backoff_max`, so an Icinga that
 *    accepts and drops at once still backs off.
 *
 * Liveness: Icinga sends nothing on an idle stream (no heartbeat, §3.3), so silence is not a
 * failure. Dead peers are found by TCP keep-alive on the socket, and after `probe_interval` of
 * silence by a probe request on a separate connection: if Icinga does not answer it at all
 * (network error, timeout, 5xx), the silent stream is presumed dead and replaced. Any HTTP answer,
 * 401/404 included, proves Icinga reachable, and the stream is kept.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { hostname as osHostname } from 'node:os';
import { AutohealError, ErrorCode, systemClock, type Clock } from '../../core/index.js';
import {
  asSourceError,
  silentSourceLogger,
  systemTimers,
  taskSource,
  type EmitEvents,
  type PluginSource,
  type SourceEnd,
  type SourceLogger,
  type Timers,
} from '../plugin-source.js';
import type { KeyedEvent } from '../source-event.js';
import { reconnectDelay } from './reconnect-delay.js';
import {
  ICINGA_PLUGIN,
  readSecret,
  resolveIcingaClientOptions,
  type IcingaClientOptions,
} from './icinga-client-options.js';
import { IcingaHttpClient, basicAuthorization, icingaHttpError, readBody, type IcingaEndpoint } from './icinga-http-client.js';
import { IcingaStreamDecoder } from './icinga-stream-decoder.js';
import { IcingaEventType, normalizeIcingaEvent, type IcingaEvent } from './normalize-icinga-event.js';
import { RECONCILE_HOST_ATTRS, RECONCILE_SERVICE_ATTRS, reconcileProblems } from './reconcile-problems.js';

export const IcingaClientStatusKind = {
  /** A connection attempt starts. */
  Connecting: 'connecting',
  /** Icinga accepted the stream request (200). */
  Connected: 'connected',
  /** Reconcile done (or skipped); live events flow from now on. */
  Streaming: 'streaming',
  /** A liveness probe after a silence: Icinga answered (`ok`) or not. */
  Probe: 'probe',
  /** The connection failed or ended; the next attempt follows in `retryInMs`. */
  Disconnected: 'disconnected',
} as const;
export type IcingaClientStatusKind = (typeof IcingaClientStatusKind)[keyof typeof IcingaClientStatusKind];

/** What the client is doing, for readiness checks, metrics and tests. */
export type IcingaClientStatus =
  | { readonly kind: typeof IcingaClientStatusKind.Connecting; readonly failures: number }
  | { readonly kind: typeof IcingaClientStatusKind.Connected }
  | { readonly kind: typeof IcingaClientStatusKind.Streaming; readonly reconciled: number | undefined }
  | { readonly kind: typeof IcingaClientStatusKind.Probe; readonly ok: boolean }
  | {
      readonly kind: typeof IcingaClientStatusKind.Disconnected;
      readonly error: AutohealError;
      /** Consecutive failures, this one included. */
      readonly failures: number;
      readonly retryInMs: number;
    };

export interface IcingaClientDeps {
  /** pino-compatible; receives no credentials and no event payloads. */
  readonly logger?: SourceLogger;
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Uniform in [0, 1), for backoff jitter. Default Math.random. */
  readonly random?: () => number;
  /** For `password_env`. Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** For `password_file`, `ca_file`, `cert_file`, `key_file`. Default fs.readFile. */
  readonly readFile?: (path: string) => Promise<Buffer>;
  /** Called on every status change, synchronously; must not throw. */
  readonly onStatus?: (status: IcingaClientStatus) => void;
}

/** Where the source is used, for defaults (`queue`). */
export interface IcingaSourceContext {
  readonly ruleset: string;
  /** Default os.hostname(). */
  readonly hostname?: string;
}

/** Largest error body read from a refused stream request. */
const MAX_ERROR_BODY = 64 * 1024;

/** Probe path: cheap, and any HTTP answer proves Icinga alive (it needs `status/query` to be 200). */
const PROBE_PATH = '/v1/status/IcingaApplication';

export class IcingaEventStreamClient implements PluginSource {
  readonly done: Promise<SourceEnd>;
  private readonly inner: PluginSource;
  private readonly log: SourceLogger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly random: () => number;
  private http: IcingaHttpClient | undefined;

  constructor(
    private readonly options: IcingaClientOptions,
    private readonly deps: IcingaClientDeps = {},
  ) {
    this.log = deps.logger ?? silentSourceLogger;
    this.clock = deps.clock ?? systemClock;
    this.timers = deps.timers ?? systemTimers;
    this.random = deps.random ?? Math.random;
    this.inner = taskSource({ prepare: () => this.prepare(), run: (emit, signal) => this.run(emit, signal) });
    this.done = this.inner.done;
  }

  /**
   * Reads the password and TLS files, then connects in the background (start() does not wait
   * for Icinga: it may be down, and the client retries until it is up).
   * @throws AutohealError AH_SOURCE_CONFIG_INVALID when a secret or file cannot be read.
   */
  start(emit: EmitEvents): Promise<void> {
    return this.inner.start(emit);
  }

  /** Aborts the open request or wait and resolves once the client has stopped. */
  close(): Promise<void> {
    return this.inner.close();
  }

  private status(status: IcingaClientStatus): void {
    this.deps.onStatus?.(status);
  }

  private async prepare(): Promise<void> {
    const o = this.options;
    const readFile = this.deps.readFile ?? ((p: string) => fsReadFile(p));
    const load = async (what: string, path: string | undefined): Promise<Buffer | undefined> => {
      if (path === undefined) return undefined;
      try {
        return await readFile(path);
      } catch (err: unknown) {
        throw new AutohealError(ErrorCode.SourceConfigInvalid, `${ICINGA_PLUGIN}: ${what}: cannot read ${path}: ${errorText(err)}`, { cause: err });
      }
    };
    const password = o.password === undefined ? undefined : await readSecret(o.password, this.deps.env ?? process.env, readFile);
    const endpoint: IcingaEndpoint = {
      url: o.url,
      authorization: o.user !== undefined && password !== undefined ? basicAuthorization(o.user, password) : undefined,
      user: o.user,
      ca: await load('ca_file', o.caFile),
      cert: await load('cert_file', o.certFile),
      key: await load('key_file', o.keyFile),
      servername: o.tlsServerName,
    };
    this.http = new IcingaHttpClient(endpoint, this.timers);
    if (o.reconcile && !o.types.includes(IcingaEventType.StateChange)) {
      // Reconcile synthesizes StateChange events; without that type nobody would expect them.
      this.log.warn({ types: o.types }, 'icinga reconcile disabled: StateChange is not among the types');
    }
    this.log.info(
      { url: o.url, user: o.user, types: o.types, queue: o.queue, filter: o.filter !== undefined, reconcile: o.reconcile },
      'icinga event stream client starting',
    );
  }

  private async run(emit: EmitEvents, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const session = { streamingSince: undefined as number | undefined };
      let error: AutohealError;
      try {
        await this.session(emit, signal, session, failures);
        error = new AutohealError(ErrorCode.IcingaUnavailable, 'Icinga ended the event stream', { retryable: true });
      } catch (err: unknown) {
        if (signal.aborted) return;
        error = asSourceError(err);
      }
      if (session.streamingSince !== undefined && this.clock.now() - session.streamingSince >= this.options.backoff.maxMs) failures = 0;
      failures += 1;
      const retryInMs = reconnectDelay(failures, this.options.backoff, this.random);
      const fields = { code: error.code, error: error.message, failures, retryInMs };
      // Credentials and permissions do not fix themselves: say so loudly, but keep retrying
      // (they may be fixed on the Icinga side without restarting autoheal).
      if (error.code === ErrorCode.IcingaUnauthorized || error.code === ErrorCode.IcingaRequestRejected) {
        this.log.error(fields, 'icinga event stream refused');
      } else {
        this.log.warn(fields, 'icinga event stream disconnected');
      }
      this.status({ kind: IcingaClientStatusKind.Disconnected, error, failures, retryInMs });
      await this.timers.sleep(retryInMs, signal);
    }
  }

  /** One connection: open, reconcile, read until it ends. Throws on failure. */
  private async session(emit: EmitEvents, signal: AbortSignal, session: { streamingSince: number | undefined }, failures: number): Promise<void> {
    const http = this.http!;
    const o = this.options;
    const connection = new AbortController();
    const onAbort = (): void => connection.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.status({ kind: IcingaClientStatusKind.Connecting, failures });
      this.log.debug({ url: o.url, failures }, 'icinga event stream connecting');
      const { response, disarm } = await http.open({
        method: 'POST',
        path: '/v1/events',
        body: { queue: o.queue, types: o.types, ...(o.filter === undefined ? {} : { filter: o.filter }) },
        signal: connection.signal,
        timeoutMs: o.connectTimeoutMs,
      });
      try {
        const statusCode = response.statusCode ?? 0;
        if (statusCode !== 200) {
          const text = await readBody(response, MAX_ERROR_BODY).catch(() => '');
          throw icingaHttpError(statusCode, text, 'POST', '/v1/events', o.user);
        }
      } finally {
        disarm();
      }
      this.status({ kind: IcingaClientStatusKind.Connected });
      this.log.info({ url: o.url, queue: o.queue }, 'icinga event stream connected');

      let reconciled: number | undefined;
      if (o.reconcile && o.types.includes(IcingaEventType.StateChange)) {
        const events = await this.reconcile(connection.signal);
        if (events !== undefined) {
          if (events.length > 0) await emit(events);
          reconciled = events.length;
          this.log.info({ events: events.length }, 'icinga reconcile done');
        }
      }
      session.streamingSince = this.clock.now();
      this.status({ kind: IcingaClientStatusKind.Streaming, reconciled });
      await this.consume(response, emit, connection);
    } finally {
      signal.removeEventListener('abort', onAbort);
      connection.abort();
    }
  }

  /**
   * The StateChange events of every current problem (services, then hosts), or undefined when
   * Icinga refuses the query or answers in an unexpected shape: retrying cannot fix that, and
   * dropping the stream for it would lose the live events too, so the stream goes on without.
   * @throws when Icinga is unreachable (the connection is then retried).
   */
  private async reconcile(signal: AbortSignal): Promise<readonly KeyedEvent<IcingaEvent>[] | undefined> {
    try {
      return await this.queryProblems(signal);
    } catch (err: unknown) {
      const error = asSourceError(err);
      if (error.code === ErrorCode.IcingaUnavailable || signal.aborted) throw err;
      this.log.error({ code: error.code, error: error.message }, 'icinga reconcile failed; streaming without it');
      return undefined;
    }
  }

  private async queryProblems(signal: AbortSignal): Promise<readonly KeyedEvent<IcingaEvent>[]> {
    const query = (path: string, attrs: readonly string[], filter: string): Promise<unknown> =>
      // POST with a method override keeps the filter out of the URL (and out of access logs).
      this.http!.requestJson({
        method: 'POST',
        path,
        headers: { 'X-HTTP-Method-Override': 'GET' },
        body: { attrs, filter },
        signal,
        timeoutMs: this.options.requestTimeoutMs,
      });
    const services = await query('/v1/objects/services', RECONCILE_SERVICE_ATTRS, this.options.reconcileServiceFilter);
    const hosts = await query('/v1/objects/hosts', RECONCILE_HOST_ATTRS, this.options.reconcileHostFilter);
    return [...reconcileProblems(services), ...reconcileProblems(hosts)];
  }

  /** Reads the stream until EOF; throws when it breaks or `emit` fails. */
  private async consume(response: IncomingMessage, emit: EmitEvents, connection: AbortController): Promise<void> {
    let lastByteAt = this.clock.now();
    let batch: KeyedEvent<IcingaEvent>[] = [];
    const decoder = new IcingaStreamDecoder({
      onEvent: (raw) => {
        for (const e of this.normalize(raw)) batch.push(e);
      },
      onError: (err) => this.log.warn({ code: err.code, error: err.message }, 'icinga stream line skipped'),
    });
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const out = batch;
      batch = [];
      try {
        await emit(out);
      } catch (err: unknown) {
        // The events are lost to this connection; the reconcile after reconnecting recovers
        // the problems among them.
        this.log.error({ code: asSourceError(err).code, error: errorText(err), events: out.length }, 'icinga events could not be queued');
        throw asSourceError(err);
      }
    };
    const probing = this.probeWhileSilent(connection.signal, () => lastByteAt, (err) => response.destroy(err));
    try {
      for await (const chunk of response) {
        lastByteAt = this.clock.now();
        decoder.push(chunk as Uint8Array);
        await flush();
      }
      decoder.end();
      await flush();
    } finally {
      connection.abort();
      await probing;
    }
  }

  private normalize(raw: Record<string, unknown>): readonly KeyedEvent<IcingaEvent>[] {
    try {
      const result = normalizeIcingaEvent(raw);
      if (result.kind === 'accepted') return result.events;
      this.log.debug({ reason: result.reason }, 'icinga event ignored');
    } catch (err: unknown) {
      // The message names paths and expected types, never payload values.
      this.log.warn({ code: asSourceError(err).code, error: errorText(err) }, 'icinga event invalid');
    }
    return [];
  }

  /**
   * After each `probe_interval` without a byte, asks Icinga on a new connection whether it is
   * there; kills the stream (`kill`) when it does not answer. Returns when `signal` aborts.
   */
  private async probeWhileSilent(signal: AbortSignal, lastByteAt: () => number, kill: (err: AutohealError) => void): Promise<void> {
    const interval = this.options.probeIntervalMs;
    if (interval <= 0) return;
    try {
      let probedAt: number | undefined;
      for (;;) {
        const since = Math.max(lastByteAt(), probedAt ?? 0);
        const wait = since + interval - this.clock.now();
        if (wait > 0) {
          await this.timers.sleep(wait, signal);
          continue;
        }
        probedAt = this.clock.now();
        const failure = await this.probe(signal);
        if (signal.aborted) return;
        this.status({ kind: IcingaClientStatusKind.Probe, ok: failure === undefined });
        if (failure !== undefined) {
          const silentMs = this.clock.now() - lastByteAt();
          kill(
            new AutohealError(ErrorCode.IcingaUnavailable, `event stream silent for ${silentMs} ms and Icinga did not answer a probe: ${failure.message}`, {
              retryable: true,
              cause: failure,
            }),
          );
          return;
        }
        this.log.debug({ silentMs: this.clock.now() - lastByteAt() }, 'icinga probe answered');
      }
    } catch {
      // Aborted while waiting: the connection is over.
    }
  }

  /** Undefined when Icinga answered (any HTTP status but 5xx), else why not. */
  private async probe(signal: AbortSignal): Promise<AutohealError | undefined> {
    try {
      await this.http!.requestJson({ method: 'GET', path: PROBE_PATH, signal, timeoutMs: this.options.requestTimeoutMs });
      return undefined;
    } catch (err: unknown) {
      const error = asSourceError(err);
      return error.code === ErrorCode.IcingaUnavailable ? error : undefined;
    }
  }
}

/**
 * An Icinga event stream source for `autoheal.icinga` rulebook arguments.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for bad arguments (resolveIcingaClientOptions).
 */
export function createIcingaSource(args: unknown, context: IcingaSourceContext, deps: IcingaClientDeps = {}): IcingaEventStreamClient {
  const options = resolveIcingaClientOptions(args, { ruleset: context.ruleset, hostname: context.hostname ?? osHostname() });
  return new IcingaEventStreamClient(options, deps);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
