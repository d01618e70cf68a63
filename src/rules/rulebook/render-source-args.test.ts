import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode, RulebookError } from '../../core/index.js';
import { parseRulebook } from './load-rulebook.js';
import { renderSourceArgs } from './render-source-args.js';

const RULEBOOK = `- name: web
  hosts: all
  sources:
    - name: hook
      ansible.eda.webhook:
        host: "{{ listen_host }}"
        port: "{{ webhook_port }}"
        token_env: WEBHOOK_TOKEN
      filters:
        - ansible.eda.insert_hosts_to_meta:
            host_path: "{{ not_rendered }}"
    - range:
        limit: 3
  rules:
    - name: r
      condition: event.i == 1
      action:
        debug:
`;

describe('renderSourceArgs', () => {
  it('renders templated source arguments with native types, as upstream does when a source starts', () => {
    const rulebook = parseRulebook(RULEBOOK, 'hooks.yml');
    const rendered = renderSourceArgs(rulebook, { listen_host: '127.0.0.1', webhook_port: 5001 });
    const [hook, range] = rendered.rulesets[0]!.sources;
    expect(hook!.args).toEqual({ host: '127.0.0.1', port: 5001, token_env: 'WEBHOOK_TOKEN' });
    expect(hook!.renderedArgs).toEqual(['host', 'port']);
    // Filter arguments are passed as written, and a source without templates is the same object.
    expect(hook!.filters[0]!.args).toEqual({ host_path: '{{ not_rendered }}' });
    expect(range).toBe(rulebook.rulesets[0]!.sources[1]);
    // The loaded rulebook itself is not changed.
    expect(rulebook.rulesets[0]!.sources[0]!.args.port).toBe('{{ webhook_port }}');
  });

  it('turns a port given as text (as -E gives every variable) into a number, as Jinja native rendering does', () => {
    const rendered = renderSourceArgs(parseRulebook(RULEBOOK, 'hooks.yml'), { listen_host: 'localhost', webhook_port: '5002' });
    expect(rendered.rulesets[0]!.sources[0]!.args.port).toBe(5002);
  });

  it('returns the rulebook itself when no source argument holds a template', () => {
    const rulebook = parseRulebook(RULEBOOK.replace('"{{ listen_host }}"', 'localhost').replace('"{{ webhook_port }}"', '5000'), 'hooks.yml');
    expect(renderSourceArgs(rulebook, {})).toBe(rulebook);
  });

  it('names the file, position, source and argument of a template that cannot be rendered', () => {
    let error: unknown;
    try {
      renderSourceArgs(parseRulebook(RULEBOOK, 'hooks.yml'), { listen_host: 'localhost' });
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, ErrorCode.SourceConfigInvalid)).toBe(true);
    expect(error).toBeInstanceOf(RulebookError);
    const message = (error as Error).message;
    expect(message).toMatch(/^hooks\.yml:4:7: source "hook" \(ansible\.eda\.webhook\) of ruleset "web": /);
    expect(message).toContain('webhook_port');
    expect(message).toContain('argument port');
  });
});
