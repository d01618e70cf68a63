import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { parseRulebook } from '../rulebook/index.js';
import { RulebookEvaluator, type EventReport } from './rulebook-evaluator.js';

function evaluator(yaml: string, vars: Record<string, unknown> = {}, clock = new ManualClock(1_000_000)): RulebookEvaluator {
  return new RulebookEvaluator(parseRulebook(yaml, 'test.yml', { vars }), { clock, vars, newId: () => 'uuid-1' });
}

/** `ruleset::rule::action` per planned action, the shape upstream's test_examples compares. */
function actions(report: EventReport): string[] {
  return report.fired.flatMap((f) => f.actions.map((a) => `${f.ruleset}::${f.rule}::${a.action}`));
}

const stripMeta = (o: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const { meta: _meta, ...rest } = o;
  return rest;
};

describe('RulebookEvaluator', () => {
  it('fires only the first matching rule for an event and consumes it (example 81)', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: r1
      condition: event.i == 1
      action: {debug: }
    - name: r2
      condition: event.i == 1
      action: {print_event: }
`);
    const report = ev.processEvent({ i: 1 });
    expect(actions(report)).toEqual(['rs::r1::debug']);
    expect(report.notFired).toEqual([
      { ruleset: 'rs', rule: 'r2', reason: expect.stringContaining('rule "r1" came first') },
    ]);
    expect(ev.session('rs')?.size).toBe(0);
  });

  it('fires every matching rule with match_multiple_rules (example 80)', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  match_multiple_rules: true
  sources: [{range: {limit: 1}}]
  rules:
    - name: r1
      condition: event.i == 1
      action: {debug: }
    - name: r11
      condition: event.i == 1
      action: {print_event: }
`);
    expect(actions(ev.processEvent({ i: 1 }))).toEqual(['rs::r1::debug', 'rs::r11::print_event']);
  });

  it('correlates an all rule across events arriving in any order, binding m_0 and m_1', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: pair
      condition:
        all:
          - event.i == 1
          - event.i == 2
      action: {print_event: }
`);
    const first = ev.processEvent({ i: 2 });
    expect(first.fired).toEqual([]);
    expect(first.notFired[0]?.reason).toMatch(/matches m_1; kept in memory, waiting for m_0: event.i == 1/);
    const second = ev.processEvent({ i: 1 });
    expect(second.fired.map((f) => f.bindings)).toEqual([{ m_0: { i: 1 }, m_1: { i: 2 } }]);
    // Both events were consumed: a third event does not re-fire with the old partner.
    expect(ev.processEvent({ i: 1 }).fired).toEqual([]);
  });

  it('joins a later pattern on an earlier binding', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: same host
      condition:
        all:
          - events.down << event.state == "down"
          - event.state == "up" and event.host == events.down.host
      action: {debug: }
`);
    ev.processEvent({ state: 'down', host: 'a' });
    expect(ev.processEvent({ state: 'up', host: 'b' }).fired).toEqual([]);
    const report = ev.processEvent({ state: 'up', host: 'a' });
    expect(report.fired.map((f) => f.bindings)).toEqual([{ down: { state: 'down', host: 'a' }, m_1: { state: 'up', host: 'a' } }]);
  });

  it('drops a waiting partial match after default_events_ttl', () => {
    const clock = new ManualClock(0);
    const ev = evaluator(
      `
- name: rs
  hosts: all
  default_events_ttl: 2 seconds
  sources: [{range: {limit: 1}}]
  rules:
    - name: pair
      condition:
        all: [event.i == 1, event.i == 2]
      action: {debug: }
`,
      {},
      clock,
    );
    ev.processEvent({ i: 1 });
    clock.advance(2_001);
    expect(ev.processEvent({ i: 2 }).fired).toEqual([]);
  });

  it('requires all events of an all-with-timeout within the window', () => {
    const clock = new ManualClock(0);
    const ev = evaluator(
      `
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: pair
      condition:
        all: [event.code == 1001, event.code == 1002]
        timeout: 10 seconds
      action: {debug: }
`,
      {},
      clock,
    );
    ev.processEvent({ code: 1001 });
    clock.advance(5_000);
    expect(ev.processEvent({ code: 1002 }).fired).toHaveLength(1);
    ev.processEvent({ code: 1001 });
    clock.advance(11_000);
    expect(ev.processEvent({ code: 1002 }).fired).toHaveLength(0);
  });

  it('fires any on the first entry an event satisfies, bound under that entry', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: either
      condition:
        any: [event.i == 0, event.j == 1]
      action: {debug: }
`);
    expect(ev.processEvent({ j: 1 }).fired.map((f) => f.bindings)).toEqual([{ m_1: { j: 1 } }]);
  });

  it('lets a fact fire every rule it matches and keeps it (examples 04 and 72)', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: set
      condition: event.i == 1
      action:
        set_fact:
          fact: {msg: hello world, n: "{{ event.i }}"}
    - name: a
      condition: event.msg == "hello world"
      action: {print_event: }
    - name: b
      condition: event.n == 1
      action: {debug: }
`);
    const report = ev.processEvent({ i: 1 });
    expect(actions(report)).toEqual(['rs::set::set_fact', 'rs::a::print_event', 'rs::b::debug']);
    const fact = ev.session('rs')?.facts()[0];
    expect(fact && stripMeta(fact)).toEqual({ msg: 'hello world', n: 1 });
    expect(fact?.meta).toMatchObject({ source: { name: 'set_fact', type: 'internal' }, uuid: 'uuid-1' });
  });

  it('queues the matches of post_event after the current plan, in post order (example 98)', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: start
      condition: event.i == 0
      actions:
        - post_event: {event: {step: 1}}
        - post_event: {event: {step: 2}}
        - debug: {msg: posted}
    - name: step
      condition: event.step is defined
      action: {debug: {msg: "step {{ event.step }}"}}
`);
    const report = ev.processEvent({ i: 0 });
    expect(actions(report)).toEqual(['rs::start::post_event', 'rs::start::post_event', 'rs::start::debug', 'rs::step::debug', 'rs::step::debug']);
    expect(report.fired.slice(1).map((f) => f.actions[0]?.args)).toEqual([{ msg: 'step 1' }, { msg: 'step 2' }]);
  });

  it('fires a single-leaf "is not defined" rule when a retract empties memory of the field (examples 06, 20)', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: set
      condition: event.i == 1
      action: {set_fact: {fact: {msg: hello}}}
    - name: retract
      condition: event.msg == "hello"
      action: {retract_fact: {fact: {msg: hello}}}
    - name: gone
      condition: event.msg is not defined
      action: {debug: }
`);
    const report = ev.processEvent({ i: 1 });
    expect(actions(report)).toEqual(['rs::set::set_fact', 'rs::retract::retract_fact', 'rs::gone::debug']);
    const gone = report.fired[2];
    expect(gone && stripMeta(gone.bindings.m ?? {})).toEqual({ msg: 'hello' });
  });

  it('sends post_event and set_fact to another ruleset when asked (example 36)', () => {
    const ev = evaluator(`
- name: one
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: set
      condition: event.i == 1
      action: {set_fact: {ruleset: two, fact: {ok: true}}}
- name: two
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: seen
      condition: event.ok == true
      action: {debug: }
`);
    expect(actions(ev.processEvent({ i: 1 }, { rulesets: ['one'] }))).toEqual(['one::set::set_fact', 'two::seen::debug']);
  });

  it('hands engine actions for another ruleset to the caller when asked to (the live engine queues them)', () => {
    const rulebook = parseRulebook(
      `
- name: one
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: set
      condition: event.i == 1
      actions:
        - set_fact: {ruleset: two, fact: {ok: true}}
        - post_event: {ruleset: two, event: {hello: 1}}
        - retract_fact: {ruleset: two, fact: {old: 1}, partial: false}
        - set_fact: {fact: {local: true}}
- name: two
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: seen
      condition: event.ok == true
      action: {debug: }
`,
      'test.yml',
      {},
    );
    const ev = new RulebookEvaluator(rulebook, { clock: new ManualClock(0), newId: () => 'u', deferCrossRuleset: true });
    expect(actions(ev.processEvent({ i: 1 }, { rulesets: ['one'] }))).toEqual(['one::set::set_fact', 'one::set::post_event', 'one::set::retract_fact', 'one::set::set_fact']);
    const work = ev.takeCrossRuleset();
    expect(work.map((w) => [w.kind, w.ruleset, stripMeta(w.data), w.partial])).toEqual([
      ['fact', 'two', { ok: true }, undefined],
      ['event', 'two', { hello: 1 }, undefined],
      ['retract', 'two', { old: 1 }, false],
    ]);
    // Nothing reached ruleset two's memory; the same-ruleset fact was applied.
    expect(ev.session('two')?.facts()).toEqual([]);
    expect(ev.session('one')?.facts().map(stripMeta)).toEqual([{ local: true }]);
    expect(ev.takeCrossRuleset()).toEqual([]);
  });

  it('renders action arguments with native types and limits hosts to meta.hosts', () => {
    const ev = evaluator(
      `
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: fix
      condition: event.alert.labels.alertname == "Down"
      action:
        run_playbook:
          name: playbooks/fix.yml
          extra_vars: {port: "{{ event.alert.port }}", who: "{{ owner }}"}
`,
      { owner: 'ops' },
    );
    const report = ev.processEvent({ alert: { labels: { alertname: 'Down' }, port: 8080 }, meta: { hosts: ['web01'] } });
    const action = report.fired[0]?.actions[0];
    expect(action?.args).toEqual({ name: 'playbooks/fix.yml', extra_vars: { port: 8080, who: 'ops' } });
    expect(action?.hosts).toEqual(['web01']);
  });

  it('records a template error on the action instead of throwing', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: r
      condition: event.i == 1
      action: {debug: {msg: "{{ event.nope }}"}}
`);
    const action = ev.processEvent({ i: 1 }).fired[0]?.actions[0];
    expect(action?.args).toBeUndefined();
    expect(action?.error).toMatch(/nope/);
  });

  it('explains a non-match by the first failing clause', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: critical only
      condition: event.alertname == "Disk" and event.severity == "critical"
      action: {debug: }
`);
    const [decision] = ev.processEvent({ alertname: 'Disk', severity: 'warning' }).notFired;
    expect(decision?.reason).toBe('event.severity is "warning", expected == "critical"');
  });

  it('reports a shutdown request', () => {
    const ev = evaluator(`
- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: stop
      condition: event.i == 3
      action: {shutdown: {message: done, delay: 1.5}}
`);
    expect(ev.processEvent({ i: 1 }).shutdown).toBeUndefined();
    expect(ev.processEvent({ i: 3 }).shutdown).toEqual({ ruleset: 'rs', rule: 'stop', kind: 'graceful', message: 'done', delay: 1.5 });
  });
});
