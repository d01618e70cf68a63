/**
 * The notify and GitLab actions over real sockets against local fakes of Zulip, Slack,
 * Mattermost, a generic webhook and the GitLab REST API: config resolved from env secrets as the
 * engine does, then exactly what each fake received (form fields, JSON bodies, auth headers, the
 * GitLab event UUID), how failures map to retry decisions, and that no secret reaches a result.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitlabHandlers, resolveGitlabConfig, type GitlabConfig } from '../../src/actions/gitlab/index.js';
import { OutcomeStatus, type ActionContext, type ActionHandler, type ActionResult } from '../../src/actions/action-handler.js';
import { createNotifyHandler, resolveNotifiersConfig, type NotifiersConfig } from '../../src/actions/notify/index.js';
import { systemClock, type SecretDeps } from '../../src/core/index.js';
import { startFakeChat, type FakeChat } from '../support/fake-chat.js';
import { startFakeGitlab, type FakeGitlab } from '../support/fake-gitlab.js';

const ZULIP_KEY = `zk-${randomUUID()}`;
const SLACK_PATH = `/services/T000/B000/${randomUUID()}`;
const MM_HOOK = randomUUID().replace(/-/g, '').slice(0, 26);
const HOOK_TOKEN = `ht-${randomUUID()}`;
const GITLAB_TOKEN = `glpat-${randomUUID()}`;
const EVENT_UUID = randomUUID();

let chat: FakeChat;
let gitlab: FakeGitlab;
let notifiers: NotifiersConfig;
let gitlabConfig: GitlabConfig;
const results: ActionResult[] = [];
const secrets = (): string[] => [ZULIP_KEY, SLACK_PATH, MM_HOOK, HOOK_TOKEN, GITLAB_TOKEN];

beforeAll(async () => {
  chat = await startFakeChat({
    zulip: { email: 'autoheal-bot@zulip.test', apiKey: ZULIP_KEY, streams: ['ops', 'night'] },
    slackPath: SLACK_PATH,
    slackChannels: ['#ops'],
    mattermostHookId: MM_HOOK,
  });
  gitlab = await startFakeGitlab({ token: GITLAB_TOKEN, projects: [{ id: 14, path: 'ops/infra', issues: [23, 24] }] });
  const deps: SecretDeps = {
    env: {
      ZULIP_KEY,
      SLACK_URL: `${chat.url}${SLACK_PATH}`,
      MM_URL: `${chat.url}/hooks/${MM_HOOK}`,
      HOOK_TOKEN,
      GITLAB_TOKEN,
    },
    readFile: async () => {
      throw Object.assign(new Error('no files here'), { code: 'ENOENT' });
    },
  };
  notifiers = await resolveNotifiersConfig(
    {
      ops: { type: 'zulip', url: chat.url, email: 'autoheal-bot@zulip.test', api_key_env: 'ZULIP_KEY', stream: 'ops' },
      wrongkey: { type: 'zulip', url: chat.url, email: 'autoheal-bot@zulip.test', api_key: 'wrong-key-123' },
      slack: { type: 'slack', url_env: 'SLACK_URL' },
      revoked: { type: 'slack', url: `${chat.url}/services/T000/B000/revoked` },
      mm: { type: 'mattermost', url_env: 'MM_URL', username: 'autoheal' },
      badmm: { type: 'mattermost', url: `${chat.url}/hooks/doesnotexist` },
      hook: { type: 'webhook', url: `${chat.url}/generic`, token_env: 'HOOK_TOKEN' },
    },
    deps,
  );
  const resolved = await resolveGitlabConfig({ url: gitlab.url, token_env: 'GITLAB_TOKEN' }, deps);
  if (resolved === undefined) throw new Error('gitlab config expected');
  gitlabConfig = resolved;
});

afterAll(async () => {
  await chat?.close();
  await gitlab?.close();
});

beforeEach(() => {
  chat.requests.length = 0;
  gitlab.requests.length = 0;
});

function context(action: string, args: Record<string, unknown>, bindings: ActionContext['request']['bindings'] = {}): ActionContext {
  const noop = (): void => {};
  return {
    request: { dispatchKey: `rs/r/${randomUUID()}/0`, ruleset: 'rs', rule: 'r', action, args, bindings, eventIds: ['e1'] },
    attempt: 1,
    signal: AbortSignal.timeout(10_000),
    clock: systemClock,
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

async function run(handler: ActionHandler, ctx: ActionContext): Promise<ActionResult> {
  const result = await handler.run(ctx);
  results.push(result);
  return result;
}

const notify = (args: Record<string, unknown>): Promise<ActionResult> => run(createNotifyHandler(notifiers), context('notify', args));

describe('notify over HTTP', () => {
  it('sends a Zulip stream message as the documented form with Basic auth', async () => {
    const result = await notify({ target: 'ops', message: 'rsyslog restarted on web01 (job 42, successful)', topic: 'autoheal web01' });
    expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, details: { messageId: 40 } });
    expect(chat.zulipMessages.at(-1)).toEqual({ id: 40, type: 'stream', to: 'ops', topic: 'autoheal web01', content: 'rsyslog restarted on web01 (job 42, successful)' });
    const [request] = chat.requests;
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`autoheal-bot@zulip.test:${ZULIP_KEY}`).toString('base64')}`);
    expect(new URLSearchParams(request!.body).get('to')).toBe('"ops"');
  });

  it('maps Zulip errors: unknown stream and bad key are permanent, 429 is retryable after Retry-After', async () => {
    const missing = await notify({ target: 'ops', message: 'm', stream: 'nope' });
    expect(missing).toMatchObject({ retryable: false, httpStatus: 400, summary: 'notify zulip "ops": HTTP 400: STREAM_DOES_NOT_EXIST: Channel \'nope\' does not exist' });
    const badKey = await notify({ target: 'wrongkey', message: 'm', stream: 'ops' });
    expect(badKey).toMatchObject({ retryable: false, httpStatus: 401 });
    expect(badKey.summary).toContain('INVALID_API_KEY');
    chat.rateLimitZulip(1, 3);
    const limited = await notify({ target: 'ops', message: 'm' });
    expect(limited).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, retryAfterMs: 3_000, httpStatus: 429 });
    expect(await notify({ target: 'ops', message: 'after the limit' })).toMatchObject({ status: OutcomeStatus.Succeeded });
  });

  it('posts Slack and Mattermost webhooks and reads their error formats', async () => {
    expect(await notify({ target: 'slack', message: 'done', title: 'autoheal' })).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200 });
    expect(chat.slackMessages.at(-1)).toEqual({ text: '*autoheal*\ndone' });
    expect(await notify({ target: 'slack', message: 'm', stream: '#gone' })).toMatchObject({ retryable: false, httpStatus: 404, summary: 'notify slack "slack": HTTP 404: channel_not_found' });
    expect(await notify({ target: 'revoked', message: 'm' })).toMatchObject({ retryable: false, summary: 'notify slack "revoked": HTTP 404: no_service' });

    expect(await notify({ target: 'mm', message: 'done' })).toMatchObject({ status: OutcomeStatus.Succeeded });
    expect(chat.mattermostMessages.at(-1)).toEqual({ text: 'done', username: 'autoheal' });
    expect(await notify({ target: 'badmm', message: 'm' })).toMatchObject({
      retryable: false,
      summary: 'notify mattermost "badmm": HTTP 400: Invalid webhook. (web.incoming_webhook.invalid.app_error)',
    });
  });

  it('posts the generic webhook with a bearer token and the dispatch key', async () => {
    const ctx = context('notify', { target: 'hook', message: 'm', title: 't' });
    expect(await run(createNotifyHandler(notifiers), ctx)).toMatchObject({ status: OutcomeStatus.Succeeded });
    expect(chat.requests[0]!.headers).toMatchObject({ authorization: `Bearer ${HOOK_TOKEN}`, 'idempotency-key': ctx.request.dispatchKey });
    expect(chat.webhookMessages.at(-1)).toEqual({ message: 'm', title: 't', ruleset: 'rs', rule: 'r', dispatch_key: ctx.request.dispatchKey, event_ids: ['e1'] });
  });
});

describe('GitLab actions over HTTP', () => {
  const issueEvent = { gitlab: { event: 'Issue Hook', project: 'ops/infra', project_id: 14, event_uuid: EVENT_UUID }, issue: { iid: 23 } };
  const handler = (name: string): ActionHandler => createGitlabHandlers(gitlabConfig).find((h) => h.name === name)!;

  it('comments, labels and closes the matched issue, sending the token and the event UUID on every call', async () => {
    const bindings = { m: issueEvent };
    expect(await run(handler('gitlab_comment'), context('gitlab_comment', { body: 'autoheal: restarting rsyslog' }, bindings))).toMatchObject({
      status: OutcomeStatus.Succeeded,
      httpStatus: 201,
    });
    expect(await run(handler('gitlab_label'), context('gitlab_label', { add: ['autoheal::remediated'], remove: ['autoheal::running'] }, bindings))).toMatchObject({
      status: OutcomeStatus.Succeeded,
      details: { labels: ['autoheal::remediated'] },
    });
    expect(await run(handler('gitlab_close'), context('gitlab_close', { comment: 'Fixed by autoheal' }, bindings))).toMatchObject({
      status: OutcomeStatus.Succeeded,
      summary: expect.stringMatching(/^gitlab_close: closed 14#23 with a comment \(note \d+\)$/),
    });

    expect(gitlab.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/projects/14/issues/23/notes?sort=desc&order_by=created_at&per_page=100',
      'POST /api/v4/projects/14/issues/23/notes',
      'PUT /api/v4/projects/14/issues/23',
      'GET /api/v4/projects/14/issues/23/notes?sort=desc&order_by=created_at&per_page=100',
      'POST /api/v4/projects/14/issues/23/notes',
      'PUT /api/v4/projects/14/issues/23',
    ]);
    for (const request of gitlab.requests) {
      expect(request.headers['private-token']).toBe(GITLAB_TOKEN);
      expect(request.headers['x-gitlab-event-uuid']).toBe(EVENT_UUID);
    }
    expect(JSON.parse(gitlab.requests[1]!.body)).toEqual({ body: expect.stringMatching(/^autoheal: restarting rsyslog\n\n<!-- autoheal:[0-9a-f]{16} -->$/) });
    expect(JSON.parse(gitlab.requests[2]!.body)).toEqual({ add_labels: 'autoheal::remediated', remove_labels: 'autoheal::running' });
    expect(JSON.parse(gitlab.requests[5]!.body)).toEqual({ state_event: 'close' });
    expect(gitlab.issue(14, 23)).toMatchObject({ state: 'closed', labels: ['autoheal::remediated'] });
    expect(gitlab.issue(14, 23)!.notes).toHaveLength(2);
  });

  it('addresses an explicit project path and issue without an event UUID when no GitLab event matched', async () => {
    const result = await run(handler('gitlab_comment'), context('gitlab_comment', { body: 'from an alert', project: 'ops/infra', issue: 24 }, { m: { alert: {} } }));
    expect(result.status).toBe(OutcomeStatus.Succeeded);
    expect(gitlab.requests[1]!.path).toBe('/api/v4/projects/ops%2Finfra/issues/24/notes');
    expect(gitlab.requests.every((r) => r.headers['x-gitlab-event-uuid'] === undefined)).toBe(true);
  });

  it('does not retry a missing issue, and retries 429 after Retry-After', async () => {
    const missing = await run(handler('gitlab_label'), context('gitlab_label', { add: ['x'], issue: 99 }, { m: issueEvent }));
    expect(missing).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 404 });
    expect(missing.summary).toContain('404 Issue Not Found');
    gitlab.replyNext({ status: 429, headers: { 'retry-after': '12' }, body: { message: 'Retry later' } });
    expect(await run(handler('gitlab_label'), context('gitlab_label', { add: ['x'] }, { m: issueEvent }))).toMatchObject({ retryable: true, retryAfterMs: 12_000, httpStatus: 429 });
  });

  it('is retryable when GitLab cannot be reached', async () => {
    const down = await startFakeGitlab({ token: GITLAB_TOKEN, projects: [] });
    const url = down.url;
    await down.close();
    const config = await resolveGitlabConfig({ url, token: GITLAB_TOKEN }, { env: {}, readFile: async () => '' });
    const result = await run(createGitlabHandlers(config!)[0]!, context('gitlab_comment', { body: 'x' }, { m: issueEvent }));
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, summary: 'gitlab_comment: comment on 14#23: cannot reach GitLab (ECONNREFUSED)' });
  });
});

afterAll(() => {
  // Every result of this file, successes and failures alike: no secret in any field.
  expect(results.length).toBeGreaterThan(10);
  const everything = JSON.stringify(results);
  for (const secret of secrets()) expect(everything).not.toContain(secret);
});
