import { describe, expect, it } from 'vitest';
import { decodeQueuedEvents, encodeQueuedEvents, stringifyExactJson } from './queued-event-codec.js';

describe('stringifyExactJson', () => {
  it('writes what JSON.stringify writes for plain JSON values', () => {
    const value = { a: [1, 'two', null, true, { b: -0.5 }], c: 'é"\n', d: undefined, e: [undefined, () => 1], f: Number.NaN, g: new Date(0) };
    expect(stringifyExactJson(value)).toBe(JSON.stringify(value));
  });

  it('writes big integers as bare digits', () => {
    expect(stringifyExactJson({ n: 20000000000000000426408380189087937446025157425359298935486676996n, m: [-5n] })).toBe(
      '{"n":20000000000000000426408380189087937446025157425359298935486676996,"m":[-5]}',
    );
  });

  it('refuses a circular structure', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => stringifyExactJson(a)).toThrow(TypeError);
  });
});

describe('queued event codec', () => {
  it('round-trips events, keeping integers beyond 2^53 exact as bigint', () => {
    const big = 123456789012345678901234567890n;
    const events = [
      { id: 'e1', source: 'am', dedupKey: 'am:fp:firing:t', event: { alert: { count: big, ok: true } }, receivedAt: 1700000000000 },
      { id: 'e2', source: 'gl', event: { x: [1, 2] }, receivedAt: 1 },
    ];
    const back = decodeQueuedEvents(encodeQueuedEvents(events));
    expect(back).toEqual(events);
    expect(typeof (back[0]?.event['alert'] as { count: unknown }).count).toBe('bigint');
  });

  it('rejects text that is not a list of queued events', () => {
    expect(() => decodeQueuedEvents('{}')).toThrow(/not an array/);
    expect(() => decodeQueuedEvents('[{"id":"x"}]')).toThrow(/item 0/);
  });
});
