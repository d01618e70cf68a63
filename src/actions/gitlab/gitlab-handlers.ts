/**
 * @module GitLab write-back actions (wire-formats.md §2.6):
 *
 * ```yaml
 * - gitlab_comment: {body: "autoheal restarted rsyslog on {{ event.host }}"}   # project?, issue?
 * - gitlab_label:   {add: [autoheal::remediated], remove: [autoheal::running]}  # project?, issue?
 * - gitlab_close:   {comment: "Fixed by autoheal"}                             # project?, issue?
 * ```
 * `project`/`issue` default to the matched GitLab event's (gitlab-target.ts), and every call
 * sends back its `X-Gitlab-Event-UUID` so GitLab does not echo our own change to autoheal.
 *
 * Repeating (`safeToRepeat`, all true):
 * - Labels: `add_labels`/`remove_labels` are idempotent.
 * - Close: `state_event=close` on a closed issue is a no-op 200.
 * - Comments: GitLab notes are not idempotent, so the handler makes them so. Each note ends with
 *   an invisible marker `<!-- autoheal:<hash of the dispatch key> -->`, and before posting the
 *   handler reads the issue's latest notes (`GET …/notes?sort=desc`, 100) and skips the post when
 *   the marker is there (wire-formats.md §7). A retry after a lost response or a crash thus does
 *   not comment twice. Cost: one GET per comment.
 */
import { createHash } from 'node:crypto';
import type { ActionContext, ActionHandler, ActionResult } from '../action-handler.js';
import { OutcomeStatus } from '../action-handler.js';
import type { FetchLike } from '../notify/index.js';
import { callGitlab, gitlabFailure, isSuccess, parseJson, type GitlabCallContext } from './gitlab-client.js';
import type { GitlabConfig } from './gitlab-config.js';
import { resolveGitlabTarget, type GitlabTarget } from './gitlab-target.js';

export const GitlabActionName = { Comment: 'gitlab_comment', Label: 'gitlab_label', Close: 'gitlab_close' } as const;
export type GitlabActionName = (typeof GitlabActionName)[keyof typeof GitlabActionName];

/** GitLab's note body limit. */
export const GITLAB_MAX_NOTE_CHARS = 1_000_000;
/** How many of the latest notes are searched for a comment's marker before posting. */
export const NOTE_LOOKBACK = 100;

export interface GitlabHandlerDeps {
  /** Default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
}

/** The marker that identifies the note of one action (`dispatchKey`): an HTML comment, invisible when rendered. */
export function noteMarker(dispatchKey: string): string {
  return `<!-- autoheal:${createHash('sha256').update(dispatchKey).digest('hex').slice(0, 16)} -->`;
}

/** All three GitLab actions. */
export function createGitlabHandlers(config: GitlabConfig, deps: GitlabHandlerDeps = {}): readonly ActionHandler[] {
  return [createGitlabCommentHandler(config, deps), createGitlabLabelHandler(config, deps), createGitlabCloseHandler(config, deps)];
}

/** `gitlab_comment {body, project?, issue?}`: adds a note to an issue, at most once per dispatch key. */
export function createGitlabCommentHandler(config: GitlabConfig, deps: GitlabHandlerDeps = {}): ActionHandler {
  return gitlabHandler(GitlabActionName.Comment, config, deps, async (target, context, call) => {
    const body = context.request.args.body;
    if (typeof body !== 'string' || body.trim() === '') return `"body" must be a non-empty string, found ${describe(body)}`;
    const note = await postNote(target, body, context, call, config);
    if ('result' in note) return note.result;
    return succeeded(
      `${note.deduplicated ? 'already commented on' : 'commented on'} ${where(target)} (note ${note.noteId ?? '?'})`,
      note.httpStatus,
      { project: target.project, issue: target.issue, noteId: note.noteId, deduplicated: note.deduplicated },
    );
  });
}

/** `gitlab_label {add?, remove?, project?, issue?}`: adds and removes labels of an issue. */
export function createGitlabLabelHandler(config: GitlabConfig, deps: GitlabHandlerDeps = {}): ActionHandler {
  return gitlabHandler(GitlabActionName.Label, config, deps, async (target, context, call) => {
    const add = readLabels(context.request.args.add, 'add');
    if (typeof add === 'string') return add;
    const remove = readLabels(context.request.args.remove, 'remove');
    if (typeof remove === 'string') return remove;
    if (add.length === 0 && remove.length === 0) return 'give at least one label in "add" or "remove"';
    const payload: Record<string, string> = {};
    if (add.length > 0) payload.add_labels = add.join(',');
    if (remove.length > 0) payload.remove_labels = remove.join(',');
    const exchange = await callGitlab({ method: 'PUT', path: issuePath(target), body: payload, ...eventUuid(target) }, call);
    const what = `label ${where(target)}`;
    if (!isSuccess(exchange)) return gitlabFailure(exchange, what, config, context.clock.now());
    const labels = issueField(exchange.body, 'labels');
    const change = [...add.map((l) => `+${l}`), ...remove.map((l) => `-${l}`)].join(' ');
    return succeeded(`labelled ${where(target)}: ${change}`, exchange.status, {
      project: target.project,
      issue: target.issue,
      ...(Array.isArray(labels) ? { labels } : {}),
    });
  });
}

/** `gitlab_close {comment?, project?, issue?}`: comments (optional, first) then closes an issue. */
export function createGitlabCloseHandler(config: GitlabConfig, deps: GitlabHandlerDeps = {}): ActionHandler {
  return gitlabHandler(GitlabActionName.Close, config, deps, async (target, context, call) => {
    const comment = context.request.args.comment;
    if (comment !== undefined && comment !== null && (typeof comment !== 'string' || comment.trim() === '')) {
      return `"comment" must be a non-empty string, found ${describe(comment)}`;
    }
    let noteId: number | undefined;
    if (typeof comment === 'string') {
      // Comment first: whoever gets the "closed" notification sees why.
      const note = await postNote(target, comment, context, call, config);
      if ('result' in note) return note.result;
      noteId = note.noteId;
    }
    const exchange = await callGitlab({ method: 'PUT', path: issuePath(target), body: { state_event: 'close' }, ...eventUuid(target) }, call);
    const what = `close ${where(target)}`;
    if (!isSuccess(exchange)) return gitlabFailure(exchange, what, config, context.clock.now());
    const state = issueField(exchange.body, 'state');
    if (state !== undefined && state !== 'closed') {
      return { status: OutcomeStatus.Failed, summary: `${what}: GitLab answered ${exchange.status} but the issue is ${String(state)}`, httpStatus: exchange.status };
    }
    const commented = noteId === undefined ? '' : ` with a comment (note ${noteId})`;
    return succeeded(`closed ${where(target)}${commented}`, exchange.status, {
      project: target.project,
      issue: target.issue,
      ...(noteId === undefined ? {} : { noteId }),
    });
  });
}

type ActionBody = (target: GitlabTarget, context: ActionContext, call: GitlabCallContext) => Promise<ActionResult | string>;

/** Shared frame: resolves the target, runs `body`; a string from either is a non-retryable argument problem. */
function gitlabHandler(name: GitlabActionName, config: GitlabConfig, deps: GitlabHandlerDeps, body: ActionBody): ActionHandler {
  const fetchFn: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  return {
    name,
    safeToRepeat: true,
    async run(context: ActionContext): Promise<ActionResult> {
      const target = resolveGitlabTarget(context.request.args, context.request.bindings);
      if (typeof target === 'string') return { status: OutcomeStatus.Failed, summary: `${name}: ${target}` };
      const result = await body(target, context, { config, fetch: fetchFn, signal: context.signal });
      if (typeof result === 'string') return { status: OutcomeStatus.Failed, summary: `${name}: ${result}` };
      return { ...result, summary: `${name}: ${result.summary}` };
    },
  };
}

type NoteOutcome =
  | { readonly noteId: number | undefined; readonly deduplicated: boolean; readonly httpStatus: number }
  | { readonly result: ActionResult };

async function postNote(
  target: GitlabTarget,
  text: string,
  context: ActionContext,
  call: GitlabCallContext,
  config: GitlabConfig,
): Promise<NoteOutcome> {
  const marker = noteMarker(context.request.dispatchKey);
  const what = `comment on ${where(target)}`;
  const notesPath = `${issuePath(target)}/notes`;

  const listed = await callGitlab({ method: 'GET', path: `${notesPath}?sort=desc&order_by=created_at&per_page=${NOTE_LOOKBACK}`, ...eventUuid(target) }, call);
  if (!isSuccess(listed)) return { result: gitlabFailure(listed, what, config, context.clock.now()) };
  const notes = parseJson(listed.body);
  if (Array.isArray(notes)) {
    for (const note of notes) {
      if (typeof note === 'object' && note !== null && typeof (note as { body?: unknown }).body === 'string' && (note as { body: string }).body.includes(marker)) {
        const id = (note as { id?: unknown }).id;
        return { noteId: typeof id === 'number' ? id : undefined, deduplicated: true, httpStatus: listed.status };
      }
    }
  }

  const suffix = `\n\n${marker}`;
  const room = GITLAB_MAX_NOTE_CHARS - suffix.length;
  const body = (text.length > room ? `${text.slice(0, room - 1)}…` : text) + suffix;
  const posted = await callGitlab({ method: 'POST', path: notesPath, body: { body }, ...eventUuid(target) }, call);
  if (!isSuccess(posted)) return { result: gitlabFailure(posted, what, config, context.clock.now()) };
  const id = issueField(posted.body, 'id');
  return { noteId: typeof id === 'number' ? id : undefined, deduplicated: false, httpStatus: posted.status };
}

function issuePath(target: GitlabTarget): string {
  return `/projects/${target.projectSegment}/issues/${target.issue}`;
}

function where(target: GitlabTarget): string {
  return `${target.project}#${target.issue}`;
}

function eventUuid(target: GitlabTarget): { eventUuid?: string } {
  return target.eventUuid === undefined ? {} : { eventUuid: target.eventUuid };
}

function issueField(body: string, key: string): unknown {
  const json = parseJson(body);
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)[key] : undefined;
}

function succeeded(summary: string, httpStatus: number, details: Readonly<Record<string, unknown>>): ActionResult {
  return { status: OutcomeStatus.Succeeded, summary, httpStatus, details };
}

/** A list of label names, or a comma-separated string (what a template renders). */
function readLabels(value: unknown, key: string): string[] | string {
  if (value === undefined || value === null) return [];
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items)) return `"${key}" must be a list of label names, found ${describe(value)}`;
  const labels: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') return `"${key}" must hold label names (strings), found ${describe(item)}`;
    const label = item.trim();
    if (label === '') continue;
    if (typeof value !== 'string' && label.includes(',')) return `label "${label}" in "${key}" must not contain a comma`;
    labels.push(label);
  }
  return labels;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : value === '' ? 'an empty string' : `a ${typeof value}`;
}
