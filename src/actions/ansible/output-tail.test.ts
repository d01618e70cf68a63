import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe('OutputTail', () => {
  it('keeps the last lines up to the line bound', () => {
    const tail = new OutputTail(3, 1_000);
    for (let i = 1; i <= 5; i += 1) tail.push(`l${i}`);
    expect(tail.toString()).toBe('[… 2 earlier lines dropped]\nl3\nl4\nl5');
    expect(tail.droppedLines).toBe(2);
  });

  it('keeps the last lines up to the byte bound, counting UTF-8 bytes and newlines', () => {
    const tail = new OutputTail(100, 64);
    for (let i = 0; i < 10; i += 1) tail.push('é'.repeat(10)); // 21 bytes with the newline
    expect(tail.toString()).toBe(`[… 7 earlier lines dropped]\n${['é'.repeat(10), 'é'.repeat(10), 'é'.repeat(10)].join('\n')}`);
  });

  it('cuts a single line longer than the byte bound without splitting a character', () => {
    const tail = new OutputTail(10, 64);
    tail.push('€'.repeat(100));
    const text = tail.toString();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(63);
    expect(text).toMatch(/^€+ …\[truncated\]$/);
  });

  it('is empty before any line', () => {
    expect(new OutputTail(1, 64).toString()).toBe('');
  });
});
