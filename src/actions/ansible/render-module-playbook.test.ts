import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderModulePlaybook } from './render-module-playbook.js';

function load(text: string): unknown {
  return parse(text, {
    version: '1.1',
    customTags: [{ tag: '!unsafe', resolve: (value: string) => `unsafe:${value}` }],
  });
}

describe('renderModulePlaybook', () => {
  it('wraps the module like upstream: registered result, then a cacheable set_fact of it', () => {
    expect(load(renderModulePlaybook('ansible.builtin.command', { cmd: 'echo {{ x }}' }, 'web01,web02', false))).toEqual([
      {
        name: 'wrapper',
        hosts: 'web01,web02',
        gather_facts: false,
        tasks: [
          { name: 'Module wrapper', 'ansible.builtin.command': { 'unsafe:cmd': 'unsafe:echo {{ x }}' }, register: 'module_result' },
          {
            name: 'save result',
            'ansible.builtin.set_fact': { module_result: '{{ module_result }}', cacheable: true },
          },
        ],
      },
    ]);
  });

  it('keeps free-form string args as a plain string, and mapping args templatable when allowed', () => {
    const [play] = load(renderModulePlaybook('command', 'echo hi', 'all', false)) as Array<{ tasks: unknown[] }>;
    expect(play?.tasks[0]).toMatchObject({ command: 'echo hi' });
    const [play2] = load(renderModulePlaybook('debug', { msg: '{{ x }}' }, 'all', true)) as Array<{ tasks: unknown[] }>;
    expect(play2?.tasks[0]).toMatchObject({ debug: { msg: '{{ x }}' } });
  });
});
