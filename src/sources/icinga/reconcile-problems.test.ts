import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { normalizeIcingaEvent } from './normalize-icinga-event.js';
import { reconcileProblems } from './reconcile-problems.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(`${FIXTURES}icinga-${name}.json`, 'utf8')) as Record<string, unknown>;

function liveKey(body: unknown): string {
  const result = normalizeIcingaEvent(body);
  if (result.kind !== 'accepted') throw new Error('ignored');
  return result.events[0]!.dedupKey;
}

const checkResult = (state: number, end: number, stateType: number) => ({
  active: false, check_source: 'acc-harness', command: null, execution_end: end, execution_start: end, exit_status: 0,
  output: 'HTTP CRITICAL - 503 Service Unavailable', performance_data: null, previous_hard_state: 0, schedule_end: end,
  schedule_start: end, scheduling_source: 'localhost', state, ttl: 0, type: 'CheckResult',
  vars_after: { attempt: 1, reachable: true, state, state_type: stateType }, vars_before: null,
});

// `GET /v1/objects/services` as documented in wire-formats.md §3.6: {results: [{attrs, joins, meta, name, type}]}.
// The service went HARD CRITICAL at the recorded StateChange, then kept failing: its last
// check result is newer than the state change.
function servicesResponse() {
  return {
    results: [
      {
        attrs: {
          name: 'http', host_name: 'web01', state: 2, state_type: 1, acknowledgement: 0, downtime_depth: 0,
          last_check_result: checkResult(2, 1795304100.5, 1), last_hard_state_change: 1795303984.874391,
        },
        joins: {}, meta: {}, name: 'web01!http', type: 'Service',
      },
      {
        attrs: {
          name: 'ok-svc', host_name: 'web01', state: 0, state_type: 1, acknowledgement: 0, downtime_depth: 0,
          last_check_result: checkResult(0, 1795304100.6, 1), last_hard_state_change: 1795300000,
        },
        joins: {}, meta: {}, name: 'web01!ok-svc', type: 'Service',
      },
      {
        attrs: {
          name: 'pending', host_name: 'web02', state: 3, state_type: 0, acknowledgement: 0, downtime_depth: 0,
          last_check_result: null, last_hard_state_change: 0,
        },
        joins: {}, meta: {}, name: 'web02!pending', type: 'Service',
      },
      {
        attrs: {
          name: 'disk', host_name: 'web02', state: 1, state_type: 0, acknowledgement: 2, downtime_depth: 1,
          last_check_result: checkResult(1, 1795304200.25, 0), last_hard_state_change: 1795300000,
        },
        joins: {}, meta: {}, name: 'web02!disk', type: 'Service',
      },
    ],
  };
}

describe('reconcileProblems', () => {
  it('synthesizes one StateChange per problem, skipping OK and never-checked objects', () => {
    const events = reconcileProblems(servicesResponse());
    expect(events.map((e) => `${e.event.icinga.host}!${e.event.icinga.service}`)).toEqual(['web01!http', 'web02!disk']);
    const [http, disk] = events.map((e) => e.event);
    expect(http!.icinga).toMatchObject({
      type: 'StateChange', state: 2, state_text: 'CRITICAL', state_type: 'HARD', reconciled: true, acknowledgement: false, timestamp: 1795303984.874391,
    });
    expect(disk!.icinga).toMatchObject({ state_text: 'WARNING', state_type: 'SOFT', acknowledgement: true, downtime_depth: 1 });
    expect(http!.meta).toEqual({ hosts: ['web01'] });
  });

  it('keys a HARD problem exactly like the live StateChange that started it', () => {
    const [http] = reconcileProblems(servicesResponse());
    expect(http!.dedupKey).toBe(liveKey(sample('StateChange')));
  });

  it('keys a SOFT problem like the live StateChange of its last check result', () => {
    const disk = reconcileProblems(servicesResponse())[1]!;
    const live = {
      acknowledgement: true, check_result: checkResult(1, 1795304200.25, 0), downtime_depth: 1, host: 'web02', service: 'disk',
      state: 1, state_type: 0, timestamp: 1795304200.3, type: 'StateChange',
    };
    expect(disk.dedupKey).toBe(liveKey(live));
  });

  it('keys a DOWN host like its live StateChange, using the host state', () => {
    const live = sample('StateChange-host');
    const response = {
      results: [
        {
          attrs: {
            name: 'web01', state: 1, state_type: 1, acknowledgement: 0, downtime_depth: 0,
            last_check_result: { ...(live.check_result as object), execution_end: 1795304000 }, last_hard_state_change: 1795303985.39919,
          },
          joins: {}, meta: {}, name: 'web01', type: 'Host',
        },
      ],
    };
    const [host] = reconcileProblems(response);
    expect(host!.event.icinga).toMatchObject({ host: 'web01', state: 1, state_text: 'DOWN', state_type: 'HARD' });
    expect(host!.event.icinga.service).toBeUndefined();
    expect(host!.dedupKey).toBe(liveKey(live));
  });

  it('falls back to the service name in "host!service" when attrs lack it', () => {
    const response = servicesResponse();
    const first = response.results[0]!.attrs as Record<string, unknown>;
    delete first.name;
    delete first.host_name;
    expect(reconcileProblems(response)[0]!.dedupKey).toBe(liveKey(sample('StateChange')));
  });

  it('refuses a response without the needed attributes', () => {
    const response = servicesResponse();
    delete (response.results[0]!.attrs as Record<string, unknown>).state_type;
    let caught: unknown;
    try {
      reconcileProblems(response);
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.IcingaEventInvalid)).toBe(true);
    expect((caught as Error).message).toContain('$.results[0].attrs.state_type');
    expect(() => reconcileProblems({ error: 404 })).toThrow(/results/);
    expect(reconcileProblems({ results: [] })).toEqual([]);
  });
});
