import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, ManualClock } from '../../core/index.js';
import { ManualTimers, SourceEndKind, type PluginEvent } from '../plugin-source.js';
import { createRangeSource, resolveRangeOptions } from './range-source.js';

function harness() {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const seen: { at: number; event: PluginEvent['event']; dedupKey: string | undefined }[] = [];
  const emit = async (batch: readonly PluginEvent[]): Promise<void> => {
    for (const e of batch) seen.push({ at: clock.now(), event: e.event, dedupKey: e.dedupKey });
  };
  return { clock, timers, seen, emit };
}

describe('range source', () => {
  it('emits i from 0 to limit-1, waiting delay after each event, then finishes', async () => {
    const h = harness();
    const source = createRangeSource({ limit: 3, delay: 1.5 }, { timers: h.timers });
    let endedAt = -1;
    void source.done.then(() => (endedAt = h.clock.now()));
    await source.start(h.emit);
    await h.timers.runAll();
    expect(await source.done).toEqual({ kind: SourceEndKind.Finished });
    expect(h.seen).toEqual([
      { at: 0, event: { i: 0 }, dedupKey: undefined },
      { at: 1500, event: { i: 1 }, dedupKey: undefined },
      { at: 3000, event: { i: 2 }, dedupKey: undefined },
    ]);
    // Upstream sleeps after the last event too before the source returns.
    expect(endedAt).toBe(4500);
  });

  it('accepts a limit written as a string, as upstream int() does, and emits nothing for 0', async () => {
    expect(resolveRangeOptions({ limit: '4' })).toEqual({ limit: 4, delayMs: 0 });
    const h = harness();
    const source = createRangeSource({ limit: 0 }, { timers: h.timers });
    await source.start(h.emit);
    expect(await source.done).toEqual({ kind: SourceEndKind.Finished });
    expect(h.seen).toEqual([]);
  });

  it('rejects a missing limit, a fractional limit, a negative delay and unknown keys, all at once', () => {
    const attempt = (args: unknown) => {
      try {
        resolveRangeOptions(args);
      } catch (err: unknown) {
        return err as AutohealError;
      }
      throw new Error('expected a config error');
    };
    const missing = attempt(null);
    expect(missing.code).toBe(ErrorCode.SourceConfigInvalid);
    expect(missing.message).toBe('eda.builtin.range: invalid arguments: limit: is required');
    const many = attempt({ limit: 2.5, delay: -1, limt: 3 });
    expect(many.message).toContain('limit: must be an integer, got 2.5');
    expect(many.message).toContain('delay: must be at least 0, got -1');
    expect(many.message).toContain('limt: unknown argument (accepted: delay, limit)');
  });

  it('stops at close() during a delay and reports closed', async () => {
    const h = harness();
    const source = createRangeSource({ limit: 100, delay: 10 }, { timers: h.timers });
    await source.start(h.emit);
    await h.timers.advance(25_000);
    expect(h.seen.map((e) => e.event)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    await source.close();
    expect(await source.done).toEqual({ kind: SourceEndKind.Closed });
    expect(h.timers.pending).toBe(0);
  });

  it('fails with the queue error when emit rejects', async () => {
    const h = harness();
    const source = createRangeSource({ limit: 3 }, { timers: h.timers });
    await source.start(async () => {
      throw new AutohealError(ErrorCode.QueueUnavailable, 'redis down', { retryable: true });
    });
    const end = await source.done;
    expect(end.kind).toBe(SourceEndKind.Failed);
    expect(end.kind === SourceEndKind.Failed && end.error.code).toBe(ErrorCode.QueueUnavailable);
  });
});
