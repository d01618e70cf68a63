import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { parseRulebook } from '../rules/rulebook/index.js';
import { DurableEvaluator } from './durable-evaluator.js';
import { MemoryStateStore } from './memory-state-store.js';
import { decodeState } from './state-codec.js';
import type { DispatchRecord } from './durable-evaluator.js';

const RULEBOOK = parseRulebook(
  `
- name: restarts
  hosts: all
  sources: [{range: {limit: 10}}]
  rules:
    - name: one three seven
      condition:
        all: [event.i == 1, event.i == 3, event.i == 7]
      action: {debug: }
    - name: once per host
      condition: event.host is defined
      throttle: {once_within: 10 minutes, group_by_attributes: [event.host]}
      action: {debug: {msg: "{{ event.host }}"}}
    - name: remember
      condition: event.remember is defined
      action: {set_fact: {fact: {seen: "{{ event.remember }}"}}}
    - name: recall
      condition:
        all:
          - fact.seen is defined
          - event.ask == events.m_0.seen
      action: {none: }
`,
  'restarts.yml',
);

describe('DurableEvaluator', () => {
  it('fires an all rule once across restarts with the events from before them (upstream test_multi_restart)', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(0);
    const fired: string[][] = [];
    for (const [n, i] of [1, 2, 3, 4, 5, 6, 7, 8].entries()) {
      // A new evaluator for every event: nothing survives but what the store holds.
      const durable = await DurableEvaluator.open(RULEBOOK, { store, clock });
      clock.advance(1000);
      const result = await durable.processEvent('restarts', `e${n}`, { i });
      fired.push(result.fired.map((f) => f.rule));
      if (result.fired.length > 0) expect(result.fired[0]?.bindings).toEqual({ m_0: { i: 1 }, m_1: { i: 3 }, m_2: { i: 7 } });
    }
    expect(fired.flat()).toEqual(['one three seven']);
    expect(fired[6]).toEqual(['one three seven']);
  });

  it('keeps a once_within window closed across a restart', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(0);
    const first = await DurableEvaluator.open(RULEBOOK, { store, clock });
    expect((await first.processEvent('restarts', 'a', { host: 'web01' })).fired).toHaveLength(1);
    clock.advance(5 * 60_000);
    const second = await DurableEvaluator.open(RULEBOOK, { store, clock });
    const held = await second.processEvent('restarts', 'b', { host: 'web01' });
    expect(held.fired).toEqual([]);
    expect(held.held.map((h) => h.kind)).toEqual(['throttled']);
    clock.advance(6 * 60_000);
    expect((await second.processEvent('restarts', 'c', { host: 'web01' })).fired).toHaveLength(1);
  });

  it('keeps facts across a restart', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(0);
    await (await DurableEvaluator.open(RULEBOOK, { store, clock })).processEvent('restarts', 'a', { remember: 'blue' });
    const after = await DurableEvaluator.open(RULEBOOK, { store, clock });
    expect((await after.processEvent('restarts', 'b', { ask: 'blue' })).fired.map((f) => f.rule)).toEqual(['recall']);
  });

  it('does not apply an event twice when the queue redelivers it', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(0);
    const durable = await DurableEvaluator.open(RULEBOOK, { store, clock });
    expect((await durable.processEvent('restarts', 'x', { host: 'a' })).duplicate).toBe(false);
    expect(await durable.processEvent('restarts', 'x', { host: 'a' })).toEqual({ duplicate: true, fired: [], held: [] });
    const restarted = await DurableEvaluator.open(RULEBOOK, { store, clock });
    expect((await restarted.processEvent('restarts', 'x', { host: 'a' })).duplicate).toBe(true);
  });

  it('writes the actions of every match to the outbox in the same save', async () => {
    const store = new MemoryStateStore();
    const durable = await DurableEvaluator.open(RULEBOOK, { store, clock: new ManualClock(0) });
    await durable.processEvent('restarts', 'e1', { host: 'web01' });
    const entries = await store.peekOutbox(10);
    const records = entries.map((r) => decodeState<DispatchRecord>(r));
    expect(records).toEqual([
      expect.objectContaining({ ruleset: 'restarts', rule: 'once per host', eventId: 'e1', actions: [{ action: 'debug', args: { msg: 'web01' } }] }),
    ]);
    await store.ackOutbox(entries);
    expect(await store.peekOutbox(10)).toEqual([]);
  });

  it('reloads from the store after a failed save instead of keeping unsaved memory', async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(0);
    const durable = await DurableEvaluator.open(RULEBOOK, { store, clock });
    const save = store.save.bind(store);
    store.save = async () => {
      throw new Error('redis down');
    };
    await expect(durable.processEvent('restarts', 'a', { host: 'web01' })).rejects.toThrow('redis down');
    store.save = save;
    // The queue retries the event: it must fire, because the failed attempt was never stored.
    expect((await durable.processEvent('restarts', 'a', { host: 'web01' })).fired).toHaveLength(1);
  });
});
