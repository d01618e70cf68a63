import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, ManualClock } from '../core/index.js';
import { ManualTimers, PluginArgs, SourceEndKind, systemTimers, taskSource } from './plugin-source.js';

describe('ManualTimers', () => {
  it('fires sleeps in due order, moving the clock to each due time', async () => {
    const clock = new ManualClock(100);
    const timers = new ManualTimers(clock);
    const fired: string[] = [];
    void timers.sleep(30).then(() => fired.push(`b@${clock.now()}`));
    void timers.sleep(10).then(() => fired.push(`a@${clock.now()}`));
    void timers.sleep(30).then(() => fired.push(`c@${clock.now()}`));
    await timers.advance(20);
    expect(fired).toEqual(['a@110']);
    expect(clock.now()).toBe(120);
    await timers.advance(10);
    expect(fired).toEqual(['a@110', 'b@130', 'c@130']);
    expect(timers.pending).toBe(0);
  });

  it('lets woken code schedule its next sleep within the same advance', async () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i += 1) {
        await timers.sleep(5);
        ticks.push(clock.now());
      }
    })();
    await timers.advance(12);
    expect(ticks).toEqual([5, 10]);
    expect(await timers.runAll()).toBe(1);
    expect(ticks).toEqual([5, 10, 15]);
  });

  it('rejects an aborted sleep and forgets it', async () => {
    const timers = new ManualTimers(new ManualClock(0));
    const controller = new AbortController();
    const sleeping = timers.sleep(1000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toThrow();
    expect(timers.pending).toBe(0);
    await expect(timers.sleep(1, controller.signal)).rejects.toThrow();
  });
});

describe('systemTimers', () => {
  it('rejects when aborted, including zero-delay sleeps', async () => {
    const controller = new AbortController();
    const sleeping = systemTimers.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    await expect(systemTimers.sleep(0, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('taskSource', () => {
  it('reports finished when run returns, and never calls run when closed first', async () => {
    let runs = 0;
    const finished = taskSource({ run: async () => void (runs += 1) });
    await finished.start(async () => undefined);
    expect(await finished.done).toEqual({ kind: SourceEndKind.Finished });

    const closedFirst = taskSource({ run: async () => void (runs += 1) });
    await closedFirst.close();
    await closedFirst.start(async () => undefined);
    expect(await closedFirst.done).toEqual({ kind: SourceEndKind.Closed });
    expect(runs).toBe(1);
  });

  it('wraps a non-Autoheal failure as AH_SOURCE_FAILED and refuses a second start', async () => {
    const source = taskSource({
      run: async () => {
        throw new TypeError('boom');
      },
    });
    await source.start(async () => undefined);
    const end = await source.done;
    expect(end.kind).toBe(SourceEndKind.Failed);
    expect(end.kind === SourceEndKind.Failed && end.error.code).toBe(ErrorCode.SourceFailed);
    expect(end.kind === SourceEndKind.Failed && end.error.message).toBe('source plugin failed: boom');
    await expect(source.start(async () => undefined)).rejects.toThrow('plugin source started twice');
  });

  it('rejects start() and reports failed when prepare throws', async () => {
    const source = taskSource({
      prepare: async () => {
        throw new AutohealError(ErrorCode.SourceConfigInvalid, 'missing');
      },
      run: async () => undefined,
    });
    await expect(source.start(async () => undefined)).rejects.toThrow('missing');
    const end = await source.done;
    expect(end.kind === SourceEndKind.Failed && end.error.code).toBe(ErrorCode.SourceConfigInvalid);
  });
});

describe('PluginArgs', () => {
  it('reads numeric strings, rejects the rest, and lists unknown keys with the accepted ones', () => {
    const a = new PluginArgs('p', { n: ' 7 ', f: '1.5e1', b: 'no', s: 3, l: ['x', 2], m: { k: undefined }, extra: 1 });
    expect(a.integer('n', 0)).toBe(7);
    expect(a.number('f', 0)).toBe(15);
    expect(a.boolean('b', false)).toBe(false);
    expect(a.string('s', 'd')).toBe('d');
    expect(a.stringList('l')).toBeUndefined();
    expect(a.mapping('m')).toBeUndefined();
    expect(() => a.finish()).toThrow(
      'p: invalid arguments: b: must be true or false, got "no"; s: must be a string, got 3; l: must be a list of strings, got a list; m.k: is not JSON data; extra: unknown argument (accepted: b, f, l, m, n, s)',
    );
  });

  it('treats null arguments as none and rejects a non-mapping', () => {
    expect(() => new PluginArgs('p', null).finish()).not.toThrow();
    expect(() => new PluginArgs('p', [1]).finish()).toThrow('p: invalid arguments: arguments must be a mapping');
  });

  it('never quotes the value of a secret key', () => {
    const a = new PluginArgs('p', { password: 42 }, new Set(['password']));
    a.string('password', undefined);
    expect(() => a.finish()).toThrow('p: invalid arguments: password: must be a string, got a number');
  });
});
