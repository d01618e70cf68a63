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

  it('writes the actions of every match to the outbox in the same save (debug with its arguments as written too)', async () => {
    const store = new MemoryStateStore();
    const durable = await DurableEvaluator.open(RULEBOOK, { store, clock: new ManualClock(0) });
    await durable.processEvent('restarts', 'e1', { host: 'web01' });
    const entries = await store.peekOutbox(10);
    const records = entries.map((r) => decodeState<DispatchRecord>(r));
    expect(records).toEqual([
      expect.objectContaining({ ruleset: 'restarts', rule: 'once per host', eventId: 'e1', actions: [{ action: 'debug', args: { msg: 'web01' }, written: { msg: '{{ event.host }}' } }] }),
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

  describe('applyBatch', () => {
    const items = (...hosts: string[]) => hosts.map((host, i) => ({ id: `b${i}`, event: { host } }));

    it('evaluates a batch in order and commits it in one save, outbox included', async () => {
      const store = new MemoryStateStore();
      const saves: number[] = [];
      const save = store.save.bind(store);
      store.save = async (batch, outbox) => {
        saves.push(outbox?.length ?? 0);
        return save(batch, outbox);
      };
      const durable = await DurableEvaluator.open(RULEBOOK, { store, clock: new ManualClock(0) });
      const result = await durable.applyBatch('restarts', items('web01', 'web02', 'web01'));
      expect(result.done).toBe(3);
      expect(result.applied.map((a) => a.fired.length)).toEqual([1, 1, 0]);
      expect(result.applied[2]?.held.map((h) => h.kind)).toEqual(['throttled']);
      expect(saves).toEqual([2]);
      expect((await store.peekOutbox(10)).map((r) => decodeState<DispatchRecord>(r).eventId)).toEqual(['b0', 'b1']);
      expect((await store.load('restarts')).lastEventId).toBe('b2');
    });

    it('skips what a redelivered batch already applied, up to the stored last id, and applies the rest', async () => {
      const store = new MemoryStateStore();
      const clock = new ManualClock(0);
      const all = items('h0', 'h1', 'h2', 'h3');
      await (await DurableEvaluator.open(RULEBOOK, { store, clock })).applyBatch('restarts', all.slice(0, 2));
      // After a crash the whole job comes again.
      const restarted = await DurableEvaluator.open(RULEBOOK, { store, clock });
      const result = await restarted.applyBatch('restarts', all);
      expect(result).toMatchObject({ done: 4, skipped: 2 });
      expect(result.applied.map((a) => a.id)).toEqual(['b2', 'b3']);
    });

    it('hands out the results of a commit whose answer was lost but which landed, once', async () => {
      const store = new MemoryStateStore();
      const durable = await DurableEvaluator.open(RULEBOOK, { store, clock: new ManualClock(0) });
      const save = store.save.bind(store);
      store.save = async (batch, outbox) => {
        await save(batch, outbox);
        throw new Error('connection lost before the reply');
      };
      await expect(durable.applyBatch('restarts', items('web01', 'web02'))).rejects.toThrow('connection lost');
      store.save = save;
      const retried = await durable.applyBatch('restarts', items('web01', 'web02'));
      expect(retried.done).toBe(2);
      expect(retried.applied.map((a) => a.fired.map((f) => f.rule))).toEqual([['once per host'], ['once per host']]);
      // Applied once: the outbox holds each match once, and a further redelivery is skipped.
      expect(await store.peekOutbox(10)).toHaveLength(2);
      expect(await durable.applyBatch('restarts', items('web01', 'web02'))).toEqual({ done: 2, skipped: 2, applied: [] });
    });

    it('evaluates again a batch whose failed commit did not land', async () => {
      const store = new MemoryStateStore();
      const durable = await DurableEvaluator.open(RULEBOOK, { store, clock: new ManualClock(0) });
      const save = store.save.bind(store);
      store.save = async () => {
        throw new Error('redis down');
      };
      await expect(durable.applyBatch('restarts', items('web01'))).rejects.toThrow('redis down');
      store.save = save;
      const retried = await durable.applyBatch('restarts', items('web01'));
      expect(retried).toMatchObject({ done: 1, skipped: 0 });
      expect(retried.applied[0]?.fired).toHaveLength(1);
      expect(await store.peekOutbox(10)).toHaveLength(1);
    });

    it('stops after the event that requested a shutdown; the rest stays for the queue', async () => {
      const rulebook = parseRulebook(
        `
- name: stops
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: stop
      condition: event.stop == true
      action: {shutdown: }
`,
        'stops.yml',
      );
      const durable = await DurableEvaluator.open(rulebook, { store: new MemoryStateStore(), clock: new ManualClock(0) });
      const result = await durable.applyBatch('stops', [
        { id: 'a', event: { stop: false } },
        { id: 'b', event: { stop: true } },
        { id: 'c', event: { stop: false } },
      ]);
      expect(result.done).toBe(2);
      expect(result.applied.map((a) => a.id)).toEqual(['a', 'b']);
    });
  });
});
