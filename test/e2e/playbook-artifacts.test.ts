/**
 * set_facts / post_events (upstream's run_playbook options): after a successful real playbook
 * run, its set_stats data is asserted as a fact and posted as an event into the ruleset, where
 * they fire further rules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';


describe('playbook artifacts back into the rule engine', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-artifacts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asserts set_stats data as a fact and posts it as an event', async () => {
    const rulebook = join(dir, 'rb.yml');
    writeFileSync(
      rulebook,
      `- name: heal
  hosts: localhost
  sources:
    - name: hook
      ansible.eda.webhook:
        host: 127.0.0.1
        port: 0
  rules:
    - name: restart
      condition: event.payload.service is defined and event.payload.check is not defined
      action:
        run_playbook:
          name: test/fixtures/ansible/report-restart.yml
          extra_vars: {service: "{{ event.payload.service }}"}
          set_facts: true
          post_events: true
    - name: saw the fact
      condition: fact.restarted == "rsyslog" and fact.meta.source.type == "internal"
      action:
        debug: {msg: "fact says {{ event.restarted }} {{ event.outcome }}"}
    - name: the fact persists
      condition:
        all:
          - events.f << fact.restarted == "rsyslog"
          - event.payload.check == "again"
      action:
        debug: {msg: "still known: {{ events.f.restarted }}"}
`,
    );
    const run = await startInProcessEngine(rulebook);
    const response = await fetch(`http://127.0.0.1:${run.port()}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'rsyslog' }),
    });
    expect(response.status).toBe(202);
    // The fact fires the rule, and so does the posted event (same shape): two banners.
    await until('both debug banners', () => (run.stdout().split('fact says rsyslog ok').length - 1 >= 2 ? true : undefined));
    expect(run.stdout().split('fact says rsyslog ok').length - 1).toBe(2);
    // Only a fact outlives its first match: a later event completes an all with it.
    await fetch(`http://127.0.0.1:${run.port()}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ check: 'again' }) });
    await until('the all rule with the fact', () => (run.stdout().includes('still known: rsyslog') ? true : undefined));
    expect(await run.stop()).toBe(0);
  }, 60_000);
});
