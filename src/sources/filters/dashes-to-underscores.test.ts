import { describe, expect, it } from 'vitest';
import { dashesToUnderscores } from './dashes-to-underscores.js';

describe('dashesToUnderscores', () => {
  it('renames keys at every depth, inside lists too', () => {
    const event = { 'X-Y': 1, nested: { 'a-b-c': { 'd-e': 2 } }, list: [{ 'f-g': 3 }, 'not-a-key'] };
    expect(dashesToUnderscores(event)).toEqual({ X_Y: 1, nested: { a_b_c: { d_e: 2 } }, list: [{ f_g: 3 }, 'not-a-key'] });
  });

  it('overwrites a taken name by default, and drops the dashed key without overwrite', () => {
    expect(dashesToUnderscores({ a_b: 'old', 'a-b': 'new' })).toEqual({ a_b: 'new' });
    expect(dashesToUnderscores({ a_b: 'old', 'a-b': 'new' }, { overwrite: false })).toEqual({ a_b: 'old' });
    // The dashed key comes first: its rename lands on a_b, then a_b's own turn keeps it.
    expect(dashesToUnderscores({ 'a-b': 'new', a_b: 'old' })).toEqual({ a_b: 'new' });
    expect(dashesToUnderscores({ 'a-b': 'new', a_b: 'old' }, { overwrite: false })).toEqual({ a_b: 'old' });
  });

  it('does not modify its input', () => {
    const event = { 'a-b': { 'c-d': 1 } };
    dashesToUnderscores(event);
    expect(event).toEqual({ 'a-b': { 'c-d': 1 } });
  });

  it('renames a __proto__-like key safely', () => {
    const event = JSON.parse('{"__proto__-x": {"polluted": true}, "__proto__": {"p": 1}}') as Record<string, never>;
    const out = dashesToUnderscores(event) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['__proto__', '__proto___x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
