import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { compileFilter, resolveFilterName } from './compile-filter.js';
import { applyFilters } from './event-filter.js';
import { noop } from './noop.js';

describe('compileFilter', () => {
  it('knows the built-in filters under their builtin, legacy and bare names', () => {
    expect(resolveFilterName('eda.builtin.json_filter')).toBe('json_filter');
    expect(resolveFilterName('ansible.eda.insert_hosts_to_meta')).toBe('insert_hosts_to_meta');
    expect(resolveFilterName('ansible.eda.dashes_to_underscores')).toBe('dashes_to_underscores');
    expect(resolveFilterName('noop')).toBe('noop');
    expect(resolveFilterName('eda.builtin.insert_meta_info')).toBeUndefined();
    expect(resolveFilterName('my.collection.json_filter')).toBeUndefined();
  });

  it('chains filters in order, fanning out with event_splitter', () => {
    const filters = [
      compileFilter({ name: 'eda.builtin.event_splitter', args: { splitter_key: 'payload.alerts', extras: { 'from-am': true } } }),
      compileFilter({ name: 'eda.builtin.dashes_to_underscores', args: {} }),
      compileFilter({ name: 'eda.builtin.insert_hosts_to_meta', args: { host_path: 'labels.instance' } }),
      compileFilter({ name: 'eda.builtin.json_filter', args: { exclude_keys: ['annotations'] } }),
    ];
    const event = {
      payload: {
        alerts: [
          { labels: { instance: 'web01' }, annotations: { s: 1 } },
          { labels: { instance: 'web02' }, annotations: { s: 2 } },
        ],
      },
    };
    expect(applyFilters(event, filters)).toEqual([
      { labels: { instance: 'web01' }, from_am: true, meta: { hosts: ['web01'] } },
      { labels: { instance: 'web02' }, from_am: true, meta: { hosts: ['web02'] } },
    ]);
  });

  it('applies normalize_keys and noop', () => {
    expect(compileFilter({ name: 'normalize_keys', args: { overwrite: false } })({ 'a.b': 1 })).toEqual([{ a_b: 1 }]);
    const e = { x: 1 };
    expect(compileFilter({ name: 'ansible.eda.noop', args: {} })(e)[0]).toBe(e);
    expect(noop(e)).toBe(e);
  });

  it('rejects unknown filters, unknown arguments and arguments of the wrong type at compile time', () => {
    const bad = (name: string, args: Record<string, unknown>) => {
      try {
        compileFilter({ name, args });
      } catch (err) {
        return hasErrorCode(err, ErrorCode.SourceConfigInvalid) ? (err as Error).message : 'other error';
      }
      return 'no error';
    };
    expect(bad('eda.builtin.nope', {})).toMatch(/unknown event filter/);
    expect(bad('json_filter', { exclude: ['a'] })).toMatch(/unknown argument "exclude"/);
    expect(bad('json_filter', { exclude_keys: 'a' })).toMatch(/exclude_keys must be a list of strings/);
    expect(bad('dashes_to_underscores', { overwrite: 'no' })).toMatch(/overwrite must be a boolean/);
    expect(bad('event_splitter', {})).toMatch(/splitter_key must be given/);
    expect(bad('event_splitter', { splitter_key: 'a', attributes_key_map: { x: 1 } })).toMatch(/attributes_key_map/);
    expect(bad('insert_hosts_to_meta', { host_path: 'a', path_separator: '' })).toMatch(/path_separator/);
  });
});
