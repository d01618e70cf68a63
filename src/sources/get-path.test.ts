import { describe, expect, it } from 'vitest';
import { MISSING, getPath, splitPath } from './get-path.js';

describe('getPath', () => {
  const data = { labels: { instance: 'web01:9100', 'a.b': 1 }, alerts: [{ n: 0 }, { n: 1 }], nil: null };

  it('reads nested keys and list indexes, negative ones from the end', () => {
    expect(getPath(data, 'labels.instance')).toBe('web01:9100');
    expect(getPath(data, 'alerts.1.n')).toBe(1);
    expect(getPath(data, 'alerts.-1.n')).toBe(1);
    expect(getPath(data, 'nil')).toBeNull();
  });

  it('ignores leading separators and supports other separators', () => {
    expect(splitPath('..a.b')).toEqual(['a', 'b']);
    expect(getPath(data, '/labels/a.b', '/')).toBe(1);
    expect(getPath(data, 'labels::instance', '::')).toBe('web01:9100');
  });

  it('reports MISSING for absent keys, bad indexes and prototype members', () => {
    expect(getPath(data, 'labels.nope')).toBe(MISSING);
    expect(getPath(data, 'alerts.5')).toBe(MISSING);
    expect(getPath(data, 'alerts.x')).toBe(MISSING);
    expect(getPath(data, 'labels.instance.length')).toBe(MISSING);
    expect(getPath(data, 'constructor')).toBe(MISSING);
    expect(getPath(data, 'labels.__proto__')).toBe(MISSING);
    expect(getPath(data, 'nil.x')).toBe(MISSING);
  });
});
