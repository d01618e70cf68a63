import { describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock, hasErrorCode } from '../../core/index.js';
import { debugOutput, type DebugContext } from './debug-output.js';

const AT = Date.UTC(2026, 6, 23, 10, 11, 12, 123);
const OPTS = { clock: new ManualClock(AT), utcOffsetMinutes: 0 };
const CLOSE = '*'.repeat(80) + '\n';
const DEBUG = '\n** 2026-07-23 10:11:12.123000 [debug] ******************************************\n';
const EVENT = {
  action: 'debug',
  meta: { hosts: 'web1', source: { name: 'generic', type: 'generic' }, uuid: '1f0c6b2e-0000-4000-8000-000000000001' },
};
const FIRED = { ruleset: 'Test actions sanity', rule: 'debug', bindings: { m: EVENT }, at: AT };
const CONTEXT: DebugContext = {
  vars: { DEFAULT_EVENT_DELAY: '1', api_token: 'hunter2', retries: 3 },
  ruleUuid: 'u-rule',
  rulesetUuid: 'u-rs',
  inventory: 'inv.ini',
  hosts: ['all'],
  facts: [{ status: 'up', db_password: 'p' }],
};

describe('debugOutput msg', () => {
  it('prints one banner per message, rendered with masked vars', () => {
    const text = debugOutput(FIRED, { msg: ['Sequential action #3: debug', 'token={{ api_token }} i={{ event.action }}'] }, CONTEXT, OPTS);
    expect(text).toBe(DEBUG + 'Sequential action #3: debug\n' + CLOSE + DEBUG + 'token=****** i=debug\n' + CLOSE);
  });

  it('prints non-string messages with str() and a None message as the title alone', () => {
    expect(debugOutput(FIRED, { msg: '{{ event.meta.source }}' }, CONTEXT, OPTS)).toBe(DEBUG + "{'name': 'generic', 'type': 'generic'}\n" + CLOSE);
    expect(debugOutput(FIRED, { msg: null }, CONTEXT, OPTS)).toBe(DEBUG);
  });
});

describe('debugOutput var', () => {
  it('prints "<var>: <value>" looked up by dotted path, braces optional', () => {
    expect(debugOutput(FIRED, { var: 'event.meta.source.name' }, CONTEXT, OPTS)).toBe(DEBUG + 'event.meta.source.name: generic\n' + CLOSE);
    expect(debugOutput(FIRED, { var: '{{ event.meta }}' }, CONTEXT, OPTS)).toBe(
      DEBUG + "event.meta: {'hosts': 'web1', 'source': {'name': 'generic', 'type': 'generic'}, 'uuid': '1f0c6b2e-0000-4000-8000-000000000001'}\n" + CLOSE,
    );
    expect(debugOutput(FIRED, { var: 'api_token' }, CONTEXT, OPTS)).toBe(DEBUG + 'api_token: ******\n' + CLOSE);
  });

  it('indexes lists with numeric segments', () => {
    const fired = { ...FIRED, bindings: { m: { items: [{ n: 'a' }, { n: 'b' }] } } };
    expect(debugOutput(fired, { var: 'event.items.1.n' }, CONTEXT, OPTS)).toBe(DEBUG + 'event.items.1.n: b\n' + CLOSE);
  });

  it('fails with AH_DEBUG_VAR_NOT_FOUND for a missing path', () => {
    let caught: unknown;
    try {
      debugOutput(FIRED, { var: 'event.nope' }, CONTEXT, OPTS);
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.DebugVarNotFound)).toBe(true);
    expect((caught as Error).message).toBe('Key event.nope not found in variable pool');
  });
});

describe('debugOutput without arguments', () => {
  it('dumps kwargs and facts with pprint, vars masked and meta.hosts as hosts', () => {
    const text = debugOutput(FIRED, {}, CONTEXT, OPTS);
    expect(text).toBe(
      '\n** 2026-07-23 10:11:12.123000 [debug: kwargs] **********************************\n' +
        "{'hosts': ['web1'],\n" +
        " 'inventory': 'inv.ini',\n" +
        " 'project_data_file': None,\n" +
        " 'rule': 'debug',\n" +
        " 'rule_run_at': '2026-07-23T10:11:12.123000Z',\n" +
        " 'rule_set': 'Test actions sanity',\n" +
        " 'rule_set_uuid': 'u-rs',\n" +
        " 'rule_uuid': 'u-rule',\n" +
        " 'variables': {'DEFAULT_EVENT_DELAY': '1',\n" +
        "               'api_token': '******',\n" +
        "               'event': {'action': 'debug',\n" +
        "                         'meta': {'hosts': 'web1',\n" +
        "                                  'source': {'name': 'generic',\n" +
        "                                             'type': 'generic'},\n" +
        "                                  'uuid': '1f0c6b2e-0000-4000-8000-000000000001'}},\n" +
        "               'retries': 3}}\n" +
        CLOSE +
        '\n** 2026-07-23 10:11:12.123000 [debug: facts] ***********************************\n' +
        // Upstream masks the variables only; facts print as stored.
        "[{'db_password': 'p', 'status': 'up'}]\n" +
        CLOSE,
    );
  });

  it('keeps the ruleset hosts when no matched event has meta.hosts', () => {
    const fired = { ...FIRED, bindings: { m_0: { i: 1 }, m_1: { i: 2 } } };
    const text = debugOutput(fired, {}, { ...CONTEXT, ruleRunAt: 'T' }, OPTS);
    expect(text).toContain("{'hosts': ['all'],\n");
    expect(text).toContain(" 'rule_run_at': 'T',\n");
    expect(text).toContain("'events': {'m_0': {'i': 1}, 'm_1': {'i': 2}}");
  });

  it('concatenates meta.hosts of a multi match, duplicates kept', () => {
    const fired = { ...FIRED, bindings: { m_0: { meta: { hosts: ['a', 'b'] } }, m_1: { meta: { hosts: 'a' } } } };
    expect(debugOutput(fired, {}, CONTEXT, OPTS)).toContain("{'hosts': ['a', 'b', 'a'],\n");
  });
});
