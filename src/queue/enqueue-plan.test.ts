import { describe, expect, it } from 'vitest';
import { mergeBatches, summarizeEnqueue } from './enqueue-plan.js';

const ev = (id: string) => ({ id, source: 's', event: {}, receivedAt: 0 });

describe('mergeBatches', () => {
  it('merges batches of the same ruleset in order and drops empty ones', () => {
    const merged = mergeBatches([
      { ruleset: 'a', events: [ev('1')] },
      { ruleset: 'b', events: [] },
      { ruleset: 'c', events: [ev('2')] },
      { ruleset: 'a', events: [ev('3')] },
    ]);
    expect(merged.map((m) => [m.ruleset, m.events.map((e) => e.id)])).toEqual([
      ['a', ['1', '3']],
      ['c', ['2']],
    ]);
  });

  it('rejects an empty ruleset name', () => {
    expect(() => mergeBatches([{ ruleset: '', events: [ev('1')] }])).toThrow(TypeError);
  });
});

describe('summarizeEnqueue', () => {
  it('lists each id once; queued anywhere wins over duplicate elsewhere', () => {
    expect(
      summarizeEnqueue([
        { id: '1', queued: false },
        { id: '2', queued: true },
        { id: '1', queued: true },
        { id: '3', queued: false },
        { id: '3', queued: false },
      ]),
    ).toEqual({ queued: ['2', '1'], duplicates: ['3'] });
  });
});
