import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { printEventOutput } from './print-event-output.js';

const AT = Date.UTC(2026, 6, 23, 10, 11, 12, 123);
const OPTS = { clock: new ManualClock(AT), utcOffsetMinutes: 0 };
const HEADER = '\n** 2026-07-23 10:11:12.123000 [event] ******************************************\n';
const CLOSE = '*'.repeat(80) + '\n';
const E1 = { i: 1, meta: { hosts: 'web1' }, payload: { k: 'v' } };
const E2 = { i: 2, meta: { hosts: ['db1', 'db2'] } };

describe('printEventOutput', () => {
  it('prints a single match as the event repr', () => {
    const text = printEventOutput({ bindings: { m: { action: 'print_event', ok: true, none: null, msg: "it's" } } }, {}, OPTS);
    expect(text).toBe(HEADER + `{'action': 'print_event', 'ok': True, 'none': None, 'msg': "it's"}\n` + CLOSE);
  });

  it('prints a multi match as the events dict', () => {
    const text = printEventOutput({ bindings: { m_0: E1, m_1: E2 } }, {}, OPTS);
    expect(text).toBe(HEADER + "{'m_0': {'i': 1, 'meta': {'hosts': 'web1'}, 'payload': {'k': 'v'}}, 'm_1': {'i': 2, 'meta': {'hosts': ['db1', 'db2']}}}\n" + CLOSE);
  });

  it('pretty-prints with pprint.pformat (sorted keys, wrapped at 80)', () => {
    const event = {
      meta: { uuid: 'abc' },
      alert: { status: 'firing', labels: { severity: 'critical', alertname: 'HighCPU', instance: 'web-01.example.com:9100' } },
    };
    const text = printEventOutput({ bindings: { m: event } }, { pretty: true }, { ...OPTS, width: 120 });
    expect(text).toBe(
      '\n** 2026-07-23 10:11:12.123000 [event] ' +
        '*'.repeat(82) +
        '\n' +
        "{'alert': {'labels': {'alertname': 'HighCPU',\n" +
        "                      'instance': 'web-01.example.com:9100',\n" +
        "                      'severity': 'critical'},\n" +
        "           'status': 'firing'},\n" +
        " 'meta': {'uuid': 'abc'}}\n" +
        '*'.repeat(120) +
        '\n',
    );
  });

  it('applies a var_root path to a single event', () => {
    expect(printEventOutput({ bindings: { m: E1 } }, { var_root: 'payload' }, OPTS)).toBe(HEADER + "{'k': 'v'}\n" + CLOSE);
    // A path that finds nothing keeps the whole event, as upstream.
    expect(printEventOutput({ bindings: { m: E1 } }, { var_root: 'nope' }, OPTS)).toBe(HEADER + "{'i': 1, 'meta': {'hosts': 'web1'}, 'payload': {'k': 'v'}}\n" + CLOSE);
  });

  it('adds var_root mapping entries to a multi match', () => {
    const text = printEventOutput({ bindings: { m_0: E1, m_1: E2 } }, { var_root: { payload: 'p' } }, OPTS);
    expect(text).toBe(
      HEADER + "{'m_0': {'i': 1, 'meta': {'hosts': 'web1'}, 'payload': {'k': 'v'}}, 'm_1': {'i': 2, 'meta': {'hosts': ['db1', 'db2']}}, 'p': {'k': 'v'}}\n" + CLOSE,
    );
  });

  it('prints a variable named events instead of a single event (upstream quirk)', () => {
    const text = printEventOutput({ bindings: { m: E1 } }, { pretty: false }, { ...OPTS, vars: { events: [1, 2] } });
    expect(text).toBe(HEADER + '[1, 2]\n' + CLOSE);
  });
});
