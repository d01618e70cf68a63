import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, ManualClock } from '../../core/index.js';
import type { JsonObject } from '../json-value.js';
import { ManualTimers, SourceEndKind, type PluginEvent } from '../plugin-source.js';
import { resolveGenericOptions } from './generic-options.js';
import { createGenericSource, formatLocalTimestamp, type GenericSourceDeps } from './generic-source.js';

/** 2026-01-02T03:04:05.678Z */
const START = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function harness(deps: Partial<GenericSourceDeps> = {}) {
  const clock = new ManualClock(START);
  const timers = new ManualTimers(clock);
  const seen: { at: number; event: JsonObject }[] = [];
  const emit = async (batch: readonly PluginEvent[]): Promise<void> => {
    for (const e of batch) {
      expect(e.dedupKey).toBeUndefined();
      seen.push({ at: clock.now() - START, event: e.event });
    }
  };
  const run = async (args: unknown) => {
    const source = createGenericSource(args, { clock, timers, env: {}, ...deps });
    let endedAt = -1;
    void source.done.then(() => (endedAt = clock.now() - START));
    await source.start(emit);
    await timers.runAll();
    const end = await source.done;
    return { end, endedAt };
  };
  return { clock, timers, seen, emit, run };
}

function configError(args: unknown): AutohealError {
  try {
    resolveGenericOptions(args);
  } catch (err: unknown) {
    expect((err as AutohealError).code).toBe(ErrorCode.SourceConfigInvalid);
    return err as AutohealError;
  }
  throw new Error('expected a config error');
}

describe('generic source', () => {
  it('emits the payload items in order and finishes', async () => {
    const h = harness();
    const { end } = await h.run({ payload: [{ b: true }, { i: 42 }] });
    expect(end).toEqual({ kind: SourceEndKind.Finished });
    expect(h.seen.map((s) => s.event)).toEqual([{ b: true }, { i: 42 }]);
  });

  it('treats a single mapping as a list of one and skips empty items as upstream does', async () => {
    const h = harness();
    await h.run({ payload: { only: 1 } });
    const h2 = harness();
    await h2.run({ payload: [{}, null, { a: 1 }, [], ''], create_index: 'n' });
    expect(h.seen.map((s) => s.event)).toEqual([{ only: 1 }]);
    // Skipped items use no index.
    expect(h2.seen.map((s) => s.event)).toEqual([{ n: 0, a: 1 }]);
  });

  it('follows upstream timing: startup, repeat, event and loop delays, final payload, shutdown_after', async () => {
    const h = harness();
    const { end, endedAt } = await h.run({
      payload: [{ x: 'a' }, { x: 'b' }],
      create_index: 'idx',
      repeat_count: 2,
      loop_count: 2,
      startup_delay: 1,
      repeat_delay: 0.5,
      event_delay: 2,
      loop_delay: 3,
      shutdown_after: 4,
      final_payload: { done: true },
    });
    expect(end.kind).toBe(SourceEndKind.Finished);
    expect(h.seen).toEqual([
      { at: 1000, event: { idx: 0, x: 'a' } },
      { at: 1500, event: { idx: 1, x: 'a' } },
      { at: 4000, event: { idx: 2, x: 'b' } },
      { at: 4500, event: { idx: 3, x: 'b' } },
      // loop_delay only between loops
      { at: 10_000, event: { idx: 4, x: 'a' } },
      { at: 10_500, event: { idx: 5, x: 'a' } },
      { at: 13_000, event: { idx: 6, x: 'b' } },
      { at: 13_500, event: { idx: 7, x: 'b' } },
      // the final payload gets the next index, without a repeat
      { at: 16_000, event: { idx: 8, done: true } },
    ]);
    expect(endedAt).toBe(20_000);
  });

  it('adds an epoch, iso8601 or local timestamp from the clock, and item keys win over added ones', async () => {
    const epoch = harness();
    await epoch.run({ payload: [{ a: 1 }, { a: 2, timestamp: 'mine' }], timestamp: true, time_format: 'epoch' });
    expect(epoch.seen.map((s) => s.event)).toEqual([
      { timestamp: Math.floor(START / 1000), a: 1 },
      { timestamp: 'mine', a: 2 },
    ]);
    const iso = harness();
    await iso.run({ payload: [{ a: 1 }], timestamp: true, time_format: 'iso8601' });
    const local = harness();
    await local.run({ payload: [{ a: 1 }], timestamp: true });
    expect(iso.seen[0]!.event.timestamp).toBe(formatLocalTimestamp(START, 'T'));
    expect(local.seen[0]!.event.timestamp).toBe(formatLocalTimestamp(START, ' '));
  });

  it('formats local time like Python: microseconds shown only when not zero', () => {
    const d = new Date(2026, 4, 6, 7, 8, 9, 120); // local time
    expect(formatLocalTimestamp(d.getTime(), ' ')).toBe('2026-05-06 07:08:09.120000');
    expect(formatLocalTimestamp(d.getTime() - 120, 'T')).toBe('2026-05-06T07:08:09');
  });

  it('adds a blob of blob_size "x" characters', async () => {
    const h = harness();
    await h.run({ payload: [{ a: 1 }], blob_size: 5 });
    expect(h.seen[0]!.event).toEqual({ blob: 'xxxxx', a: 1 });
  });

  it('shuffles the payload before each loop with the injected random', async () => {
    // random() = 0 always swaps the current slot with slot 0: [a,b,c] → [b,c,a] → [c,a,b]
    const h = harness({ random: () => 0 });
    await h.run({ payload: [{ v: 'a' }, { v: 'b' }, { v: 'c' }], randomize: true, loop_count: 2 });
    expect(h.seen.map((s) => s.event.v)).toEqual(['b', 'c', 'a', 'c', 'a', 'b']);
  });

  it('prints each event when display is true', async () => {
    const printed: JsonObject[] = [];
    const h = harness({ print: (e) => printed.push(e) });
    await h.run({ payload: [{ a: 1 }], display: true, create_index: 'i' });
    expect(printed).toEqual([{ i: 0, a: 1 }]);
  });

  it('with loop_count 0 emits only the final payload; with -1 loops until closed', async () => {
    const none = harness();
    await none.run({ payload: [{ a: 1 }], loop_count: 0, final_payload: { end: 1 } });
    expect(none.seen.map((s) => s.event)).toEqual([{ end: 1 }]);

    const h = harness();
    const source = createGenericSource({ payload: [{ a: 1 }], loop_count: -1, event_delay: 1 }, { clock: h.clock, timers: h.timers, env: {} });
    await source.start(h.emit);
    await h.timers.advance(99_500);
    expect(h.seen).toHaveLength(100);
    await source.close();
    expect(await source.done).toEqual({ kind: SourceEndKind.Closed });
  });

  it('refuses to start when a check_env_vars variable is missing or different', async () => {
    const missing = createGenericSource({ payload: [{ a: 1 }], check_env_vars: { MY_ENV1: 'abc' } }, { env: {} });
    await expect(missing.start(async () => undefined)).rejects.toThrow('Env Var MY_ENV1 is required');
    const end = await missing.done;
    expect(end.kind === SourceEndKind.Failed && end.error.code).toBe(ErrorCode.SourceConfigInvalid);

    const wrong = createGenericSource({ payload: [{ a: 1 }], check_env_vars: { MY_ENV1: 'abc' } }, { env: { MY_ENV1: 'secret-value' } });
    const err = await wrong.start(async () => undefined).catch((e: unknown) => e as AutohealError);
    expect(err).toBeInstanceOf(AutohealError);
    expect((err as AutohealError).message).toBe('eda.builtin.generic: Env Var MY_ENV1 expected: abc passed in: a different value');
    expect((err as AutohealError).message).not.toContain('secret-value');

    const h = harness({ env: { MY_ENV1: 'abc', N: '5' } });
    await h.run({ payload: [{ a: 1 }], check_env_vars: { MY_ENV1: 'abc', N: 5 } });
    expect(h.seen).toHaveLength(1);
  });

  it('reads payload_file as YAML at start, and reports a missing or malformed file', async () => {
    const files: Record<string, string> = { 'events.yml': '- name: Fred\n- name: Barney\n', 'bad.yml': 'a: [1,\n', 'scalar.yml': '- 3\n' };
    const readFile = async (p: string): Promise<string> => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return text;
    };
    const h = harness({ readFile });
    await h.run({ payload_file: 'events.yml' });
    expect(h.seen.map((s) => s.event)).toEqual([{ name: 'Fred' }, { name: 'Barney' }]);

    const start = (file: string) => createGenericSource({ payload_file: file }, { readFile, env: {} }).start(async () => undefined);
    await expect(start('nope.yml')).rejects.toThrow('eda.builtin.generic: File nope.yml not found');
    await expect(start('bad.yml')).rejects.toThrow(/File bad\.yml parsing error/);
    await expect(start('scalar.yml')).rejects.toThrow('File scalar.yml is invalid: payload_file[0]: must be a mapping (an event)');
  });

  it('reports every bad argument at once, with the accepted names for an unknown one', () => {
    expect(configError({}).message).toBe('eda.builtin.generic: invalid arguments: payload: is required (a list of events, or payload_file)');
    const err = configError({
      payload: [{ a: 1 }, 'text'],
      loop_count: -2,
      repeat_count: 'x',
      time_format: 'utc',
      event_delay: -1,
      display: 'yes',
      final_payload: [1],
      loop_cont: 3,
    });
    expect(err.message).toContain('payload[1]: must be a mapping (an event)');
    expect(err.message).toContain('loop_count: must be at least -1, got -2');
    expect(err.message).toContain('repeat_count: must be an integer, got "x"');
    expect(err.message).toContain('time_format: must be one of local, iso8601, epoch, got "utc"');
    expect(err.message).toContain('event_delay: must be at least 0, got -1');
    expect(err.message).toContain('display: must be true or false, got "yes"');
    expect(err.message).toContain('final_payload: must be a mapping, got a list');
    expect(err.message).toMatch(/loop_cont: unknown argument \(accepted: .*loop_count.*\)/);
    expect(configError({ payload: [], payload_file: 'x.yml' }).message).toContain('give either payload or payload_file, not both');
  });

  it('resolves defaults in milliseconds', () => {
    expect(resolveGenericOptions({ payload: null, shutdown_after: '0.25' })).toMatchObject({
      payload: { kind: 'inline', items: [] },
      loopCount: 1,
      repeatCount: 1,
      timeFormat: 'local',
      createIndex: '',
      shutdownAfterMs: 250,
      startupDelayMs: 0,
    });
  });
});
