/**
 * The Icinga 2 event stream client against a real `icinga2` daemon (Debian package `icinga2`):
 * one throwaway instance for the file, state changed through the real API, connections cut with
 * a TCP proxy or by restarting the daemon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../src/core/index.js';
import {
  IcingaClientStatusKind,
  createIcingaSource,
  type IcingaClientArgs,
  type IcingaClientStatus,
  type IcingaEvent,
  type IcingaEventStreamClient,
} from '../../src/sources/icinga/index.js';
import { SourceEndKind, systemTimers, type PluginEvent, type SourceLogger, type Timers } from '../../src/sources/plugin-source.js';
import { findIcinga2, startIcinga2, startTcpProxy, type Icinga2Server } from '../support/icinga2-server.js';

const BINARY = findIcinga2();
const SERVICES = ['live', 'reconnect', 'restart'] as const;

/** Collects what a client does and lets a test wait for a given item (bounded, no polling). */
class Recorder<T> {
  readonly items: T[] = [];
  private waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiters]) {
      if (w.match(item)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(item);
      }
    }
  }

  /** The first item (already seen from index `from`, or arriving) matching; fails after `ms`. */
  next(match: (item: T) => boolean, what: string, from = 0, ms = 10_000): Promise<T> {
    const seen = this.items.slice(from).find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({
        match,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      });
    });
  }

  count(match: (item: T) => boolean): number {
    return this.items.filter(match).length;
  }
}

interface LogCall {
  readonly level: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

function recordingLogger(calls: LogCall[]): SourceLogger {
  const at =
    (level: string) =>
    (fields: Readonly<Record<string, unknown>>, message: string): void => {
      calls.push({ level, fields, message });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

interface Harness {
  readonly client: IcingaEventStreamClient;
  readonly events: Recorder<PluginEvent & { readonly event: IcingaEvent }>;
  readonly statuses: Recorder<IcingaClientStatus>;
  readonly logs: LogCall[];
}

const open: IcingaEventStreamClient[] = [];

async function startClient(server: Icinga2Server, args: Partial<IcingaClientArgs> = {}, deps: { timers?: Timers; random?: () => number } = {}): Promise<Harness> {
  const events = new Recorder<PluginEvent & { readonly event: IcingaEvent }>();
  const statuses = new Recorder<IcingaClientStatus>();
  const logs: LogCall[] = [];
  const client = createIcingaSource(
    {
      url: server.url,
      user: server.user,
      password_env: 'TEST_ICINGA_PASSWORD',
      ca_file: server.caFile,
      tls_server_name: 'localhost',
      types: ['CheckResult', 'StateChange'],
      backoff_min: 0.05,
      backoff_max: 0.4,
      ...args,
    },
    { ruleset: 'icinga-it', hostname: 'test' },
    {
      env: { TEST_ICINGA_PASSWORD: server.password },
      logger: recordingLogger(logs),
      onStatus: (s) => statuses.push(s),
      ...deps,
    },
  );
  open.push(client);
  await client.start(async (batch) => {
    for (const e of batch) events.push(e as PluginEvent & { readonly event: IcingaEvent });
  });
  return { client, events, statuses, logs };
}

const isStreaming = (s: IcingaClientStatus): boolean => s.kind === IcingaClientStatusKind.Streaming;
const isDisconnected = (s: IcingaClientStatus): boolean => s.kind === IcingaClientStatusKind.Disconnected;
const stateChangeOf =
  (service: string, state: number) =>
  (e: { readonly event: IcingaEvent }): boolean =>
    e.event.icinga.type === 'StateChange' && e.event.icinga.service === service && e.event.icinga.state === state;

describe.skipIf(BINARY === undefined)(
  `Icinga 2 event stream client against a real icinga2${BINARY === undefined ? ' (SKIPPED: no icinga2 binary; apt-get install icinga2)' : ''}`,
  () => {
    let server: Icinga2Server;

    beforeAll(async () => {
      server = await startIcinga2({ services: SERVICES });
    }, 30_000);

    afterAll(async () => {
      await Promise.all(open.map((c) => c.close()));
      await server?.stop();
    }, 30_000);

    it('delivers a passive check result submitted through the API as normalized events with dedup keys', async () => {
      const h = await startClient(server);
      await h.statuses.next(isStreaming, 'the stream');
      await server.processCheckResult('live', 2, 'PROCS CRITICAL: 0 processes\nlong output');

      const change = await h.events.next(stateChangeOf('live', 2), 'the StateChange event');
      const check = await h.events.next((e) => e.event.icinga.type === 'CheckResult' && e.event.icinga.service === 'live', 'the CheckResult event');
      expect(change.event.icinga).toMatchObject({
        type: 'StateChange',
        host: 'web01',
        service: 'live',
        state: 2,
        state_text: 'CRITICAL',
        state_type: 'HARD',
        output: 'PROCS CRITICAL: 0 processes\nlong output',
      });
      expect(change.event.icinga.reconciled).toBeUndefined();
      expect(change.event.meta).toEqual({ hosts: ['web01'] });
      // §3.4: passive results carry exit_status 0; the state is in check_result.state.
      expect(change.event.payload).toMatchObject({ check_result: { exit_status: 0, state: 2, check_source: 'autoheal-test' } });
      const end = change.event.icinga.execution_end;
      expect(change.dedupKey).toBe(`icinga:StateChange:web01:live:${end}:2:1`);
      expect(check.dedupKey).toBe(`icinga:CheckResult:web01:live:${end}:2:1`);

      await h.client.close();
      expect(await h.client.done).toEqual({ kind: SourceEndKind.Closed });
      expect(JSON.stringify(h.logs)).not.toContain(server.password);
    });

    it('reconnects by itself after its connection is cut and reconciles a problem that started meanwhile, with the live key', async () => {
      const proxy = await startTcpProxy(server.port);
      try {
        const direct = await startClient(server);
        const proxied = await startClient(server, { url: `https://127.0.0.1:${proxy.port}` });
        await direct.statuses.next(isStreaming, 'the direct stream');
        await proxied.statuses.next(isStreaming, 'the proxied stream');

        proxy.block();
        const lost = (await proxied.statuses.next(isDisconnected, 'the cut')) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
        expect(lost.error.code).toBe(ErrorCode.IcingaUnavailable);

        await server.processCheckResult('reconnect', 2, 'CRITICAL while the other client was away');
        const live = await direct.events.next(stateChangeOf('reconnect', 2), 'the live StateChange');
        const before = proxied.statuses.items.length;
        proxy.unblock();

        const reconciled = await proxied.events.next(stateChangeOf('reconnect', 2), 'the reconciled StateChange');
        expect(reconciled.event.icinga.reconciled).toBe(true);
        expect(reconciled.event.icinga.state_type).toBe('HARD');
        // Same key as the live event: the queue makes one remediation out of the two clients' events.
        expect(reconciled.dedupKey).toBe(live.dedupKey);
        await proxied.statuses.next(isStreaming, 'the proxied stream again', before);
        // The live event never reached the cut client.
        expect(proxied.events.items.some((e) => stateChangeOf('reconnect', 2)(e) && e.event.icinga.reconciled !== true)).toBe(false);
        await Promise.all([direct.client.close(), proxied.client.close()]);
      } finally {
        await proxy.close();
      }
    });

    it('reconnects after the daemon restarts and then receives new events', async () => {
      const h = await startClient(server, { reconcile: false });
      await h.statuses.next(isStreaming, 'the stream');
      await server.restart();
      const lost = (await h.statuses.next(isDisconnected, 'the end of the stream')) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
      expect(lost.error.code).toBe(ErrorCode.IcingaUnavailable);
      const from = h.statuses.items.indexOf(lost);
      await h.statuses.next(isStreaming, 'the stream after the restart', from);

      await server.processCheckResult('restart', 1, 'WARNING after restart');
      const change = await h.events.next(stateChangeOf('restart', 1), 'the StateChange after the restart');
      expect(change.event.icinga.state_text).toBe('WARNING');
      await h.client.close();
    });

    it('reports a certificate name mismatch with a hint to the TLS options', async () => {
      const h = await startClient(server, { tls_server_name: undefined });
      const lost = (await h.statuses.next(isDisconnected, 'the TLS failure')) as Extract<IcingaClientStatus, { kind: 'disconnected' }>;
      await h.client.close();
      expect(lost.error.code).toBe(ErrorCode.IcingaUnavailable);
      expect(lost.error.message).toMatch(/^cannot reach Icinga \(POST https:\/\/127\.0\.0\.1:\d+\/v1\/events\): .*\[ERR_TLS_CERT_ALTNAME_INVALID\] \(check ca_file and tls_server_name\)$/);
    });

    it('reports bad credentials clearly and backs off instead of retrying in a hot loop', async () => {
      const waits: number[] = [];
      const timers: Timers = {
        sleep: (ms, signal) => {
          waits.push(ms);
          return systemTimers.sleep(ms, signal);
        },
      };
      const wrong = 'definitely-not-the-password';
      const h = await startClient(server, { password: wrong, password_env: undefined, backoff_min: 0.05, backoff_max: 0.2 }, { timers, random: () => 0.999_999 });
      for (let i = 0; i < 4; i += 1) await h.statuses.next((s) => isDisconnected(s) && (s as { failures: number }).failures === i + 1, `failure ${i + 1}`);
      await h.client.close();

      const failures = h.statuses.items.filter(isDisconnected) as Extract<IcingaClientStatus, { kind: 'disconnected' }>[];
      for (const f of failures) {
        expect(f.error).toBeInstanceOf(AutohealError);
        expect(f.error.code).toBe(ErrorCode.IcingaUnauthorized);
        expect(f.error.message).toBe(
          'Icinga rejected the credentials of ApiUser "autoheal" (401 Unauthorized): Unauthorized. Please check your user credentials.',
        );
      }
      // Every attempt after the first waited its backoff first, and the waits grew to the cap.
      const connects = h.statuses.count((s) => s.kind === IcingaClientStatusKind.Connecting);
      expect(connects).toBeLessThanOrEqual(failures.length + 1);
      expect(failures.slice(0, 4).map((f) => f.retryInMs)).toEqual([50, 100, 200, 200]);
      // (The other waits are the 10 s connect timeouts, which never fired.)
      expect(waits.filter((ms) => ms < 10_000).slice(0, 4)).toEqual([50, 100, 200, 200]);
      expect(h.statuses.count((s) => s.kind === IcingaClientStatusKind.Connected)).toBe(0);
      const logged = JSON.stringify(h.logs);
      expect(logged).toContain('icinga event stream refused');
      expect(logged).not.toContain(wrong);
      expect(logged).not.toContain(Buffer.from(`autoheal:${wrong}`).toString('base64'));
    });
  },
);
