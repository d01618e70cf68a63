import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function split(chunks: string[], max = 100): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = [];
  const s = new LineSplitter(max, (line, truncated) => out.push([line, truncated]));
  for (const c of chunks) s.write(c);
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    expect(split(['a', 'b\r\nc', '\n', 'd'])).toEqual([
      ['ab', false],
      ['c', false],
      ['d', false],
    ]);
  });

  it('keeps empty lines and emits nothing for a final newline', () => {
    expect(split(['\n\nx\n'])).toEqual([
      ['', false],
      ['', false],
      ['x', false],
    ]);
  });

  it('cuts an over-long line, drops the rest of it, and reads on', () => {
    expect(split(['abcdef', 'ghij\nok\n'], 4)).toEqual([
      ['abcd', true],
      ['ok', false],
    ]);
  });
});
