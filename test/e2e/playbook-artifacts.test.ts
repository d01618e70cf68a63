/**
 * set_facts / post_events (upstream's run_playbook options): after a successful real playbook
 * run, its set_stats data is asserted as a fact and posted as an event into the ruleset, where
 * they fire further rules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCommand, type SignalSource } from '../../src/cli/commands/run-command.js';
import type { Engine } from '../../src/runtime/index.js';


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
    let stdout = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} };
    const listeners = new Set<() => void>();
    const signals: SignalSource = { on: (_s, l) => void listeners.add(l), off: (_s, l) => void listeners.delete(l) };
    let engine: Engine | undefined;
    const running = runCommand(rulebook, {}, io, { logger: pino({ level: 'warn' }, { write: () => undefined }), signals, onStarted: (e) => (engine = e) });
    const started = await until('the engine', () => engine);
    const response = await fetch(`http://127.0.0.1:${started.listening[0]?.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'rsyslog' }),
    });
    expect(response.status).toBe(202);
    // The fact fires the rule, and so does the posted event (same shape): two banners.
    await until('both debug banners', () => (stdout.split('fact says rsyslog ok').length - 1 >= 2 ? true : undefined));
    expect(stdout.split('fact says rsyslog ok').length - 1).toBe(2);
    // Only a fact outlives its first match: a later event completes an all with it.
    await fetch(`http://127.0.0.1:${started.listening[0]?.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ check: 'again' }) });
    await until('the all rule with the fact', () => (stdout.includes('still known: rsyslog') ? true : undefined));
    for (const l of listeners) l();
    expect(await running).toBe(0);
  }, 60_000);
});
