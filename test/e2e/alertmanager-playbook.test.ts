/**
 * An Alertmanager alert drives a real ansible-playbook run (issue "Remediation", done-when): the
 * captured Alertmanager webhook is posted to `autoheal run`; the rule runs a local playbook
 * through the dispatcher; the playbook sees the alert in `ansible_eda` and the rendered extra
 * vars; `autoheal history` records the run with its rc. Real ansible-playbook.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';
import { runCli } from '../../src/cli/program.js';


describe('an Alertmanager alert running a real playbook', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-am-playbook-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the playbook with the alert and records the outcome', async () => {
    const output = join(dir, 'ran.txt');
    const history = join(dir, 'history.jsonl');
    const rulebook = join(dir, 'am.yml');
    writeFileSync(
      rulebook,
      `- name: alerts
  hosts: localhost
  sources:
    - name: am
      ansible.eda.alertmanager:
        host: 127.0.0.1
        port: 0
        token: acc-bearer-token-1
        data_host_path: ""
  rules:
    - name: restart http
      condition: event.alert.labels.alertname == "AccHttpDown" and event.alert.status == "firing"
      action:
        run_playbook:
          name: test/fixtures/ansible/record-alert.yml
          extra_vars:
            output_file: ${output}
            service: "{{ event.alert.labels.service }}"
`,
    );
    const run = await startInProcessEngine(rulebook, { historyFile: history }, {}, 'info');
    // The real capture from Alertmanager 0.25 (shared/fixtures), headers and body as sent.
    const capture = JSON.parse(readFileSync(resolve('../shared/fixtures/alertmanager-firing.json'), 'utf8')) as { headers: Record<string, string>; body: unknown };
    const response = await fetch(`http://127.0.0.1:${run.port()}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: capture.headers.authorization as string },
      body: JSON.stringify(capture.body),
    });
    expect(response.status).toBe(202);

    await until('the playbook to write its file', () => (existsSync(output) ? true : undefined));
    expect(readFileSync(output, 'utf8')).toBe('AccHttpDown restart http http\n');

    let out = '';
    const read = async (): Promise<Array<Record<string, any>>> => {
      out = '';
      await runCli(['history', '--history-file', history, '--json'], { stdout: (t) => (out += t), stderr: () => undefined, env: {} });
      return (JSON.parse(out) as { items: Array<Record<string, any>> }).items;
    };
    let item: Record<string, any> | undefined;
    for (let i = 0; i < 100 && item === undefined; i += 1) {
      item = (await read()).find((r) => r.action === 'run_playbook' && r.status !== 'running' && r.status !== 'pending');
      if (item === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(item).toMatchObject({ ruleset: 'alerts', rule: 'restart http', action: 'run_playbook', status: 'succeeded' });
    expect(item?.attempts[0]).toMatchObject({ status: "succeeded", rc: 0 });

    // What on-call reads in the log at the default level: the rule fired, its action started and
    // how it ended, each line naming the rule and the event.
    const trail = run.logRecords().filter((l) => ['webhook accepted', 'rule fired', 'action started', 'action finished'].includes(l.msg));
    expect(trail.map((l) => l.msg)).toEqual(['webhook accepted', 'rule fired', 'action started', 'action finished']);
    const eventId = trail[0]!.eventIds[1];
    expect(trail[1]).toMatchObject({ level: 30, rule: 'restart http', actions: ['run_playbook'], eventIds: [eventId] });
    expect(trail[3]).toMatchObject({ level: 30, rule: 'restart http', action: 'run_playbook', status: 'succeeded', eventIds: [eventId] });
    expect(trail[3]!.summary).toMatch(/succeeded \(rc 0\)/);

    expect(await run.stop()).toBe(0);
  }, 60_000);
});
