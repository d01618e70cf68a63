import { describe, expect, it } from 'vitest';
import { dedupKey, escapeKeyPart, sha256Hex } from './dedup-key.js';

describe('dedupKey', () => {
  it('joins parts with ":", escaping all but the last', () => {
    expect(dedupKey('am', ['13a8d24f6effc9ac', 'firing', '2026-11-21T23:32:57.289Z'])).toBe('am:13a8d24f6effc9ac:firing:2026-11-21T23:32:57.289Z');
    expect(dedupKey('icinga', ['StateChange', 'h:1', undefined, 1.5, null])).toBe('icinga:StateChange:h%3A1::1.5:');
    expect(escapeKeyPart('50%:x')).toBe('50%25%3Ax');
  });

  it('keeps keys whose parts differ only in where a ":" falls apart', () => {
    expect(dedupKey('x', ['a:b', 'c'])).not.toBe(dedupKey('x', ['a', 'b:c']));
  });

  it('hashes with SHA-256 as hex', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
