import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import type { InvalidPayloadError } from '../invalid-payload-error.js';
import type { AcceptedResult } from '../source-event.js';
import { normalizeGitlab, type GitlabEvent } from './normalize-gitlab.js';

// Bodies written from wire-formats.md §2.2–2.4.
const project = {
  id: 14, name: 'infra', description: '', web_url: 'https://gitlab.example.com/ops/infra', avatar_url: null,
  git_ssh_url: 'git@gitlab.example.com:ops/infra.git', git_http_url: 'https://gitlab.example.com/ops/infra.git',
  namespace: 'ops', visibility_level: 0, path_with_namespace: 'ops/infra', default_branch: 'main', ci_config_path: null,
  homepage: 'https://gitlab.example.com/ops/infra', url: 'git@gitlab.example.com:ops/infra.git',
  ssh_url: 'git@gitlab.example.com:ops/infra.git', http_url: 'https://gitlab.example.com/ops/infra.git',
};
const label = (id: number, title: string) => ({
  id, title, color: '#ffffff', project_id: 14, created_at: '2026-11-21 22:00:00 UTC', updated_at: '2026-11-21 22:00:00 UTC',
  template: false, description: null, type: 'ProjectLabel', group_id: null,
});
const user = { id: 51, name: 'Monitoring Bot', username: 'monitoring', avatar_url: 'https://gitlab.example.com/a.png', email: '[REDACTED]' };

function issueBody(): Record<string, unknown> {
  const labels = [label(206, 'service::rsyslog'), label(207, 'autoheal::retry')];
  return {
    object_kind: 'issue', event_type: 'issue', user, project,
    object_attributes: {
      id: 301, iid: 23, title: 'rsyslog is down on web01', description: 'Service rsyslog on host web01 is CRITICAL',
      state: 'opened', action: 'update', type: 'Issue', author_id: 51, assignee_ids: [7], assignee_id: 7, project_id: 14,
      created_at: '2026-11-21T22:50:38Z', updated_at: '2026-11-21T22:52:00Z', updated_by_id: 51, closed_at: null,
      confidential: false, severity: 'unknown', url: 'https://gitlab.example.com/ops/infra/-/issues/23', labels,
    },
    labels,
    changes: {
      labels: { previous: [label(206, 'service::rsyslog')], current: labels },
      updated_at: { previous: '2026-11-21 22:50:38 UTC', current: '2026-11-21 22:52:00 UTC' },
    },
    repository: { name: 'infra', url: 'git@gitlab.example.com:ops/infra.git', description: '', homepage: 'https://gitlab.example.com/ops/infra' },
    assignees: [{ id: 7, name: 'Oncall', username: 'oncall', avatar_url: 'x', email: '[REDACTED]' }],
  };
}

function noteBody(): Record<string, unknown> {
  return {
    object_kind: 'note', event_type: 'note',
    user: { id: 1, name: 'Alice', username: 'alice', avatar_url: 'x', email: '[REDACTED]' },
    project_id: 14, project, repository: {},
    object_attributes: {
      id: 1241, note: '/autoheal retry', noteable_type: 'Issue', noteable_id: 301, author_id: 1, project_id: 14,
      system: false, action: 'create', created_at: '2026-11-21 23:01:40 UTC', updated_at: '2026-11-21 23:01:40 UTC',
      attachment: null, line_code: null, commit_id: '', st_diff: null, url: 'https://gitlab.example.com/ops/infra/-/issues/23#note_1241',
    },
    issue: { id: 301, iid: 23, title: 'rsyslog is down on web01', state: 'opened', author_id: 51, labels: [label(206, 'service::rsyslog')], assignee_ids: [] },
  };
}

function pipelineBody(): Record<string, unknown> {
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id: 9001, iid: 77, name: null, ref: 'main', tag: false, sha: 'abc123', before_sha: '000', source: 'push', status: 'failed',
      detailed_status: 'failed', stages: ['build', 'test'], created_at: '2026-11-21 22:00:00 UTC', finished_at: '2026-11-21 22:05:00 UTC',
      duration: 300, queued_duration: 2, variables: [], url: 'https://gitlab.example.com/ops/infra/-/pipelines/9001',
    },
    merge_request: null, user, project,
    commit: { id: 'abc123', message: 'fix', title: 'fix', timestamp: '2026-11-21T22:00:00Z', url: 'x', author: { name: 'a', email: 'b' } },
    builds: [
      { id: 1, stage: 'build', name: 'compile', status: 'success' },
      { id: 2, stage: 'test', name: 'unit', status: 'failed', failure_reason: 'script_failure' },
      { id: 3, stage: 'test', name: 'lint', status: 'failed' },
    ],
  };
}

const headers = (event: string, extra: Record<string, string> = {}) => ({
  'Content-Type': 'application/json',
  'User-Agent': 'GitLab/17.6.5',
  'X-Gitlab-Event': event,
  'X-Gitlab-Token': 'super-secret-token',
  'X-Gitlab-Instance': 'https://gitlab.example.com',
  'X-Gitlab-Webhook-UUID': 'per-request-uuid',
  'X-Gitlab-Event-UUID': 'event-uuid-1',
  ...extra,
});

function accepted(result: ReturnType<typeof normalizeGitlab>): AcceptedResult<GitlabEvent> {
  if (result.kind !== 'accepted') throw new Error(`expected accepted, got ignored: ${result.reason}`);
  return result;
}

describe('normalizeGitlab', () => {
  it('lifts the fields of an Issue Hook and keeps the body under payload', () => {
    const body = issueBody();
    const { events } = accepted(normalizeGitlab({ endpoint: 'gitlab', headers: headers('Issue Hook', { 'Idempotency-Key': 'idem-1' }), body }));
    const { event, dedupKey } = events[0]!;
    expect(event.gitlab).toEqual({
      event: 'Issue Hook', object_kind: 'issue', event_type: 'issue', confidential: false, project: 'ops/infra', project_id: 14,
      project_url: 'https://gitlab.example.com/ops/infra', user: 'monitoring', user_id: 51, instance: 'https://gitlab.example.com',
      event_uuid: 'event-uuid-1',
    });
    expect(event.issue).toEqual({
      id: 301, iid: 23, title: 'rsyslog is down on web01', description: 'Service rsyslog on host web01 is CRITICAL', state: 'opened',
      action: 'update', labels: ['service::rsyslog', 'autoheal::retry'], labels_added: ['autoheal::retry'], labels_removed: [],
      author_id: 51, author: 'monitoring', assignees: ['oncall'], confidential: false, url: 'https://gitlab.example.com/ops/infra/-/issues/23',
    });
    expect(event.payload).toBe(body);
    expect(dedupKey).toBe('gl:idem-1');
  });

  it('never puts the token or Authorization into meta.headers', () => {
    const h = { ...headers('Issue Hook'), Authorization: 'Basic dXNlcjpwYXNz' };
    const { events } = accepted(normalizeGitlab({ endpoint: 'gitlab', headers: h, body: issueBody() }));
    const text = JSON.stringify(events[0]!.event.meta);
    expect(text).not.toContain('super-secret-token');
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(events[0]!.event.meta.headers['X-Gitlab-Event']).toBe('Issue Hook');
  });

  it('treats a missing action as update, and knows the author only when the actor is the author', () => {
    const body = issueBody();
    const attrs = body.object_attributes as Record<string, unknown>;
    delete attrs.action;
    attrs.author_id = 99;
    const issue = accepted(normalizeGitlab({ endpoint: 'g', headers: headers('Issue Hook'), body })).events[0]!.event.issue!;
    expect(issue.action).toBe('update');
    expect(issue.author_id).toBe(99);
    expect(issue.author).toBeNull();
  });

  it('falls back to a content key with the event UUID when there is no Idempotency-Key', () => {
    const key = (h: Record<string, string>) => accepted(normalizeGitlab({ endpoint: 'g', headers: h, body: issueBody() })).events[0]!.dedupKey;
    expect(key(headers('Issue Hook'))).toBe('gl:issue:14:301:update:event-uuid-1:2026-11-21T22:52:00Z');
    const noUuid = headers('Issue Hook') as Record<string, string>;
    delete noUuid['X-Gitlab-Event-UUID'];
    expect(key(noUuid)).toBe('gl:issue:14:301:update::2026-11-21T22:52:00Z');
    expect(key({ ...headers('Issue Hook'), 'webhook-id': 'msg_1' })).toBe('gl:msg_1');
  });

  it('marks confidential issue hooks', () => {
    const body = { ...issueBody(), event_type: 'confidential_issue' };
    const { gitlab } = accepted(normalizeGitlab({ endpoint: 'g', headers: headers('Confidential Issue Hook'), body })).events[0]!.event;
    expect(gitlab.confidential).toBe(true);
    expect(gitlab.event).toBe('Confidential Issue Hook');
  });

  it('lifts a Note Hook on an issue with the issue it comments on', () => {
    const { events } = accepted(normalizeGitlab({ endpoint: 'g', headers: headers('Note Hook'), body: noteBody() }));
    const { event, dedupKey } = events[0]!;
    expect(event.note).toEqual({
      id: 1241, body: '/autoheal retry', action: 'create', system: false, noteable_type: 'Issue', author: 'alice',
      url: 'https://gitlab.example.com/ops/infra/-/issues/23#note_1241',
    });
    expect(event.issue).toMatchObject({ iid: 23, labels: ['service::rsyslog'], action: null, author: null, labels_added: [] });
    expect(event.gitlab.user).toBe('alice');
    expect(dedupKey).toBe('gl:note:1241:create:event-uuid-1:2026-11-21 23:01:40 UTC');
  });

  it('lifts a note on a merge request without an issue', () => {
    const body = noteBody();
    delete body.issue;
    (body.object_attributes as Record<string, unknown>).noteable_type = 'MergeRequest';
    body.merge_request = { id: 5, iid: 2, title: 'Fix', state: 'opened', url: 'https://x/mr/2' };
    const { event } = accepted(normalizeGitlab({ endpoint: 'g', headers: headers('Note Hook'), body })).events[0]!;
    expect(event.issue).toBeUndefined();
    expect(event.merge_request).toEqual({ id: 5, iid: 2, title: 'Fix', state: 'opened', url: 'https://x/mr/2' });
  });

  it('lifts a Pipeline Hook with the names of its failed jobs', () => {
    const { event, dedupKey } = accepted(normalizeGitlab({ endpoint: 'g', headers: headers('Pipeline Hook'), body: pipelineBody() })).events[0]!;
    expect(event.pipeline).toEqual({
      id: 9001, iid: 77, name: null, ref: 'main', tag: false, sha: 'abc123', source: 'push', status: 'failed',
      url: 'https://gitlab.example.com/ops/infra/-/pipelines/9001', duration: 300, created_at: '2026-11-21 22:00:00 UTC',
      finished_at: '2026-11-21 22:05:00 UTC', failed_jobs: ['unit', 'lint'],
    });
    expect(dedupKey).toBe('gl:pipeline:9001:event-uuid-1:failed');
  });

  it('ignores unsupported hooks and work items instead of failing them', () => {
    expect(normalizeGitlab({ endpoint: 'g', headers: headers('Push Hook'), body: { object_kind: 'push' } })).toEqual({
      kind: 'ignored',
      reason: 'unsupported X-Gitlab-Event "Push Hook"',
    });
    const workItem = { ...issueBody(), object_kind: 'work_item' };
    expect(normalizeGitlab({ endpoint: 'g', headers: headers('Issue Hook'), body: workItem }).kind).toBe('ignored');
    expect(normalizeGitlab({ endpoint: 'g', headers: {}, body: { object_kind: 'merge_request' } }).kind).toBe('ignored');
  });

  it('ignores events caused by an ignored user (the bot itself)', () => {
    const result = normalizeGitlab({ endpoint: 'g', headers: headers('Issue Hook'), body: issueBody() }, { ignoreUsers: ['monitoring'] });
    expect(result).toEqual({ kind: 'ignored', reason: 'event caused by an ignored user' });
  });

  it('uses object_kind when the X-Gitlab-Event header is missing', () => {
    const { event } = accepted(normalizeGitlab({ endpoint: 'g', headers: {}, body: pipelineBody() })).events[0]!;
    expect(event.gitlab.event).toBe('Pipeline Hook');
    expect(event.gitlab.instance).toBeNull();
  });

  it('refuses a body that contradicts its header or lacks required fields, listing the problems', () => {
    const wrongKind = () => normalizeGitlab({ endpoint: 'g', headers: headers('Issue Hook'), body: noteBody() });
    expect(wrongKind).toThrow(/object_kind: expected "issue"/);
    const body = issueBody();
    const attrs = body.object_attributes as Record<string, unknown>;
    attrs.iid = '23';
    delete attrs.title;
    body.project = { id: 14 };
    let caught: unknown;
    try {
      normalizeGitlab({ endpoint: 'g', headers: headers('Issue Hook'), body });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.WebhookInvalidPayload)).toBe(true);
    expect((caught as InvalidPayloadError).problems.map((p) => p.path)).toEqual([
      '$.project.path_with_namespace',
      '$.object_attributes.iid',
      '$.object_attributes.title',
    ]);
    expect(() => normalizeGitlab({ endpoint: 'g', headers: {}, body: {} })).toThrow(/object_kind/);
    expect(() => normalizeGitlab({ endpoint: 'g', headers: headers('Note Hook'), body: 'x' })).toThrow(/expected an object/);
  });
});
