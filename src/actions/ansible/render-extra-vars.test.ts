import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderExtraVars } from './render-extra-vars.js';

/** Reads the file as Ansible's YAML 1.1 loader would, showing `!unsafe` strings as `unsafe:<value>`. */
function load(text: string): unknown {
  return parse(text, {
    version: '1.1',
    customTags: [{ tag: '!unsafe', resolve: (value: string) => `unsafe:${value}` }],
  });
}

describe('renderExtraVars', () => {
  const eda = { ruleset: 'rs', rule: 'r1', event: { x: "{{ lookup('pipe','id') }}", n: 3, ok: true, none: null } };

  it('tags every string of ansible_eda unsafe, keys included, and keeps other types', () => {
    expect(load(renderExtraVars({}, eda, false))).toEqual({
      ansible_eda: {
        'unsafe:ruleset': 'unsafe:rs',
        'unsafe:rule': 'unsafe:r1',
        'unsafe:event': {
          'unsafe:x': "unsafe:{{ lookup('pipe','id') }}",
          'unsafe:n': 3,
          'unsafe:ok': true,
          'unsafe:none': null,
        },
      },
    });
  });

  it('tags extra vars unsafe unless templates are allowed', () => {
    expect(load(renderExtraVars({ svc: '{{ x }}', list: ['a', 1] }, undefined, false))).toEqual({
      'unsafe:svc': 'unsafe:{{ x }}',
      'unsafe:list': ['unsafe:a', 1],
    });
    expect(load(renderExtraVars({ svc: '{{ x }}' }, eda, true))).toMatchObject({ svc: '{{ x }}' });
  });

  it('quotes strings that YAML 1.1 would read as other types', () => {
    const tricky = { a: 'yes', b: 'on', c: '1:20', d: '2001-12-14', e: '0x1F', f: '1_000', g: 'null', h: '~', y: 'n' };
    expect(load(renderExtraVars(tricky, undefined, true))).toEqual(tricky);
  });

  it('keeps long and multi-line strings byte for byte', () => {
    const long = `${'word '.repeat(100)}\n  indented\ttab\n`;
    expect(load(renderExtraVars({ long }, undefined, true))).toEqual({ long });
  });
});
