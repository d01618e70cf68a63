import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import type { InvalidPayloadError } from '../invalid-payload-error.js';
import type { KeyedEvent } from '../source-event.js';
import { normalizeIcingaEvent, type IcingaEvent } from './normalize-icinga-event.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${FIXTURES}icinga-${name}.json`, 'utf8')) as Record<string, unknown>;
const streamLines = readFileSync(`${FIXTURES}icinga-stream-sample.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

function one(body: unknown): KeyedEvent<IcingaEvent> {
  const result = normalizeIcingaEvent(body);
  if (result.kind !== 'accepted') throw new Error(result.reason);
  return result.events[0]!;
}

// Written from the documented shape (wire-formats.md §3.4); the recorded stream has no downtime.
const downtime = {
  __name: 'web01!rsyslog!2bb9df7e-70e5-4d4b-9471-efc4251e0d78', author: 'autoheal', authoritative_zone: '', comment: 'restarting rsyslog',
  config_owner: '', config_owner_hash: '', duration: 0, end_time: 1795301980, entry_time: 1795301380.425352, fixed: true, host_name: 'web01',
  legacy_id: 1, name: '2bb9df7e-70e5-4d4b-9471-efc4251e0d78', package: '_api', parent: '', remove_time: 0, scheduled_by: '',
  service_name: 'rsyslog', source_location: {}, start_time: 1795301380, templates: ['2bb9df7e-70e5-4d4b-9471-efc4251e0d78'],
  trigger_time: 0, triggered_by: '', triggers: [], type: 'Downtime', version: 1795301380.425374, zone: '',
};

describe('normalizeIcingaEvent', () => {
  it('normalises every recorded sample file and every line of the recorded stream', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.startsWith('icinga-') && f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) {
      const body = JSON.parse(readFileSync(FIXTURES + f, 'utf8')) as Record<string, unknown>;
      const { event, dedupKey } = one(body);
      expect(event.payload).toBe(body);
      expect(event.icinga.type).toBe(body.type);
      expect(dedupKey.startsWith(`icinga:${String(body.type)}:`)).toBe(true);
    }
    const keys = streamLines.map((l) => one(l).dedupKey);
    // Every recorded event is distinct, so no two may share a key.
    expect(new Set(keys).size).toBe(streamLines.length);
  });

  it('reads the state of a passive CheckResult from check_result.state, not exit_status', () => {
    const { event, dedupKey } = one(sample('CheckResult'));
    expect(event.icinga).toEqual({
      type: 'CheckResult', host: 'web01', service: 'http', state: 2, state_text: 'CRITICAL', state_type: 'HARD',
      output: 'HTTP CRITICAL - 503 Service Unavailable', execution_end: 1795303984.874391, acknowledgement: false, downtime_depth: 0,
      timestamp: 1795303984.874445, timestamp_iso: '2026-11-21T23:33:04.874445Z',
    });
    expect(event.meta).toEqual({ hosts: ['web01'] });
    expect(dedupKey).toBe('icinga:CheckResult:web01:http:1795303984.874391:2:1');
  });

  it('lifts a service StateChange and keys it by execution_end, state and state type', () => {
    const { event, dedupKey } = one(sample('StateChange'));
    expect(event.icinga).toMatchObject({ state: 2, state_text: 'CRITICAL', state_type: 'HARD', service: 'http' });
    expect(dedupKey).toBe('icinga:StateChange:web01:http:1795303984.874391:2:1');
  });

  it('gives host events no service and the host state UP/DOWN', () => {
    const { event, dedupKey } = one(sample('StateChange-host'));
    expect('service' in event.icinga).toBe(false);
    expect(event.icinga).toMatchObject({ host: 'web01', state: 1, state_text: 'DOWN', state_type: 'HARD', output: 'PING CRITICAL - 100% packet loss' });
    expect(dedupKey).toBe('icinga:StateChange:web01::1795303985.39919:1:1');
    const hostCheck = streamLines.find((l) => l.type === 'CheckResult' && l.service === undefined)!;
    const cr = one(hostCheck).event.icinga;
    expect(cr.service).toBeUndefined();
    expect(cr.state_text).toBe((hostCheck.check_result as { state: number }).state >= 2 ? 'DOWN' : 'UP');
  });

  it('lifts notifications and keeps two notification objects for one result apart', () => {
    const body = sample('Notification');
    const { event, dedupKey } = one(body);
    expect(event.icinga).toMatchObject({
      notification_type: 'PROBLEM', users: ['acc-oncall'], state: 2, state_text: 'CRITICAL', state_type: 'HARD', author: '', comment: '',
    });
    expect(dedupKey).toMatch(/^icinga:Notification:web01:http:PROBLEM:[0-9a-f]{16}:1795303984\.874391$/);
    const other = one({ ...body, command: 'chat-notify', users: ['chat'], timestamp: 1795303999 }).dedupKey;
    expect(other).not.toBe(dedupKey);
    // Another HA endpoint emits the same notification with its own timestamp: same key.
    expect(one({ ...body, timestamp: 1795303990.5 }).dedupKey).toBe(dedupKey);
    expect(one(sample('Notification-recovery')).event.icinga.state_text).toBe('OK');
  });

  it('lifts acknowledgement set and cleared events', () => {
    const set = one(sample('AcknowledgementSet'));
    expect(set.event.icinga).toMatchObject({ author: 'acc-harness', comment: 'auto-remediation in progress', expiry: 0, state: 2, state_type: 'HARD' });
    expect(set.dedupKey).toBe('icinga:AcknowledgementSet:web01:http:acc-harness:auto-remediation in progress:0');
    const cleared = one(sample('AcknowledgementCleared'));
    expect(cleared.event.icinga).toMatchObject({ state: 0, state_text: 'OK' });
    expect(cleared.dedupKey).toBe('icinga:AcknowledgementCleared:web01:http:1795303985');
  });

  it('lifts comments and keys them by the comment name', () => {
    const { event, dedupKey } = one(sample('CommentAdded'));
    expect(event.icinga).toMatchObject({
      host: 'web01', service: 'http', author: 'acc-harness', comment: 'auto-remediation in progress',
      name: 'web01!http!625473a8-459f-40b8-a3a7-83406d1530e5',
    });
    expect(dedupKey).toBe('icinga:CommentAdded:web01!http!625473a8-459f-40b8-a3a7-83406d1530e5');
    const removed = streamLines.find((l) => l.type === 'CommentRemoved')!;
    expect(one(removed).dedupKey).toBe('icinga:CommentRemoved:web01!http!625473a8-459f-40b8-a3a7-83406d1530e5');
  });

  it('lifts the four downtime events, keying Triggered by its trigger time', () => {
    const keys = ['DowntimeAdded', 'DowntimeStarted', 'DowntimeRemoved'].map((type) => one({ downtime, timestamp: 1795301380.43, type }).dedupKey);
    expect(keys).toEqual([
      'icinga:DowntimeAdded:web01!rsyslog!2bb9df7e-70e5-4d4b-9471-efc4251e0d78',
      'icinga:DowntimeStarted:web01!rsyslog!2bb9df7e-70e5-4d4b-9471-efc4251e0d78',
      'icinga:DowntimeRemoved:web01!rsyslog!2bb9df7e-70e5-4d4b-9471-efc4251e0d78',
    ]);
    const triggered = one({ downtime: { ...downtime, trigger_time: 1795301380.44 }, timestamp: 1795301380.45, type: 'DowntimeTriggered' });
    expect(triggered.dedupKey).toBe('icinga:DowntimeTriggered:web01!rsyslog!2bb9df7e-70e5-4d4b-9471-efc4251e0d78:1795301380.44');
    expect(triggered.event.icinga).toMatchObject({ host: 'web01', service: 'rsyslog', author: 'autoheal', comment: 'restarting rsyslog' });
    const hostDowntime = one({ downtime: { ...downtime, service_name: '', __name: 'web01!x' }, timestamp: 1, type: 'DowntimeAdded' });
    expect(hostDowntime.event.icinga.service).toBeUndefined();
  });

  it('ignores event types it does not handle', () => {
    expect(normalizeIcingaEvent({ type: 'ObjectCreated', object_name: 'x', object_type: 'Comment', timestamp: 1 }).kind).toBe('ignored');
    expect(normalizeIcingaEvent({ type: 'Flapping', host: 'h', timestamp: 1 })).toEqual({
      kind: 'ignored',
      reason: 'unsupported Icinga event type "Flapping"',
    });
  });

  it('refuses malformed events, listing what is wrong', () => {
    const body = sample('StateChange');
    delete body.state_type;
    body.check_result = { state: '2' };
    let caught: unknown;
    try {
      normalizeIcingaEvent(body);
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.IcingaEventInvalid)).toBe(true);
    expect((caught as InvalidPayloadError).problems.map((p) => p.path)).toEqual([
      '$.check_result.state',
      '$.check_result.execution_end',
      '$.state_type',
    ]);
    expect(() => normalizeIcingaEvent({ timestamp: 1 })).toThrow(/\$\.type/);
    expect(() => normalizeIcingaEvent(null)).toThrow(/expected an object/);
    expect(() => normalizeIcingaEvent({ type: 'CommentAdded', timestamp: 1 })).toThrow(/\$\.comment/);
  });
});
