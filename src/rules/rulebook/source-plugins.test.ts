import { describe, expect, it } from 'vitest';
import { filterArgsValidator, resolveEventFilter, resolveSourcePlugin, SOURCE_PLUGIN_NAMES } from './source-plugins.js';
import { validateArgs } from './validate-args.js';

describe('source plugin registry', () => {
  it('resolves upstream aliases to one canonical name', () => {
    const canonical = (name: string): string | undefined => resolveSourcePlugin(name)?.canonical;
    expect(canonical('range')).toBe('eda.builtin.range');
    expect(canonical('ansible.eda.range')).toBe('eda.builtin.range');
    expect(canonical('eda.builtin.range')).toBe('eda.builtin.range');
    expect(canonical('generic')).toBe('eda.builtin.generic');
    expect(canonical('ansible.eda.generic')).toBe('eda.builtin.generic');
    expect(canonical('ansible.eda.webhook')).toBe('eda.builtin.webhook');
    expect(canonical('ansible.eda.alertmanager')).toBe('ansible.eda.alertmanager');
    expect(canonical('ansible.eda.kafka')).toBe('ansible.eda.kafka');
    expect(canonical('ansible.eda.pg_listener')).toBe('eda.builtin.pg_listener');
    expect(canonical('autoheal.gitlab')).toBe('autoheal.gitlab');
    expect(canonical('autoheal.icinga')).toBe('autoheal.icinga');
    expect(canonical('webhook')).toBeUndefined();
  });

  it('lists each name once', () => {
    expect(new Set(SOURCE_PLUGIN_NAMES).size).toBe(SOURCE_PLUGIN_NAMES.length);
  });
});

describe('event filter registry', () => {
  it('resolves legacy ansible.eda names', () => {
    expect(resolveEventFilter('ansible.eda.json_filter')?.canonical).toBe('eda.builtin.json_filter');
    expect(resolveEventFilter('ansible.eda.dashes_to_underscores')?.canonical).toBe('eda.builtin.dashes_to_underscores');
    expect(resolveEventFilter('eda.builtin.event_splitter')?.canonical).toBe('eda.builtin.event_splitter');
    expect(resolveEventFilter('json_filter')).toBeUndefined();
  });

  it('validates filter arguments', () => {
    const validator = filterArgsValidator('eda.builtin.event_splitter')!;
    expect(validateArgs(validator, { splitter_key: 'alerts', attributes_key_map: { host: 'meta.host' } }, 'f')).toEqual([]);
    expect(validateArgs(validator, { attributes_key_map: { host: 1 } }, 'f').map((i) => i.message)).toEqual([
      'missing required argument "splitter_key" for f',
      'argument "attributes_key_map.host" of f must be a string, found an integer',
    ]);
  });
});
