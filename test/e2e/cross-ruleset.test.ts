/**
 * Engine actions into another ruleset under `autoheal run`: a `set_fact` and a `post_event`
 * with `ruleset: other` travel through the other ruleset's queue (so only its owner changes its
 * memory, even with several processes) and fire its rules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';

describe('engine actions into another ruleset', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-cross-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers set_fact and post_event through the target ruleset', async () => {
    const rulebook = join(dir, 'rb.yml');
    writeFileSync(
      rulebook,
      `- name: intake
  hosts: all
  sources:
    - name: hook
      ansible.eda.webhook: {host: 127.0.0.1, port: 0}
  rules:
    - name: forward
      condition: event.payload.host is defined
      actions:
        - set_fact: {ruleset: remediation, fact: {maintenance: "{{ event.payload.host }}"}}
        - post_event: {ruleset: remediation, event: {down: "{{ event.payload.host }}"}}
- name: remediation
  hosts: all
  sources:
    - name: idle
      ansible.eda.webhook: {host: 127.0.0.1, port: 0}
  rules:
    - name: host down during maintenance
      condition:
        all:
          - events.m << fact.maintenance is defined
          - event.down == events.m.maintenance
      action:
        debug: {msg: "{{ events.m_1.down }} is down but in maintenance"}
`,
    );
    const run = await startInProcessEngine(rulebook);
    const response = await fetch(`http://127.0.0.1:${run.port('intake')}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: 'web07' }) });
    expect(response.status).toBe(202);
    await until('the remediation ruleset to fire', () => (run.stdout().includes('web07 is down but in maintenance') ? true : undefined), 10_000);
    expect(await run.stop()).toBe(0);
  }, 30_000);
});
