/**
 * The rsyslog story end to end (issue "Remediation", done-when): the bundled rulebook
 * rulebooks/gitlab-rsyslog.yml runs under `autoheal run`; a GitLab Issue Hook ("rsyslog is down
 * on web01") arrives over HTTP; the rule launches the AWX job template with the issue's host
 * in extra vars and polls it to success; a note lands on the GitLab issue and a Zulip message
 * says what was done; `autoheal history` shows the chain event → rule → actions → attempts.
 * AWX, GitLab and Zulip are the local fakes implementing their documented APIs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCommand, type SignalSource } from '../../src/cli/commands/run-command.js';
import { runCli } from '../../src/cli/program.js';
import type { Engine } from '../../src/runtime/index.js';
import { FAKE_AWX_TOKEN, FakeAwx } from '../support/fake-awx.js';
import { startFakeChat, type FakeChat } from '../support/fake-chat.js';
import { startFakeGitlab, type FakeGitlab } from '../support/fake-gitlab.js';

const HOOK_TOKEN = `hook-${randomUUID()}`;
const GITLAB_TOKEN = `glpat-${randomUUID()}`;
const ZULIP_KEY = `zk-${randomUUID()}`;


describe('the rsyslog story', () => {
  let dir: string;
  let awx: FakeAwx;
  let gitlab: FakeGitlab;
  let chat: FakeChat;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-story-'));
    awx = await FakeAwx.start({ templates: [{ id: 7, name: 'Restart rsyslog', organization: 'Default', stdout: 'PLAY RECAP web01 ok=2 changed=1' }] });
    gitlab = await startFakeGitlab({ token: GITLAB_TOKEN, projects: [{ id: 14, path: 'ops/infra', issues: [23] }] });
    chat = await startFakeChat({ zulip: { email: 'bot@zulip.test', apiKey: ZULIP_KEY, streams: ['ops'] }, slackPath: '/s', slackChannels: [], mattermostHookId: 'm'.repeat(26) });
  });
  afterAll(async () => {
    await Promise.all([awx.close(), gitlab.close(), chat.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts rsyslog through AWX, writes back to GitLab and Zulip, and records it all', async () => {
    // The bundled rulebook, only moved to a free port.
    const rulebook = join(dir, 'gitlab-rsyslog.yml');
    writeFileSync(rulebook, readFileSync('rulebooks/gitlab-rsyslog.yml', 'utf8').replace('port: 5002', 'port: 0').replace('host: 0.0.0.0', 'host: 127.0.0.1'));
    const config = join(dir, 'autoheal.yml');
    const history = join(dir, 'history.jsonl');
    writeFileSync(
      config,
      [
        `controller: {url: "${awx.url}", token_env: AWX_TOKEN, poll_interval: 0.05}`,
        `gitlab: {url: "${gitlab.url}", token_env: GITLAB_API_TOKEN}`,
        'notifiers:',
        `  ops: {type: zulip, url: "${chat.url}", email: bot@zulip.test, api_key_env: ZULIP_API_KEY, stream: ops}`,
        `history: {file: "${history}"}`,
        'api: {host: 127.0.0.1, port: 0, token_env: AUTOHEAL_API_TOKEN}',
      ].join('\n'),
    );
    const API_TOKEN = `api-${randomUUID()}`;
    const env = { GITLAB_WEBHOOK_TOKEN: HOOK_TOKEN, AWX_TOKEN: FAKE_AWX_TOKEN, GITLAB_API_TOKEN: GITLAB_TOKEN, ZULIP_API_KEY: ZULIP_KEY, AUTOHEAL_API_TOKEN: API_TOKEN };
    let stdout = '';
    const logs: string[] = [];
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env };
    const listeners = new Set<() => void>();
    const signals: SignalSource = { on: (_s, l) => void listeners.add(l), off: (_s, l) => void listeners.delete(l) };
    let engine: Engine | undefined;
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
    const running = runCommand(rulebook, { vars: ['examples/vars/autoheal.yml'], config, historyFile: history }, io, { logger, signals, onStarted: (e) => (engine = e) });
    const started = await until('the engine to start', () => engine);
    const port = started.listening[0]?.port;

    const payload = JSON.parse(readFileSync('examples/payloads/gitlab-issue-rsyslog.json', 'utf8')) as { headers: Record<string, string>; body: unknown };
    const eventUuid = payload.headers['X-Gitlab-Event-UUID'] as string;
    const response = await fetch(`http://127.0.0.1:${port}/gitlab`, {
      method: 'POST',
      headers: { ...payload.headers, 'X-Gitlab-Token': HOOK_TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload.body),
    });
    expect(response.status).toBe(202);

    // AWX: the job template launched once, with the issue's host, and polled to success.
    const launch = await until('the AWX launch', () => awx.launches()[0]);
    const launched = launch.body as { limit: string; extra_vars: Record<string, unknown> };
    expect(launched.limit).toBe('web01');
    expect(launched.extra_vars).toMatchObject({ target_host: 'web01', gitlab_project: 'ops/infra', gitlab_issue_iid: 23, notify_user: 'alice' });
    expect(launched.extra_vars.ansible_eda).toMatchObject({ ruleset: 'rsyslog', rule: 'restart rsyslog' });

    // GitLab: a note on issue 23, sent back with the event's UUID (loop prevention).
    const note = await until('the GitLab note', () => gitlab.issue(14, 23)?.notes[0]);
    expect(note.body).toContain('autoheal ran the AWX job template *Restart rsyslog* on web01');
    const noteRequest = gitlab.requests.find((r) => r.method === 'POST' && r.path.includes('/notes'));
    expect(noteRequest?.headers['x-gitlab-event-uuid']).toBe(eventUuid);

    // Zulip: a message to the ops stream saying what was done.
    const message = await until('the Zulip message', () => chat.zulipMessages[0]);
    expect(message).toMatchObject({ topic: 'rsyslog on web01' });
    expect(message.content).toBe('Restarted rsyslog on web01 for https://gitlab.example.com/ops/infra/-/issues/23');
    expect(awx.launches()).toHaveLength(1);

    // GitLab sends the same delivery again (same Idempotency-Key): acknowledged, nothing runs twice.
    const again = await fetch(`http://127.0.0.1:${port}/gitlab`, {
      method: 'POST',
      headers: { ...payload.headers, 'X-Gitlab-Token': HOOK_TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload.body),
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 });

    // autoheal history: the whole chain, every action succeeded.
    let out = '';
    const historyIo: CliIo = { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {} };
    const code = await runCli(['history', '--history-file', history, '--json'], historyIo);
    expect(code).toBe(0);
    const items = (JSON.parse(out) as { items: Array<Record<string, any>> }).items;
    expect(items.map((i) => [i.action, i.status]).sort()).toEqual([
      ['gitlab_comment', 'succeeded'],
      ['notify', 'succeeded'],
      ['run_job_template', 'succeeded'],
    ]);
    const job = items.find((i) => i.action === 'run_job_template');
    expect(job).toMatchObject({ ruleset: 'rsyslog', rule: 'restart rsyslog', host: 'web01' });
    expect(job?.attempts[0]).toMatchObject({ attempt: 1, status: 'succeeded' });
    expect(job?.attempts[0].details).toMatchObject({ controller_job_id: expect.any(Number) });
    expect(JSON.stringify(items)).not.toContain(ZULIP_KEY);

    // Decisions, including what ran nothing: the rule fired once, the redelivery was a duplicate.
    const decisions = async (): Promise<Array<{ rule: string; kind: string }>> => {
      let text = '';
      await runCli(['history', '--history-file', history, '--decisions', '--json'], { stdout: (t) => (text += t), stderr: () => undefined, env: {} });
      return (JSON.parse(text) as { decisions: Array<{ rule: string; kind: string }> }).decisions;
    };
    let kinds: string[] = [];
    for (let i = 0; i < 50 && !(kinds.includes('deduplicated') && kinds.includes('fired')); i += 1) {
      kinds = (await decisions()).map((d) => `${d.kind}`);
      if (!(kinds.includes('deduplicated') && kinds.includes('fired'))) await new Promise((r) => setTimeout(r, 100));
    }
    expect((await decisions()).map((d) => [d.rule, d.kind]).sort()).toEqual([
      ['(intake)', 'deduplicated'],
      ['restart rsyslog', 'fired'],
    ]);
    expect(logs.join('')).not.toContain(GITLAB_TOKEN);

    // The operations API: metrics of what happened, health, and the same history over HTTP.
    const api = `http://127.0.0.1:${started.apiAddress?.port}`;
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toContain('autoheal_webhook_requests_total{source="gitlab",status="202"} 2');
    expect(metrics).toContain('autoheal_events_deduplicated_total{ruleset="rsyslog",source="gitlab"} 1');
    expect(metrics).toContain('autoheal_events_received_total{ruleset="rsyslog",source="gitlab"} 1');
    expect(metrics).toContain('autoheal_rule_matches_total{ruleset="rsyslog",rule="restart rsyslog"} 1');
    expect(metrics).toContain('autoheal_actions_total{action="run_job_template",status="succeeded"} 1');
    expect(metrics).toMatch(/autoheal_action_duration_seconds_count\{action="notify"\} 1/);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    expect((await fetch(`${api}/api/outcomes`)).status).toBe(401);
    expect(awx.launches()).toHaveLength(1);
    const page = (await (await fetch(`${api}/api/outcomes?rule=restart%20rsyslog`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as { items: unknown[] };
    expect(page.items).toHaveLength(3);

    for (const l of listeners) l();
    expect(await running).toBe(0);
  }, 60_000);
});
