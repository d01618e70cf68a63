/**
 * @module Test support: a small AWX / AAP controller (API v2) on a real local socket, serving
 * exactly the endpoints and error shapes of shared/spec/wire-formats.md §4 that the controller
 * actions use. Jobs move one status per poll (pending → running → final), so tests advance
 * them by polling, never by time. Every request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_AWX_TOKEN = 'fake-awx-token-4711';

export interface FakeTemplate {
  readonly id: number;
  readonly name: string;
  readonly organization: string;
  /** Default `job_template`. */
  readonly kind?: 'job_template' | 'workflow_job_template';
  /** `ask_variables_on_launch`; default true. */
  readonly askVariables?: boolean;
  /** `ask_limit_on_launch`; default true. */
  readonly askLimit?: boolean;
  /** Final status of its jobs; default `successful`. */
  readonly outcome?: 'successful' | 'failed' | 'error';
  /** Jobs stay `running` until cancelled (abort and crash tests). */
  readonly hold?: boolean;
  /** Stdout of its jobs. */
  readonly stdout?: string;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as received. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

/** A failure served instead of the normal answer, for matching requests, `times` times. */
export interface InjectedFailure {
  readonly method?: string;
  /** Matches when the path contains it. */
  readonly pathIncludes: string;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  times: number;
}

export interface FakeJob {
  readonly id: number;
  readonly type: 'job' | 'workflow_job';
  readonly template: FakeTemplate;
  readonly created: string;
  readonly extraVars: string;
  readonly limit: string;
  /** Statuses still to come, one per GET. */
  readonly steps: string[];
  status: string;
}

export interface FakeAwxOptions {
  /** `awx`: `/api/` names `/api/v2/`; `aap`: AAP 2.5 gateway, API under `/api/controller/v2/` only. */
  readonly flavour?: 'awx' | 'aap';
  readonly templates: readonly FakeTemplate[];
  /** Newer AWX strips `extra_vars` from job lists (`?include=extra_vars` brings it back). */
  readonly listsOmitExtraVars?: boolean;
}

const NOT_FOUND = { detail: 'Not found.' };

export class FakeAwx {
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<number, FakeJob>();
  private readonly failures: InjectedFailure[] = [];
  private nextJobId = 100;
  private readonly prefix: string;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeAwxOptions,
  ) {
    this.prefix = options.flavour === 'aap' ? '/api/controller/v2/' : '/api/v2/';
  }

  /** Starts a fake on 127.0.0.1 and a free port. */
  static async start(options: FakeAwxOptions): Promise<FakeAwx> {
    let fake: FakeAwx | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeAwx(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** Serves `failure.status` to the next `times` matching requests. */
  fail(failure: InjectedFailure): void {
    this.failures.push(failure);
  }

  /** Launch requests received. */
  launches(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/launch/'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown;
    try {
      body = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    } catch {
      body = raw;
    }
    const request: RecordedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body };
    this.requests.push(request);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain' : 'application/json', 'X-API-Product-Name': 'AWX', ...headers });
      res.end(status === 202 ? undefined : text);
    };

    if (request.authorization !== `Bearer ${FAKE_AWX_TOKEN}`) {
      send(401, { detail: 'Authentication credentials were not provided. To establish a login session, visit /api/login/.' }, { 'WWW-Authenticate': 'Bearer realm=api authorization_url=/api/o/authorize/' });
      return;
    }
    const failure = this.failures.find((f) => f.times > 0 && request.path.includes(f.pathIncludes) && (f.method === undefined || f.method === request.method));
    if (failure !== undefined) {
      failure.times -= 1;
      send(failure.status, failure.body ?? { detail: `injected ${failure.status}` }, { ...failure.headers });
      return;
    }
    this.route(request, send);
  }

  private route(r: RecordedRequest, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    const p = this.prefix;
    if (r.method === 'GET' && r.path === '/api/') {
      // The AAP 2.5 gateway answers /api/ itself, without the controller's current_version.
      send(200, this.options.flavour === 'aap' ? { description: 'Ansible Automation Platform gateway' } : { description: 'AWX REST API', current_version: '/api/v2/', available_versions: { v2: '/api/v2/' } });
      return;
    }
    if (!r.path.startsWith(p)) return send(404, NOT_FOUND);
    const rest = r.path.slice(p.length);
    if (r.method === 'GET' && rest === '') {
      return send(200, { ping: `${p}ping/`, job_templates: `${p}job_templates/`, workflow_job_templates: `${p}workflow_job_templates/`, jobs: `${p}jobs/`, workflow_jobs: `${p}workflow_jobs/` });
    }
    let m = /^(job_templates|workflow_job_templates)\/$/.exec(rest);
    if (m && r.method === 'GET') {
      const kind = m[1] === 'job_templates' ? 'job_template' : 'workflow_job_template';
      const name = r.query.get('name');
      const org = r.query.get('organization__name');
      const results = this.options.templates
        .filter((t) => (t.kind ?? 'job_template') === kind && (name === null || t.name === name) && (org === null || t.organization === org))
        .map((t) => this.templateJson(t));
      return send(200, { count: results.length, next: null, previous: null, results });
    }
    m = /^(job_templates|workflow_job_templates)\/(\d+)\/(launch|jobs|workflow_jobs)\/$/.exec(rest);
    if (m) {
      const template = this.options.templates.find((t) => t.id === Number(m?.[2]) && (t.kind ?? 'job_template') === (m?.[1] === 'job_templates' ? 'job_template' : 'workflow_job_template'));
      if (template === undefined) return send(404, NOT_FOUND);
      if (m[3] === 'launch' && r.method === 'POST') return this.launch(template, r.body, send);
      if (r.method === 'GET') {
        const since = r.query.get('created__gte');
        const results = [...this.jobs.values()]
          .filter((j) => j.template === template && (since === null || j.created >= since))
          .sort((a, b) => b.id - a.id)
          .map((j) => this.jobJson(j, !this.options.listsOmitExtraVars));
        return send(200, { count: results.length, next: null, previous: null, results });
      }
    }
    m = /^(jobs|workflow_jobs)\/(\d+)\/(|cancel\/|stdout\/|workflow_nodes\/)$/.exec(rest);
    if (m) {
      const job = this.jobs.get(Number(m[2]));
      if (job === undefined || (job.type === 'job') !== (m[1] === 'jobs')) return send(404, NOT_FOUND);
      const sub = m[3];
      if (sub === '' && r.method === 'GET') {
        const next = job.steps.shift();
        if (next !== undefined && job.status !== 'canceled') job.status = next;
        return send(200, this.jobJson(job, true));
      }
      if (sub === 'cancel/' && r.method === 'POST') {
        if (['successful', 'failed', 'error', 'canceled'].includes(job.status)) return send(405, { detail: 'Method "POST" not allowed.' });
        job.status = 'canceled';
        return send(202, '');
      }
      if (sub === 'stdout/' && r.method === 'GET' && job.type === 'job') return send(200, job.template.stdout ?? '');
      if (sub === 'workflow_nodes/' && r.method === 'GET' && job.type === 'workflow_job') {
        const results = [{ id: 1, summary_fields: { job: { id: 900 + job.id, name: 'restart-step', status: job.status } } }];
        return send(200, { count: 1, next: null, previous: null, results });
      }
    }
    send(404, NOT_FOUND);
  }

  private launch(template: FakeTemplate, body: unknown, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    const payload = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const ignored: Record<string, unknown> = {};
    if ('extra_vars' in payload && template.askVariables === false) ignored.extra_vars = payload.extra_vars;
    if ('limit' in payload && template.askLimit === false) ignored.limit = payload.limit;
    const id = this.nextJobId++;
    const type = (template.kind ?? 'job_template') === 'job_template' ? 'job' : 'workflow_job';
    const job: FakeJob = {
      id,
      type,
      template,
      created: new Date().toISOString(),
      extraVars: 'extra_vars' in ignored ? '{}' : JSON.stringify(payload.extra_vars ?? {}),
      limit: 'limit' in ignored ? '' : String(payload.limit ?? ''),
      steps: template.hold ? ['running'] : ['running', 'running', template.outcome ?? 'successful'],
      status: 'pending',
    };
    this.jobs.set(id, job);
    const idKey = type === 'job' ? 'job' : 'workflow_job';
    send(201, { [idKey]: id, ignored_fields: ignored, ...this.jobJson(job, true) }, { Location: `${this.prefix}${type}s/${id}/` });
  }

  private templateJson(t: FakeTemplate): Record<string, unknown> {
    const plural = (t.kind ?? 'job_template') === 'job_template' ? 'job_templates' : 'workflow_job_templates';
    const url = `${this.prefix}${plural}/${t.id}/`;
    return {
      id: t.id,
      type: t.kind ?? 'job_template',
      name: t.name,
      url,
      related: { launch: `${url}launch/`, ...(plural === 'job_templates' ? { jobs: `${url}jobs/` } : { workflow_jobs: `${url}workflow_jobs/` }) },
      summary_fields: { organization: { id: 1, name: t.organization } },
      ask_variables_on_launch: t.askVariables !== false,
      ask_limit_on_launch: t.askLimit !== false,
      survey_enabled: false,
    };
  }

  private jobJson(j: FakeJob, withExtraVars: boolean): Record<string, unknown> {
    const url = `${this.prefix}${j.type}s/${j.id}/`;
    const terminal = ['successful', 'failed', 'error', 'canceled'].includes(j.status);
    return {
      id: j.id,
      type: j.type,
      url,
      related: {
        cancel: `${url}cancel/`,
        ...(j.type === 'job' ? { stdout: `${url}stdout/` } : { workflow_nodes: `${url}workflow_nodes/` }),
      },
      name: j.template.name,
      status: j.status,
      failed: terminal && j.status !== 'successful',
      elapsed: terminal ? 4.2 : 0,
      created: j.created,
      limit: j.limit,
      job_explanation: j.status === 'error' ? 'Previous Task Failed: {"job_type": "project_update"}' : '',
      ...(withExtraVars ? { extra_vars: j.extraVars } : {}),
    };
  }
}
