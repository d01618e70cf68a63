import { beforeEach, describe, expect, it } from 'vitest';
import { FakeGitlab } from '../../../test/support/fake-gitlab.js';
import { ManualClock } from '../../core/index.js';
import { OutcomeStatus, type ActionContext } from '../action-handler.js';
import type { FetchLike } from '../notify/index.js';
import type { GitlabConfig } from './gitlab-config.js';
import { createGitlabCloseHandler, createGitlabCommentHandler, createGitlabHandlers, createGitlabLabelHandler, noteMarker } from './gitlab-handlers.js';

const TOKEN = 'glpat-unit-secret';
const NOW = Date.parse('2026-11-21T23:00:00Z');
const CONFIG: GitlabConfig = { apiUrl: 'http://gitlab.test/api/v4', token: TOKEN, auth: 'private-token', timeoutMs: 5_000 };
const ISSUE_EVENT = {
  gitlab: { event: 'Issue Hook', project: 'ops/infra', project_id: 14, event_uuid: 'evt-uuid-1' },
  issue: { iid: 23, title: 'rsyslog is down on web01' },
};

let gitlab: FakeGitlab;
beforeEach(() => {
  gitlab = new FakeGitlab({ token: TOKEN, projects: [{ id: 14, path: 'ops/infra', issues: [23] }] });
});

function context(action: string, args: Record<string, unknown>, bindings: ActionContext['request']['bindings'] = { m: ISSUE_EVENT }, dispatchKey = 'rs/r/e1/0'): ActionContext {
  const noop = (): void => {};
  return {
    request: { dispatchKey, ruleset: 'rs', rule: 'r', action, args, bindings, eventIds: ['e1'] },
    attempt: 1,
    signal: new AbortController().signal,
    clock: new ManualClock(NOW),
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

const deps = (): { fetch: FetchLike } => ({ fetch: gitlab.fetch });

describe('gitlab_comment', () => {
  it("comments on the matched event's issue with a marker, sending the token and the event UUID back", async () => {
    const result = await createGitlabCommentHandler(CONFIG, deps()).run(context('gitlab_comment', { body: 'restarted rsyslog' }));
    expect(result).toEqual({
      status: OutcomeStatus.Succeeded,
      summary: 'gitlab_comment: commented on 14#23 (note 300)',
      httpStatus: 201,
      details: { project: '14', issue: 23, noteId: 300, deduplicated: false },
    });
    expect(gitlab.issue(14, 23)!.notes).toEqual([{ id: 300, body: `restarted rsyslog\n\n${noteMarker('rs/r/e1/0')}` }]);
    expect(gitlab.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/projects/14/issues/23/notes?sort=desc&order_by=created_at&per_page=100',
      'POST /api/v4/projects/14/issues/23/notes',
    ]);
    for (const request of gitlab.requests) {
      expect(request.headers['private-token']).toBe(TOKEN);
      expect(request.headers['x-gitlab-event-uuid']).toBe('evt-uuid-1');
    }
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('does not comment twice for the same dispatch key (a retry after a lost answer)', async () => {
    const handler = createGitlabCommentHandler(CONFIG, deps());
    await handler.run(context('gitlab_comment', { body: 'once' }));
    const again = await handler.run(context('gitlab_comment', { body: 'once' }));
    expect(again).toMatchObject({ status: OutcomeStatus.Succeeded, summary: 'gitlab_comment: already commented on 14#23 (note 300)', details: { deduplicated: true } });
    expect(gitlab.issue(14, 23)!.notes).toHaveLength(1);
    await handler.run(context('gitlab_comment', { body: 'other action' }, { m: ISSUE_EVENT }, 'rs/r/e1/1'));
    expect(gitlab.issue(14, 23)!.notes).toHaveLength(2);
    expect(handler.safeToRepeat).toBe(true);
  });

  it('uses Bearer auth when configured and sends no event UUID without a GitLab event', async () => {
    const result = await createGitlabCommentHandler({ ...CONFIG, auth: 'bearer' }, deps()).run(
      context('gitlab_comment', { body: 'x', project: 'ops/infra', issue: 23 }, { m: { alert: {} } }),
    );
    expect(result.status).toBe(OutcomeStatus.Succeeded);
    expect(gitlab.requests[1]!.path).toBe('/api/v4/projects/ops%2Finfra/issues/23/notes');
    expect(gitlab.requests[1]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(gitlab.requests[1]!.headers['private-token']).toBeUndefined();
    expect(gitlab.requests[1]!.headers['x-gitlab-event-uuid']).toBeUndefined();
  });

  it('fails on bad arguments without calling GitLab', async () => {
    const handler = createGitlabCommentHandler(CONFIG, deps());
    expect(await handler.run(context('gitlab_comment', { body: '' }))).toEqual({ status: OutcomeStatus.Failed, summary: 'gitlab_comment: "body" must be a non-empty string, found an empty string' });
    expect(await handler.run(context('gitlab_comment', { body: 'x' }, { m: { alert: {} } }))).toEqual({
      status: OutcomeStatus.Failed,
      summary: 'gitlab_comment: "project" is required when the matched event is not a GitLab event',
    });
    expect(gitlab.requests).toHaveLength(0);
  });
});

describe('GitLab error mapping', () => {
  const run = () => createGitlabCommentHandler(CONFIG, deps()).run(context('gitlab_comment', { body: 'x' }));

  it('does not retry 401, 403, 404 and 400, and says why', async () => {
    const wrong = await createGitlabCommentHandler({ ...CONFIG, token: 'glpat-wrong-token' }, deps()).run(context('gitlab_comment', { body: 'x' }));
    expect(wrong).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 401, summary: 'gitlab_comment: comment on 14#23: GitLab rejected the token, HTTP 401 (401 Unauthorized); check gitlab.token' });
    expect(JSON.stringify(wrong)).not.toContain('glpat-wrong-token');

    const missingIssue = await createGitlabCommentHandler(CONFIG, deps()).run(context('gitlab_comment', { body: 'x', issue: 99 }));
    expect(missingIssue).toMatchObject({ retryable: false, httpStatus: 404, summary: 'gitlab_comment: comment on 14#99: not found, HTTP 404 (404 Issue Not Found); check the project and issue, and that the token can see them' });

    const missingProject = await createGitlabCommentHandler(CONFIG, deps()).run(context('gitlab_comment', { body: 'x', project: 'ops/gone', issue: 1 }));
    expect(missingProject.summary).toContain('(404 Project Not Found)');

    gitlab.replyNext({ status: 403, body: { message: '403 Forbidden' } });
    expect(await run()).toMatchObject({ retryable: false, summary: 'gitlab_comment: comment on 14#23: the token may not do this, HTTP 403 (403 Forbidden); it needs the api scope and a role on the project' });

    gitlab.replyNext({ status: 200, body: [] }, { status: 400, body: { message: { body: ['is too long (maximum is 1000000 characters)'] } } });
    expect(await run()).toMatchObject({ retryable: false, httpStatus: 400, summary: 'gitlab_comment: comment on 14#23: GitLab refused the request, HTTP 400 ({"body":["is too long (maximum is 1000000 characters)"]})' });
    gitlab.replyNext({ status: 422, body: { message: 'Unprocessable' } });
    expect(await run()).toMatchObject({ retryable: false, httpStatus: 422 });
  });

  it('retries 429 after Retry-After or RateLimit-Reset, and 409 and 5xx', async () => {
    gitlab.replyNext({ status: 429, headers: { 'retry-after': '7' }, body: { message: 'Retry later' } });
    expect(await run()).toMatchObject({ retryable: true, retryAfterMs: 7_000, httpStatus: 429 });
    gitlab.replyNext({ status: 429, headers: { 'ratelimit-reset': String(NOW / 1000 + 30) } });
    expect(await run()).toMatchObject({ retryable: true, retryAfterMs: 30_000 });
    gitlab.replyNext({ status: 409, body: { message: 'Resource lock' } });
    expect(await run()).toMatchObject({ retryable: true, summary: 'gitlab_comment: comment on 14#23: conflicting change, HTTP 409 (Resource lock)' });
    gitlab.replyNext({ status: 502, body: { message: 'bad gateway' } });
    expect(await run()).toMatchObject({ retryable: true, httpStatus: 502 });
    expect(gitlab.issue(14, 23)!.notes).toHaveLength(0);
  });

  it('retries connection errors', async () => {
    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    };
    const result = await createGitlabLabelHandler(CONFIG, { fetch: refused }).run(context('gitlab_label', { add: ['a'] }));
    expect(result).toEqual({ status: OutcomeStatus.Failed, summary: 'gitlab_label: label 14#23: cannot reach GitLab (ECONNREFUSED)', retryable: true });
  });
});

describe('gitlab_label', () => {
  it('adds and removes labels in one PUT and reports the resulting labels', async () => {
    gitlab.issue(14, 23)!.labels.push('autoheal::running', 'service::rsyslog');
    const result = await createGitlabLabelHandler(CONFIG, deps()).run(context('gitlab_label', { add: ['autoheal::remediated', 'rsyslog'], remove: 'autoheal::running' }));
    expect(result).toEqual({
      status: OutcomeStatus.Succeeded,
      summary: 'gitlab_label: labelled 14#23: +autoheal::remediated +rsyslog -autoheal::running',
      httpStatus: 200,
      details: { project: '14', issue: 23, labels: ['service::rsyslog', 'autoheal::remediated', 'rsyslog'] },
    });
    expect(gitlab.requests).toHaveLength(1);
    expect(gitlab.requests[0]!.method).toBe('PUT');
    expect(JSON.parse(gitlab.requests[0]!.body)).toEqual({ add_labels: 'autoheal::remediated,rsyslog', remove_labels: 'autoheal::running' });
    expect(gitlab.requests[0]!.headers['x-gitlab-event-uuid']).toBe('evt-uuid-1');
  });

  it('needs at least one label, and no commas inside list items', async () => {
    const handler = createGitlabLabelHandler(CONFIG, deps());
    expect((await handler.run(context('gitlab_label', { add: [] }))).summary).toBe('gitlab_label: give at least one label in "add" or "remove"');
    expect((await handler.run(context('gitlab_label', { add: ['a,b'] }))).summary).toBe('gitlab_label: label "a,b" in "add" must not contain a comma');
    expect((await handler.run(context('gitlab_label', { remove: [1] }))).summary).toBe('gitlab_label: "remove" must hold label names (strings), found a number');
    expect(gitlab.requests).toHaveLength(0);
  });
});

describe('gitlab_close', () => {
  it('comments first, then closes, both with the event UUID', async () => {
    const result = await createGitlabCloseHandler(CONFIG, deps()).run(context('gitlab_close', { comment: 'Fixed by autoheal' }));
    expect(result).toEqual({
      status: OutcomeStatus.Succeeded,
      summary: 'gitlab_close: closed 14#23 with a comment (note 300)',
      httpStatus: 200,
      details: { project: '14', issue: 23, noteId: 300 },
    });
    expect(gitlab.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'PUT']);
    expect(JSON.parse(gitlab.requests[2]!.body)).toEqual({ state_event: 'close' });
    expect(gitlab.issue(14, 23)!.state).toBe('closed');
    expect(gitlab.requests.every((r) => r.headers['x-gitlab-event-uuid'] === 'evt-uuid-1')).toBe(true);
  });

  it('is a no-op success on an already closed issue and does not re-comment on a retry', async () => {
    const handler = createGitlabCloseHandler(CONFIG, deps());
    await handler.run(context('gitlab_close', { comment: 'Fixed' }));
    const again = await handler.run(context('gitlab_close', { comment: 'Fixed' }));
    expect(again).toMatchObject({ status: OutcomeStatus.Succeeded, summary: 'gitlab_close: closed 14#23 with a comment (note 300)' });
    expect(gitlab.issue(14, 23)!.notes).toHaveLength(1);
  });

  it('does not close when the comment fails', async () => {
    gitlab.replyNext({ status: 503, body: { message: 'maintenance' } });
    const result = await createGitlabCloseHandler(CONFIG, deps()).run(context('gitlab_close', { comment: 'Fixed' }));
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, httpStatus: 503 });
    expect(gitlab.issue(14, 23)!.state).toBe('opened');
  });

  it('fails when GitLab answers but the issue stays open', async () => {
    gitlab.replyNext({ status: 200, body: { iid: 23, state: 'opened' } });
    const result = await createGitlabCloseHandler(CONFIG, deps()).run(context('gitlab_close', {}));
    expect(result).toEqual({ status: OutcomeStatus.Failed, summary: 'gitlab_close: close 14#23: GitLab answered 200 but the issue is opened', httpStatus: 200 });
  });
});

it('createGitlabHandlers gives the three actions', () => {
  expect(createGitlabHandlers(CONFIG).map((h) => [h.name, h.safeToRepeat])).toEqual([
    ['gitlab_comment', true],
    ['gitlab_label', true],
    ['gitlab_close', true],
  ]);
});
