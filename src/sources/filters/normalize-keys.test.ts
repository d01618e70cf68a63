import { describe, expect, it } from 'vitest';
import { normalizeKey, normalizeKeys } from './normalize-keys.js';

describe('normalizeKeys', () => {
  it('replaces each run of non-word characters with one underscore', () => {
    expect(normalizeKey('server.name')).toBe('server_name');
    expect(normalizeKey('a--b')).toBe('a_b');
    expect(normalizeKey('server.com/&abc')).toBe('server_com_abc');
    expect(normalizeKey('größe')).toBe('gr_e');
    expect(normalizeKey('ok_key1')).toBe('ok_key1');
  });

  it('normalizes at every depth, inside lists too', () => {
    const event = { 'a.b': { 'c-d': [{ 'e f': 1 }] } };
    expect(normalizeKeys(event)).toEqual({ a_b: { c_d: [{ e_f: 1 }] } });
    expect(event).toEqual({ 'a.b': { 'c-d': [{ 'e f': 1 }] } });
  });

  it('on a collision with an original key: later wins with overwrite, the original stays without', () => {
    expect(normalizeKeys({ 'a-b': 1, a_b: 2 })).toEqual({ a_b: 2 });
    expect(normalizeKeys({ a_b: 2, 'a-b': 1 })).toEqual({ a_b: 1 });
    expect(normalizeKeys({ a_b: 2, 'a-b': 1 }, { overwrite: false })).toEqual({ a_b: 2 });
    // Two new names colliding with each other (not with an original key): the later one wins.
    expect(normalizeKeys({ 'a-b': 1, 'a.b': 2 }, { overwrite: false })).toEqual({ a_b: 2 });
  });
});
