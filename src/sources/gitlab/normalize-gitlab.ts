/**
 * @module GitLab webhooks (Issue, Note and Pipeline Hooks, wire-formats.md §2) → one event for
 * rule authors. The original body stays under `payload`; the fields rules test most often are
 * lifted to the top level:
 *
 * ```yaml
 * gitlab:
 *   event: Issue Hook          # X-Gitlab-Event as sent (or derived from object_kind)
 *   object_kind: issue         # issue | note | pipeline
 *   event_type: issue          # body.event_type (confidential_issue, confidential_note, …)
 *   confidential: false
 *   project: ops/infra         # project.path_with_namespace
 *   project_id: 14
 *   project_url: https://gitlab.example.com/ops/infra   # or null
 *   user: monitoring           # username of who caused the event, or null
 *   user_id: 1                 # or null
 *   instance: https://gitlab.example.com   # X-Gitlab-Instance, or null
 *   event_uuid: 8d7c…          # X-Gitlab-Event-UUID, or null: send it back on the REST calls
 *                              # made while handling this event (loop prevention, §2.6)
 * issue:                       # Issue Hooks, and Note Hooks on an issue
 *   id: 301
 *   iid: 23
 *   title: rsyslog is down on web01
 *   description: …             # or null
 *   state: opened              # opened | closed
 *   action: open               # open | close | reopen | update (missing → update); null on notes
 *   labels: [service::rsyslog] # label titles
 *   labels_added: []           # from changes.labels (Issue Hooks only; else [])
 *   labels_removed: []
 *   author_id: 51              # or null
 *   author: monitoring         # the author's username when the hook says it (the acting user
 *                              # is the author), else null: GitLab sends only author_id
 *   assignees: [oncall]        # usernames
 *   confidential: false
 *   url: https://…/-/issues/23 # or null
 * note:                        # Note Hooks
 *   id: 1241
 *   body: /autoheal retry      # object_attributes.note
 *   action: create             # create | update (missing → create)
 *   system: false
 *   noteable_type: Issue       # Issue | MergeRequest | Commit | Snippet
 *   author: monitoring         # username, or null
 *   url: https://…#note_1241   # or null
 * merge_request: {id, iid, title, state, url}   # Note Hooks on a merge request
 * pipeline:                    # Pipeline Hooks
 *   id, iid, name, ref, tag, sha, source, status, url, duration, created_at, finished_at
 *   failed_jobs: [test]        # names of builds with status "failed"
 * payload: {…}                 # the body as received
 * meta: {endpoint, headers}    # headers without Authorization and X-Gitlab-Token
 * ```
 *
 * Dedup key (wire-formats.md §2.7, §7): `gl:<Idempotency-Key>` (or `webhook-id`, which equals
 * it), stable across resends. Without it (GitLab < 17), a content key:
 * `gl:issue:<project.id>:<id>:<action>:<event-uuid>:<updated_at>`,
 * `gl:note:<id>:<action>:<event-uuid>:<updated_at>`, `gl:pipeline:<id>:<event-uuid>:<status>`,
 * where `<event-uuid>` is X-Gitlab-Event-UUID or empty. The event UUID is not used alone on
 * purpose: one originating request (a bulk edit) shares it across many hooks, so alone it would
 * drop real events; alone, the content key could merge two edits of one issue in the same
 * second. Together they are unique per change, at the cost of not catching a manual
 * "Resend request" on old GitLab (it gets a new event UUID), which is rare and only repeats.
 */
import { dedupKey } from '../dedup-key.js';
import { InvalidPayloadError, ProblemList, jsonTypeName } from '../invalid-payload-error.js';
import { findNonJson, isPlainObject, type JsonObject } from '../json-value.js';
import { eventHeaders, headerValue } from '../request-headers.js';
import type { KeyedEvent, NormalizeResult, WebhookRequest } from '../source-event.js';

export const GitlabObjectKind = { Issue: 'issue', Note: 'note', Pipeline: 'pipeline' } as const;
export type GitlabObjectKind = (typeof GitlabObjectKind)[keyof typeof GitlabObjectKind];

/** X-Gitlab-Event values this source turns into events. */
const EVENT_KINDS: Readonly<Record<string, GitlabObjectKind>> = {
  'Issue Hook': 'issue',
  'Confidential Issue Hook': 'issue',
  'Note Hook': 'note',
  'Confidential Note Hook': 'note',
  'Pipeline Hook': 'pipeline',
};
const DEFAULT_EVENT_NAME: Readonly<Record<GitlabObjectKind, string>> = {
  issue: 'Issue Hook',
  note: 'Note Hook',
  pipeline: 'Pipeline Hook',
};

export interface GitlabOptions {
  /**
   * Usernames whose events are ignored, typically autoheal's own bot, so that its comments and
   * label changes do not trigger rules again (wire-formats.md §2.3). Default none.
   */
  readonly ignoreUsers?: readonly string[];
}

export type GitlabInfo = {
  readonly event: string;
  readonly object_kind: GitlabObjectKind;
  readonly event_type: string;
  readonly confidential: boolean;
  readonly project: string;
  readonly project_id: number;
  readonly project_url: string | null;
  readonly user: string | null;
  readonly user_id: number | null;
  readonly instance: string | null;
  readonly event_uuid: string | null;
};

export type GitlabIssue = {
  readonly id: number;
  readonly iid: number;
  readonly title: string;
  readonly description: string | null;
  readonly state: string;
  readonly action: string | null;
  readonly labels: readonly string[];
  readonly labels_added: readonly string[];
  readonly labels_removed: readonly string[];
  readonly author_id: number | null;
  readonly author: string | null;
  readonly assignees: readonly string[];
  readonly confidential: boolean;
  readonly url: string | null;
};

export type GitlabNote = {
  readonly id: number;
  readonly body: string;
  readonly action: string;
  readonly system: boolean;
  readonly noteable_type: string;
  readonly author: string | null;
  readonly url: string | null;
};

export type GitlabMergeRequest = {
  readonly id: number | null;
  readonly iid: number | null;
  readonly title: string | null;
  readonly state: string | null;
  readonly url: string | null;
};

export type GitlabPipeline = {
  readonly id: number;
  readonly iid: number | null;
  readonly name: string | null;
  readonly ref: string | null;
  readonly tag: boolean;
  readonly sha: string | null;
  readonly source: string | null;
  readonly status: string;
  readonly url: string | null;
  readonly duration: number | null;
  readonly created_at: string | null;
  readonly finished_at: string | null;
  readonly failed_jobs: readonly string[];
};

export type GitlabEvent = {
  readonly gitlab: GitlabInfo;
  readonly issue?: GitlabIssue;
  readonly note?: GitlabNote;
  readonly merge_request?: GitlabMergeRequest;
  readonly pipeline?: GitlabPipeline;
  readonly payload: JsonObject;
  readonly meta: { readonly endpoint: string; readonly headers: Readonly<Record<string, string>> };
};

const WHAT = 'GitLab webhook body';

type Obj = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function requireInt(obj: Obj, key: string, path: string, problems: ProblemList): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) problems.add(`${path}.${key}`, `expected an integer, got ${jsonTypeName(v)}`);
  return typeof v === 'number' ? v : 0;
}

function requireString(obj: Obj, key: string, path: string, problems: ProblemList): string {
  const v = obj[key];
  if (typeof v !== 'string') problems.add(`${path}.${key}`, `expected a string, got ${jsonTypeName(v)}`);
  return typeof v === 'string' ? v : '';
}

function requireObject(obj: Obj, key: string, path: string, problems: ProblemList): Obj {
  const v = obj[key];
  if (!isPlainObject(v)) {
    problems.add(`${path}.${key}`, `expected an object, got ${jsonTypeName(v)}`);
    return {};
  }
  return v;
}

/** Label titles from a list of label objects (hooks) or of names (some older payloads). */
function labelTitles(v: unknown, path: string, problems: ProblemList): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.add(path, `expected an array, got ${jsonTypeName(v)}`);
    return [];
  }
  const titles: string[] = [];
  v.forEach((label: unknown, i: number) => {
    if (typeof label === 'string') titles.push(label);
    else if (isPlainObject(label) && typeof label.title === 'string') titles.push(label.title);
    else problems.add(`${path}[${i}]`, 'expected a label object with a string title');
  });
  return titles;
}

function usernames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((u: unknown) => (isPlainObject(u) && typeof u.username === 'string' ? [u.username] : []));
}

function buildIssue(
  attrs: Obj,
  path: string,
  action: string | null,
  labelsSource: unknown,
  body: Obj,
  problems: ProblemList,
): GitlabIssue {
  const labels = labelTitles(labelsSource, `${path}.labels`, problems);
  let added: string[] = [];
  let removed: string[] = [];
  const changes = body.changes;
  if (isPlainObject(changes) && isPlainObject(changes.labels)) {
    const previous = labelTitles(changes.labels.previous, '$.changes.labels.previous', problems);
    const current = labelTitles(changes.labels.current, '$.changes.labels.current', problems);
    added = current.filter((t) => !previous.includes(t));
    removed = previous.filter((t) => !current.includes(t));
  }
  const user = isPlainObject(body.user) ? body.user : {};
  const authorId = num(attrs.author_id);
  return {
    id: requireInt(attrs, 'id', path, problems),
    iid: requireInt(attrs, 'iid', path, problems),
    title: requireString(attrs, 'title', path, problems),
    description: str(attrs.description),
    state: requireString(attrs, 'state', path, problems),
    action,
    labels,
    labels_added: added,
    labels_removed: removed,
    author_id: authorId,
    author: authorId !== null && num(user.id) === authorId ? str(user.username) : null,
    assignees: usernames(body.assignees),
    confidential: attrs.confidential === true,
    url: str(attrs.url),
  };
}

function buildPipeline(attrs: Obj, body: Obj, problems: ProblemList): GitlabPipeline {
  const failed = Array.isArray(body.builds)
    ? body.builds.flatMap((b: unknown) =>
        isPlainObject(b) && b.status === 'failed' && typeof b.name === 'string' ? [b.name] : [],
      )
    : [];
  return {
    id: requireInt(attrs, 'id', '$.object_attributes', problems),
    iid: num(attrs.iid),
    name: str(attrs.name),
    ref: str(attrs.ref),
    tag: attrs.tag === true,
    sha: str(attrs.sha),
    source: str(attrs.source),
    status: requireString(attrs, 'status', '$.object_attributes', problems),
    url: str(attrs.url),
    duration: num(attrs.duration),
    created_at: str(attrs.created_at),
    finished_at: str(attrs.finished_at),
    failed_jobs: failed,
  };
}

/**
 * Turns one GitLab webhook request into an event and its dedup key, or an "ignored" result for
 * event types other than Issue, Note and Pipeline Hooks (and for `ignoreUsers`).
 * @throws InvalidPayloadError (`AH_WEBHOOK_INVALID_PAYLOAD`, HTTP 422) when the body does not
 * have the shape of its X-Gitlab-Event.
 */
export function normalizeGitlab(request: WebhookRequest, options: GitlabOptions = {}): NormalizeResult<GitlabEvent> {
  const problems = new ProblemList();
  const body = request.body;
  if (!isPlainObject(body)) {
    problems.add('$', `expected an object, got ${jsonTypeName(body)}`);
    throw new InvalidPayloadError(WHAT, problems.items);
  }
  const header = headerValue(request.headers, 'x-gitlab-event');
  const objectKind = body.object_kind;

  let kind: GitlabObjectKind;
  if (header !== undefined) {
    const byHeader = EVENT_KINDS[header];
    if (byHeader === undefined) return { kind: 'ignored', reason: `unsupported X-Gitlab-Event "${header}"` };
    kind = byHeader;
    if (objectKind === 'work_item') return { kind: 'ignored', reason: 'work items other than issues are not supported' };
    if (objectKind !== kind) {
      problems.add('$.object_kind', `expected "${kind}" for X-Gitlab-Event "${header}"`);
      throw new InvalidPayloadError(WHAT, problems.items);
    }
  } else if (objectKind === 'issue' || objectKind === 'note' || objectKind === 'pipeline') {
    kind = objectKind;
  } else if (typeof objectKind === 'string') {
    return { kind: 'ignored', reason: `unsupported object_kind "${objectKind}"` };
  } else {
    problems.add('$.object_kind', 'expected a string (and no X-Gitlab-Event header was sent)');
    throw new InvalidPayloadError(WHAT, problems.items);
  }

  const project = requireObject(body, 'project', '$', problems);
  const projectId = requireInt(project, 'id', '$.project', problems);
  const projectPath = requireString(project, 'path_with_namespace', '$.project', problems);
  const attrs = requireObject(body, 'object_attributes', '$', problems);
  const user = isPlainObject(body.user) ? body.user : {};
  const username = str(user.username);
  const eventType = str(body.event_type) ?? kind;
  const eventName = header ?? DEFAULT_EVENT_NAME[kind];
  const eventUuid = headerValue(request.headers, 'x-gitlab-event-uuid') ?? null;

  const gitlab: GitlabInfo = {
    event: eventName,
    object_kind: kind,
    event_type: eventType,
    confidential: eventName.startsWith('Confidential') || eventType.startsWith('confidential_'),
    project: projectPath,
    project_id: projectId,
    project_url: str(project.web_url),
    user: username,
    user_id: num(user.id),
    instance: headerValue(request.headers, 'x-gitlab-instance') ?? null,
    event_uuid: eventUuid,
  };

  let extra: Pick<GitlabEvent, 'issue' | 'note' | 'merge_request' | 'pipeline'>;
  let contentKey: readonly (string | number)[];
  switch (kind) {
    case 'issue': {
      const action = str(attrs.action) ?? 'update';
      const labelsSource = body.labels !== undefined ? body.labels : attrs.labels;
      extra = { issue: buildIssue(attrs, '$.object_attributes', action, labelsSource, body, problems) };
      contentKey = ['issue', projectId, num(attrs.id) ?? '', action, eventUuid ?? '', str(attrs.updated_at) ?? ''];
      break;
    }
    case 'note': {
      const action = str(attrs.action) ?? 'create';
      const note: GitlabNote = {
        id: requireInt(attrs, 'id', '$.object_attributes', problems),
        body: requireString(attrs, 'note', '$.object_attributes', problems),
        action,
        system: attrs.system === true,
        noteable_type: requireString(attrs, 'noteable_type', '$.object_attributes', problems),
        author: username,
        url: str(attrs.url),
      };
      let withTarget: Pick<GitlabEvent, 'issue' | 'merge_request'> = {};
      if (isPlainObject(body.issue)) {
        const issueBody: Obj = { ...body, changes: undefined, assignees: undefined };
        withTarget = { issue: buildIssue(body.issue, '$.issue', null, body.issue.labels, issueBody, problems) };
      } else if (isPlainObject(body.merge_request)) {
        const mr = body.merge_request;
        withTarget = { merge_request: { id: num(mr.id), iid: num(mr.iid), title: str(mr.title), state: str(mr.state), url: str(mr.url) } };
      }
      extra = { note, ...withTarget };
      contentKey = ['note', num(attrs.id) ?? '', action, eventUuid ?? '', str(attrs.updated_at) ?? ''];
      break;
    }
    case 'pipeline': {
      const pipeline = buildPipeline(attrs, body, problems);
      extra = { pipeline };
      contentKey = ['pipeline', pipeline.id, eventUuid ?? '', pipeline.status];
      break;
    }
  }
  if (problems.empty) {
    const bad = findNonJson(body);
    if (bad !== undefined) problems.add(bad, 'not JSON data');
  }
  if (!problems.empty) throw new InvalidPayloadError(WHAT, problems.items);

  if (username !== null && options.ignoreUsers?.includes(username)) {
    return { kind: 'ignored', reason: 'event caused by an ignored user' };
  }

  const idempotencyKey = headerValue(request.headers, 'idempotency-key') ?? headerValue(request.headers, 'webhook-id');
  const key = idempotencyKey !== undefined && idempotencyKey !== '' ? dedupKey('gl', [idempotencyKey]) : dedupKey('gl', contentKey);

  const event: GitlabEvent = {
    gitlab,
    ...extra,
    payload: body as JsonObject,
    meta: { endpoint: request.endpoint, headers: eventHeaders(request.headers, ['x-gitlab-token']) },
  };
  const keyed: KeyedEvent<GitlabEvent> = { event, dedupKey: key };
  return { kind: 'accepted', events: [keyed] };
}
