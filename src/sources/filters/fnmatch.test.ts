import { describe, expect, it } from 'vitest';
import { fnmatch } from './fnmatch.js';

describe('fnmatch', () => {
  it('matches stars, question marks and classes as Python does', () => {
    expect(fnmatch('f_use_1', 'f_use*')).toBe(true);
    expect(fnmatch('f_use', 'f_use*')).toBe(true);
    expect(fnmatch('x_f_use', 'f_use*')).toBe(false);
    expect(fnmatch('a/b.c', '*')).toBe(true);
    expect(fnmatch('ab', 'a?')).toBe(true);
    expect(fnmatch('a', 'a?')).toBe(false);
    expect(fnmatch('b1', '[abc][0-9]')).toBe(true);
    expect(fnmatch('d1', '[!abc]1')).toBe(true);
    expect(fnmatch('a1', '[!abc]1')).toBe(false);
    expect(fnmatch(']', '[]]')).toBe(true);
  });

  it('is case-sensitive and treats regex characters literally', () => {
    expect(fnmatch('Key', 'key')).toBe(false);
    expect(fnmatch('a.b', 'a.b')).toBe(true);
    expect(fnmatch('axb', 'a.b')).toBe(false);
    expect(fnmatch('a+(b)', 'a+(b)')).toBe(true);
    expect(fnmatch('a[b', 'a[b')).toBe(true);
    expect(fnmatch('a^b', '[\\^]')).toBe(false);
    expect(fnmatch('^', '[\\^]')).toBe(true);
    expect(fnmatch('server-name', 'server-*')).toBe(true);
    expect(fnmatch('[z-a]', '[z-a]')).toBe(true);
  });
});
