import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnsibleOutputCollector, parseJsonlEvent, renderJsonlEvent, type AnsibleJsonlEvent } from './ansible-output.js';

const SAMPLE = readFileSync(new URL('../../../test/fixtures/ansible/sample-events.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n');

function okEvent(host: string, result: Record<string, unknown>): string {
  return JSON.stringify({ _event: 'v2_runner_on_ok', hosts: { [host]: result }, task: { name: 't' } });
}

describe('AnsibleOutputCollector', () => {
  it('takes stats from the jsonl stats event', () => {
    const c = new AnsibleOutputCollector();
    for (const line of SAMPLE) c.ingest('stdout', line);
    expect(c.stats()).toEqual({
      localhost: { ok: 4, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 1 },
    });
  });

  it('keeps whichever of set_stats data or set_fact facts came last', () => {
    const c = new AnsibleOutputCollector();
    c.ingest('stdout', okEvent('web01', { action: 'set_stats', ansible_stats: { data: { a: 1 } } }));
    expect(c.artifacts()).toEqual({ source: 'set_stats', host: 'web01', data: { a: 1 } });
    c.ingest('stdout', okEvent('web02', { action: 'ansible.builtin.set_fact', ansible_facts: { b: 2 } }));
    expect(c.artifacts()).toEqual({ source: 'set_fact', host: 'web02', data: { b: 2 } });
    // Facts gathered by setup are not artifacts.
    c.ingest('stdout', okEvent('web03', { action: 'ansible.builtin.setup', ansible_facts: { os: 'x' } }));
    expect(c.artifacts()?.host).toBe('web02');
  });

  it('reads no events from stderr or from non-JSON lines', () => {
    const c = new AnsibleOutputCollector();
    const line = c.ingest('stderr', okEvent('h', { action: 'set_stats', ansible_stats: { data: {} } }));
    expect(line.event).toBeUndefined();
    expect(c.ingest('stdout', '{not json}').event).toBeUndefined();
    expect(c.ingest('stdout', '{"no_event": 1}').event).toBeUndefined();
    expect(c.artifacts()).toBeUndefined();
  });

  it('parses the PLAY RECAP of the default callback', () => {
    const c = new AnsibleOutputCollector();
    const recap = readFileSync(new URL('../../../test/fixtures/ansible/sample-recap.txt', import.meta.url), 'utf8');
    for (const line of recap.split('\n')) c.ingest('stdout', line);
    expect(c.stats()).toEqual({
      localhost: { ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
    });
  });

  it('does not read host lines that are not under a PLAY RECAP', () => {
    const c = new AnsibleOutputCollector();
    c.ingest('stdout', 'web01 : ok=1 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0');
    expect(c.stats()).toBeUndefined();
  });
});

describe('renderJsonlEvent', () => {
  const event = (line: string): AnsibleJsonlEvent => parseJsonlEvent(line) ?? { _event: 'none' };

  it('renders results like the default callback', () => {
    expect(SAMPLE.flatMap((l) => renderJsonlEvent(event(l)))).toEqual([
      'PLAY [all]',
      'TASK [debug]',
      'ok: [localhost] => hello 42',
      'TASK [set_fact]',
      'ok: [localhost]',
      'TASK [set_stats]',
      'ok: [localhost]',
      'TASK [command]',
      'fatal: [localhost]: FAILED! => non-zero return code rc=1',
      'PLAY RECAP',
      'localhost : ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1',
    ]);
  });

  it('renders unreachable and skipped hosts, and cuts long details to one line', () => {
    const long = 'x'.repeat(600);
    expect(
      renderJsonlEvent({ _event: 'v2_runner_on_unreachable', hosts: { h: { msg: 'ssh:\n refused' } } }),
    ).toEqual(['fatal: [h]: UNREACHABLE! => ssh: refused']);
    expect(renderJsonlEvent({ _event: 'v2_runner_on_skipped', hosts: { h: {} } })).toEqual(['skipping: [h]']);
    const [line] = renderJsonlEvent({ _event: 'v2_runner_on_failed', hosts: { h: { msg: long } } });
    expect(line).toBe(`fatal: [h]: FAILED! => ${'x'.repeat(500)}…`);
  });
});
