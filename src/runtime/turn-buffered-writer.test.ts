import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnBufferedWriter } from './turn-buffered-writer.js';

describe('TurnBufferedWriter', () => {
  it('writes everything of one turn in one call, in order, at the end of that turn', async () => {
    const writes: string[] = [];
    const writer = new TurnBufferedWriter((text) => writes.push(text));
    writer.write('** banner\n');
    writer.write('line 1\n');
    await Promise.resolve();
    writer.write('line 2\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['** banner\nline 1\nline 2\n']);
    writer.write('next turn\n');
    await nextTurn();
    expect(writes).toEqual(['** banner\nline 1\nline 2\n', 'next turn\n']);
  });

  it('writes what is queued at once on flush, and nothing twice', async () => {
    const writes: string[] = [];
    const writer = new TurnBufferedWriter((text) => writes.push(text));
    writer.write('last words\n');
    writer.flush();
    writer.flush();
    await nextTurn();
    expect(writes).toEqual(['last words\n']);
  });
});
