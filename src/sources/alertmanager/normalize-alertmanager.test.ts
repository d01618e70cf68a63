import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { InvalidPayloadError } from '../invalid-payload-error.js';
import {
  DEFAULT_ALERTMANAGER_OPTIONS,
  normalizeAlertmanager,
  resolveAlertmanagerOptions,
  type AlertmanagerAlertEvent,
  type AlertmanagerBodyEvent,
} from './normalize-alertmanager.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
interface Recorded {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}
const recorded = (name: string): Recorded => JSON.parse(readFileSync(FIXTURES + name, 'utf8')) as Recorded;
const firing = recorded('alertmanager-firing.json');
const resolved = recorded('alertmanager-resolved.json');

const request = (r: Recorded, body: unknown = r.body) => ({ endpoint: r.path.slice(1), headers: r.headers, body });

/** A body with two alerts, shaped like wire-formats.md §1.1. */
function twoAlerts(): Record<string, unknown> {
  const base = structuredClone(firing.body) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
  const second = {
    ...structuredClone(base.alerts[0]),
    labels: { alertname: 'AccHttpDown', instance: 'web02:9100', service: 'http', severity: 'critical' },
    fingerprint: 'aaaabbbbccccdddd',
  };
  base.alerts.push(second as Record<string, unknown>);
  return base;
}

describe('normalizeAlertmanager', () => {
  it('turns the recorded firing webhook into the whole-body event then one event per alert', () => {
    const { events } = normalizeAlertmanager(request(firing));
    expect(events).toHaveLength(2);
    const body = events[0]!.event as AlertmanagerBodyEvent;
    expect(body.payload).toEqual(firing.body);
    expect(body.meta.endpoint).toBe('alertmanager');
    const alert = events[1]!.event as AlertmanagerAlertEvent;
    expect(alert.alert).toEqual((firing.body.alerts as unknown[])[0]);
    expect(alert.meta).toEqual({
      endpoint: 'alertmanager',
      headers: { host: '127.0.0.1:18080', 'user-agent': 'Alertmanager/0.25.0', 'content-length': '702', 'content-type': 'application/json' },
      hosts: ['web01'],
    });
    expect(events[1]!.dedupKey).toBe('am:13a8d24f6effc9ac:firing:2026-11-21T23:32:57.289Z');
  });

  it('never copies the Authorization header into any event, whatever its capitalisation', () => {
    const headers = { ...firing.headers, authorization: undefined, Authorization: 'Bearer acc-bearer-token-1', 'X-Custom': 'kept' };
    const { events } = normalizeAlertmanager({ endpoint: 'am', headers, body: firing.body });
    for (const { event } of events) {
      expect(JSON.stringify(event)).not.toContain('acc-bearer-token-1');
      expect(event.meta.headers['X-Custom']).toBe('kept');
    }
  });

  it('gives the resolved notification of the same alert a different key, and a retry the same keys', () => {
    const a = normalizeAlertmanager(request(firing)).events.map((e) => e.dedupKey);
    const again = normalizeAlertmanager(request(firing)).events.map((e) => e.dedupKey);
    const b = normalizeAlertmanager(request(resolved)).events.map((e) => e.dedupKey);
    expect(again).toEqual(a);
    expect(b[1]).toBe('am:13a8d24f6effc9ac:resolved:2026-11-21T23:32:57.289Z');
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
  });

  it('normalises both raw recorded requests of the jsonl capture', () => {
    const lines = readFileSync(FIXTURES + 'alertmanager-webhooks.jsonl', 'utf8').trim().split('\n');
    const statuses = lines.map((line) => {
      const rec = JSON.parse(line) as { path: string; headers: Record<string, string>; body: string };
      const { events } = normalizeAlertmanager({ endpoint: rec.path.slice(1), headers: rec.headers, body: JSON.parse(rec.body) });
      return (events[1]!.event as AlertmanagerAlertEvent).meta.hosts.concat(events.length.toString(), events[1]!.dedupKey.split(':')[2]!);
    });
    expect(statuses).toEqual([
      ['web01', '2', 'firing'],
      ['web01', '2', 'resolved'],
    ]);
  });

  it('keys the whole-body event by the set of alert states, not by groupKey', () => {
    const one = normalizeAlertmanager(request(firing)).events[0]!.dedupKey;
    const two = normalizeAlertmanager(request(firing, twoAlerts())).events[0]!.dedupKey;
    const reordered = twoAlerts() as { alerts: unknown[] };
    reordered.alerts.reverse();
    expect(two).not.toBe(one);
    expect(normalizeAlertmanager(request(firing, reordered)).events[0]!.dedupKey).toBe(two);
    expect(one).toMatch(/^am:group:[0-9a-f]{64}$/);
  });

  it('strips the port from the host and yields no host when the path is missing or not a string', () => {
    const body = twoAlerts() as { alerts: Record<string, unknown>[] };
    body.alerts.push({ ...body.alerts[0], labels: { alertname: 'NoInstance' }, fingerprint: 'ffff000011112222' });
    const hosts = normalizeAlertmanager(request(firing, body)).events.slice(1).map((e) => (e.event as AlertmanagerAlertEvent).meta.hosts);
    expect(hosts).toEqual([['web01'], ['web02'], []]);
  });

  it('honours skip_original_data, data_host_path "" and a custom separator', () => {
    const options = resolveAlertmanagerOptions({ skip_original_data: true, data_host_path: 'labels/service', data_path_separator: '/' });
    const { events } = normalizeAlertmanager(request(firing), options);
    expect(events).toHaveLength(1);
    expect((events[0]!.event as AlertmanagerAlertEvent).meta.hosts).toEqual(['http']);
    const none = normalizeAlertmanager(request(firing), { ...DEFAULT_ALERTMANAGER_OPTIONS, dataHostPath: '' });
    expect((none.events[1]!.event as AlertmanagerAlertEvent).meta.hosts).toEqual([]);
  });

  it('treats the whole body as one alert when data_alerts_path is "" and keys it by content', () => {
    const { events } = normalizeAlertmanager(request(firing), resolveAlertmanagerOptions({ data_alerts_path: '' }));
    expect(events).toHaveLength(2);
    expect((events[1]!.event as AlertmanagerAlertEvent).alert).toEqual(firing.body);
    expect(events[1]!.dedupKey).toMatch(/^am:alert-sha256:[0-9a-f]{64}$/);
  });

  it('wraps a non-list value at data_alerts_path and yields no alert events when the path is missing', () => {
    const single = normalizeAlertmanager(request(firing), resolveAlertmanagerOptions({ data_alerts_path: 'alerts.0' }));
    expect(single.events).toHaveLength(2);
    expect((single.events[1]!.event as AlertmanagerAlertEvent).alert).toEqual((firing.body.alerts as unknown[])[0]);
    const missing = normalizeAlertmanager(request(firing), resolveAlertmanagerOptions({ data_alerts_path: 'nope' }));
    expect(missing.events).toHaveLength(1);
  });

  it('refuses a body that is not a version-4 webhook, listing every problem', () => {
    const bad = { ...firing.body, version: 3, status: 'weird', alerts: [{ status: 'firing', labels: { a: 1 } }] };
    let caught: unknown;
    try {
      normalizeAlertmanager(request(firing, bad));
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.WebhookInvalidPayload)).toBe(true);
    const paths = (caught as InvalidPayloadError).problems.map((p) => p.path);
    expect(paths).toEqual([
      '$.version',
      '$.status',
      '$.alerts[0].labels.a',
      '$.alerts[0].annotations',
      '$.alerts[0].startsAt',
      '$.alerts[0].endsAt',
      '$.alerts[0].fingerprint',
    ]);
    expect(() => normalizeAlertmanager(request(firing, [1, 2]))).toThrow(InvalidPayloadError);
  });

  it('accepts fields newer Alertmanagers add', () => {
    const body = { ...firing.body, notification_reason: 'new_alert', routeLabels: { team: 'ops' } };
    expect(normalizeAlertmanager(request(firing, body)).events).toHaveLength(2);
  });

  it('rejects source arguments of the wrong type', () => {
    expect(() => resolveAlertmanagerOptions({ data_host_path: 5 })).toThrow(/data_host_path must be a string/);
    expect(() => resolveAlertmanagerOptions({ skip_original_data: 'yes' })).toThrow(/skip_original_data/);
    expect(resolveAlertmanagerOptions({ host: '0.0.0.0', port: 5050 })).toEqual(DEFAULT_ALERTMANAGER_OPTIONS);
  });
});
