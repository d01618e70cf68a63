import { describe, expect, it } from 'vitest';
import { jsonFilter } from './json-filter.js';

describe('jsonFilter', () => {
  it('reproduces upstream documentation example', () => {
    const event = {
      key1: { key2: { f_ignore_1: 1, f_ignore_2: 2 } },
      key3: { key4: { f_use_1: 42, f_use_2: 45 } },
    };
    const out = jsonFilter(event, { includeKeys: ['key3', 'key4', 'f_use*'], excludeKeys: ['key1', 'key2', 'f_ignore_1'] });
    expect(out).toEqual({ key3: { key4: { f_use_1: 42, f_use_2: 45 } } });
  });

  it('matches key names at any depth with patterns, include winning over exclude', () => {
    const event = { a: { tmp_x: 1, keep: { tmp_y: 2, tmp_keep: 3 } }, tmp_top: 4 };
    expect(jsonFilter(event, { excludeKeys: ['tmp_*'], includeKeys: ['tmp_keep'] })).toEqual({ a: { keep: { tmp_keep: 3 } } });
  });

  it('does not look inside lists, as upstream', () => {
    const event = { items: [{ secret: 1 }], secret: 2 };
    expect(jsonFilter(event, { excludeKeys: ['secret'] })).toEqual({ items: [{ secret: 1 }] });
  });

  it('leaves its input untouched and keeps everything without arguments', () => {
    const event = { a: { b: 1 } };
    expect(jsonFilter(event, { excludeKeys: ['b'] })).toEqual({ a: {} });
    expect(event).toEqual({ a: { b: 1 } });
    expect(jsonFilter(event)).toEqual(event);
  });
});
