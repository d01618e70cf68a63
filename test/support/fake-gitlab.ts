/**
 * A small fake of the GitLab REST API parts the gitlab_* actions use (wire-formats.md §2.6):
 * list and add issue notes, update an issue (add/remove labels, close). Token check on
 * `PRIVATE-TOKEN` or `Authorization: Bearer`, GitLab's error shapes (401, 404 Project/Issue Not
 * Found, 400), scripted answers (429 with Retry-After, 5xx, …), and a record of every request
 * with its headers.
 *
 * Usable over a real socket (`listen()`) or in-process (`fetch`), from the same state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeNote {
  readonly id: number;
  readonly body: string;
}

export interface FakeIssue {
  readonly iid: number;
  state: 'opened' | 'closed';
  labels: string[];
  readonly notes: FakeNote[];
}

export interface RecordedRequest {
  readonly method: string;
  /** Path with query, as received (`/api/v4/projects/ops%2Finfra/issues/23/notes`). */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ScriptedReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export interface FakeGitlabOptions {
  readonly token: string;
  /** Projects by numeric id, with their path and issue iids. */
  readonly projects: readonly { readonly id: number; readonly path: string; readonly issues: readonly number[] }[];
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export class FakeGitlab {
  readonly requests: RecordedRequest[] = [];
  private readonly scripted: ScriptedReply[] = [];
  private readonly projects = new Map<number, { path: string; issues: Map<number, FakeIssue> }>();
  private nextNoteId = 300;
  private server: Server | undefined;
  private baseUrl = '';

  constructor(private readonly options: FakeGitlabOptions) {
    for (const project of options.projects) {
      this.projects.set(project.id, {
        path: project.path,
        issues: new Map(project.issues.map((iid) => [iid, { iid, state: 'opened', labels: [], notes: [] } satisfies FakeIssue])),
      });
    }
  }

  /** `http://127.0.0.1:<port>` once listening. */
  get url(): string {
    return this.baseUrl;
  }

  /** The issue's current state, by project id. */
  issue(projectId: number, iid: number): FakeIssue | undefined {
    return this.projects.get(projectId)?.issues.get(iid);
  }

  /** The next requests get these answers, in order, before normal handling. */
  replyNext(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  /** In-process fetch over the same state (no socket). */
  readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const parsed = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const reply = this.handle(init.method ?? 'GET', `${parsed.pathname}${parsed.search}`, headers, typeof init.body === 'string' ? init.body : '');
    return new Response(reply.status === 204 ? null : reply.body, { status: reply.status, headers: reply.headers });
  };

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      void this.serve(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const reply = this.handle(req.method ?? 'GET', req.url ?? '/', headers, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  }

  private handle(method: string, path: string, headers: Record<string, string>, body: string): Reply {
    this.requests.push({ method, path, headers, body });
    const scripted = this.scripted.shift();
    if (scripted !== undefined) {
      return { status: scripted.status, headers: { 'content-type': 'application/json', ...scripted.headers }, body: JSON.stringify(scripted.body ?? {}) };
    }
    const bearer = headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice(7) : undefined;
    if ((headers['private-token'] ?? bearer) !== this.options.token) return json(401, { message: '401 Unauthorized' });

    const url = new URL(path, 'http://fake');
    const match = /^\/api\/v4\/projects\/([^/]+)\/issues\/(\d+)(\/notes)?$/.exec(url.pathname);
    if (match === null) return json(404, { error: '404 Not Found' });
    const project = this.findProject(decodeURIComponent(match[1]!));
    if (project === undefined) return json(404, { message: '404 Project Not Found' });
    const issue = project.issues.get(Number(match[2]));
    if (issue === undefined) return json(404, { message: '404 Issue Not Found' });
    const params = parseBody(body);

    if (match[3] !== undefined) {
      if (method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? '20');
        const sorted = url.searchParams.get('sort') === 'desc' ? [...issue.notes].reverse() : [...issue.notes];
        return json(200, sorted.slice(0, perPage).map((n) => ({ id: n.id, body: n.body, system: false, noteable_iid: issue.iid })));
      }
      if (method === 'POST') {
        if (typeof params.body !== 'string' || params.body === '') return json(400, { error: 'body is missing' });
        const note = { id: this.nextNoteId++, body: params.body };
        issue.notes.push(note);
        return json(201, { id: note.id, type: null, body: note.body, system: false, noteable_type: 'Issue', noteable_iid: issue.iid, internal: false });
      }
      return json(405, { message: '405 Method Not Allowed' });
    }
    if (method !== 'PUT') return json(405, { message: '405 Method Not Allowed' });
    const known = ['add_labels', 'remove_labels', 'state_event', 'labels', 'title', 'description'];
    if (!known.some((k) => params[k] !== undefined)) {
      return json(400, { error: 'title, description, add_labels, remove_labels, state_event, … are missing, at least one parameter must be provided' });
    }
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : []);
    for (const label of list(params.add_labels)) if (!issue.labels.includes(label)) issue.labels.push(label);
    const removed = new Set(list(params.remove_labels));
    issue.labels = issue.labels.filter((l) => !removed.has(l));
    if (params.state_event === 'close') issue.state = 'closed';
    if (params.state_event === 'reopen') issue.state = 'opened';
    return json(200, { iid: issue.iid, state: issue.state, labels: [...issue.labels], web_url: `${this.baseUrl}/${project.path}/-/issues/${issue.iid}` });
  }

  private findProject(key: string): { path: string; issues: Map<number, FakeIssue> } | undefined {
    if (/^\d+$/.test(key)) return this.projects.get(Number(key));
    return [...this.projects.values()].find((p) => p.path === key);
  }
}

function json(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function parseBody(body: string): Record<string, unknown> {
  if (body === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Starts a fake on 127.0.0.1 and a free port. */
export async function startFakeGitlab(options: FakeGitlabOptions): Promise<FakeGitlab> {
  const fake = new FakeGitlab(options);
  await fake.listen();
  return fake;
}
