/**
 * `debug` prints the same wherever it runs: inline for a console-only rule, or on an action
 * worker for a rule that mixes it with a remediation. Both render its arguments as written,
 * once, against masked variables, as upstream: a secret variable is `******`, and a template
 * that came in with event data is printed, not evaluated. (The worker used to print arguments
 * rendered earlier with the real variables, and rendered them a second time.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';

const SECRET = 's3cr3t-never-printed';

describe('console actions', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-console-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('print the same debug text inline and on an action worker, secrets masked, event templates not evaluated', async () => {
    const rulebook = join(dir, 'mixed.yml');
    writeFileSync(
      rulebook,
      `- name: mixed
  hosts: localhost
  match_multiple_rules: true
  sources:
    - name: hook
      ansible.eda.webhook:
        host: 127.0.0.1
        port: 0
  rules:
    - name: fix and say
      condition: event.payload.note is defined
      actions:
        - run_playbook:
            name: test/fixtures/ansible/count-and-sleep.yml
            extra_vars: {counter_file: ${join(dir, 'starts')}, sleep_seconds: 0}
        - debug:
            msg: "worker: token {{ api_token }} note {{ event.payload.note }}"
    - name: only say
      condition: event.payload.note is defined
      action:
        debug:
          msg: "inline: token {{ api_token }} note {{ event.payload.note }}"
`,
    );
    const vars = join(dir, 'vars.yml');
    writeFileSync(vars, `api_token: ${SECRET}\n`);
    const run = await startInProcessEngine(rulebook, { vars: [vars] });
    const response = await fetch(`http://127.0.0.1:${run.port()}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: '{{ 6 * 7 }}' }),
    });
    expect(response.status).toBe(202);
    await until('both debug lines', () => (run.stdout().includes('worker: ') && run.stdout().includes('inline: ') ? true : undefined), 30_000);
    const lines = run.stdout().split('\n');
    expect(lines).toContain('inline: token ****** note {{ 6 * 7 }}');
    expect(lines).toContain('worker: token ****** note {{ 6 * 7 }}');
    expect(run.stdout()).not.toContain(SECRET);
    expect(run.stdout()).not.toContain('note 42');
    expect(await run.stop()).toBe(0);
  }, 60_000);
});
