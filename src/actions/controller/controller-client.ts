/**
 * @module HTTP client of the AWX / AAP controller API v2 (wire-formats.md §4): discovers the API
 * root (AWX `/api/v2/`, AAP 2.5 `/api/controller/v2/`) and afterwards only follows the `url` and
 * `related` links the controller hands out; finds templates by name and organization, finds a job
 * launched earlier for the same action, launches, polls, cancels and reads stdout. Every request
 * is bounded by `requestTimeoutMs` and the caller's AbortSignal. Failures are AutohealErrors
 * carrying the retry decision (`retryable`, `details.retryAfterMs`, `details.httpStatus`);
 * messages never contain the credentials.
 */
import { parse as parseYaml } from 'yaml';
import { AutohealError, ErrorCode, type Clock } from '../../core/index.js';
import type { ControllerConfig } from './controller-config.js';

/** The subset of `fetch` the client uses; injected so tests and custom TLS can replace it. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** What kind of template (and job) a handler drives. */
export const TemplateKind = {
  Job: 'job_template',
  Workflow: 'workflow_job_template',
} as const;
export type TemplateKind = (typeof TemplateKind)[keyof typeof TemplateKind];

/** Job statuses after which a job never changes again (§4.4). */
export const TERMINAL_JOB_STATUSES: ReadonlySet<string> = new Set(['successful', 'failed', 'error', 'canceled']);

/** The extra var carrying the action's dispatch key, found again after a crash. */
export const DISPATCH_KEY_VAR = 'autoheal_dispatch_key';
/** The extra var carrying the attempt number that launched the job. */
export const ATTEMPT_VAR = 'autoheal_attempt';

/** A template, as far as launching it is concerned. Links are absolute URLs. */
export interface ControllerTemplate {
  readonly kind: TemplateKind;
  readonly id: number;
  readonly name: string;
  readonly organization: string | undefined;
  readonly url: string;
  readonly launchUrl: string;
  /** This template's jobs (`related.jobs` / `related.workflow_jobs`). */
  readonly jobsUrl: string;
  readonly askVariablesOnLaunch: boolean;
  readonly askLimitOnLaunch: boolean;
  readonly surveyEnabled: boolean;
}

/** A job or workflow job. Links are absolute URLs. */
export interface ControllerJob {
  readonly id: number;
  /** `job` or `workflow_job`. */
  readonly type: string;
  readonly url: string;
  readonly status: string;
  /** Seconds, as the controller reports it. */
  readonly elapsed: number | undefined;
  readonly jobExplanation: string;
  readonly stdoutUrl: string | undefined;
  readonly cancelUrl: string;
  readonly workflowNodesUrl: string | undefined;
  /** The job's `extra_vars` text (JSON or YAML), when the response carried it. */
  readonly extraVars: string | undefined;
}

/** A job just launched, with what the controller dropped from the request. */
export interface LaunchedJob {
  readonly job: ControllerJob;
  /** Request fields not enabled by `ask_*_on_launch` (§4.3); empty when all were accepted. */
  readonly ignoredFields: readonly string[];
}

/** A job found by its dispatch key, with the attempt that launched it. */
export interface FoundJob {
  readonly job: ControllerJob;
  readonly attempt: number | undefined;
}

export interface ControllerClientDeps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
}

interface ApiLinks {
  readonly job_template: string;
  readonly workflow_job_template: string;
}

interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Largest JSON body accepted: list pages of 200 jobs stay far below. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;
/** Largest error body read, for the message. */
const MAX_ERROR_BYTES = 16 * 1024;
/** Pages followed in one listing: a bound, not an expected size. */
const MAX_PAGES = 10;
/** Jobs whose detail is fetched when a list lacks `extra_vars` (newer AWX strips it from lists). */
const MAX_DETAIL_LOOKUPS = 50;
/** Statuses that ask for a later retry of the same request. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `Retry-After` as milliseconds (delta seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** The `detail` (or field errors) of a controller error body, shortened for a message. */
function errorText(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (isMapping(parsed) && typeof parsed.detail === 'string') text = parsed.detail;
    else text = JSON.stringify(parsed);
  } catch {
    // Not JSON (a proxy's HTML page): keep the raw start.
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Reads a body up to `max` bytes; beyond that fails (JSON) or keeps the tail (`keepTail`). */
async function readBody(response: Response, max: number, keepTail: boolean): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size > max) {
      truncated = true;
      if (!keepTail) {
        await reader.cancel().catch(() => undefined);
        break;
      }
      const all = Buffer.concat(chunks);
      chunks.length = 0;
      chunks.push(all.subarray(all.length - max));
      size = max;
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/** The last `maxBytes` of `text`, starting at a line boundary when one is near. */
export function tailOf(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let cut = buf.subarray(buf.length - maxBytes).toString('utf8');
  // A cut inside a multi-byte character decodes as U+FFFD; a line start reads better anyway.
  const newline = cut.indexOf('\n');
  if (newline >= 0 && newline < 200) cut = cut.slice(newline + 1);
  else cut = cut.replace(/^\uFFFD+/, '');
  return cut;
}

function parseJob(body: unknown, origin: string): ControllerJob {
  if (!isMapping(body) || typeof body.id !== 'number' || typeof body.url !== 'string' || typeof body.status !== 'string') {
    throw new AutohealError(ErrorCode.ControllerRequestRejected, 'the controller answered with something that is not a job (no id, url or status)');
  }
  const related = isMapping(body.related) ? body.related : {};
  const url = new URL(body.url, origin).href;
  const link = (name: string): string | undefined => {
    const v = str(related[name]);
    return v === undefined ? undefined : new URL(v, origin).href;
  };
  const type = str(body.type) ?? 'job';
  return {
    id: body.id,
    type,
    url,
    status: body.status,
    elapsed: typeof body.elapsed === 'number' ? body.elapsed : undefined,
    jobExplanation: str(body.job_explanation) ?? '',
    stdoutUrl: link('stdout') ?? (type === 'job' ? new URL('stdout/', url).href : undefined),
    cancelUrl: link('cancel') ?? new URL('cancel/', url).href,
    workflowNodesUrl: link('workflow_nodes') ?? (type === 'workflow_job' ? new URL('workflow_nodes/', url).href : undefined),
    extraVars: typeof body.extra_vars === 'string' ? body.extra_vars : isMapping(body.extra_vars) ? JSON.stringify(body.extra_vars) : undefined,
  };
}

/** Reads our two tags out of a job's `extra_vars` text (JSON, or YAML for hand-made jobs). */
export function readJobTags(extraVars: string | undefined): { key?: string; attempt?: number } {
  if (extraVars === undefined || !extraVars.includes(DISPATCH_KEY_VAR)) return {};
  let vars: unknown;
  try {
    vars = JSON.parse(extraVars);
  } catch {
    try {
      vars = parseYaml(extraVars);
    } catch {
      return {};
    }
  }
  if (!isMapping(vars)) return {};
  const key = str(vars[DISPATCH_KEY_VAR]);
  const attempt = typeof vars[ATTEMPT_VAR] === 'number' ? vars[ATTEMPT_VAR] : undefined;
  return { ...(key === undefined ? {} : { key }), ...(attempt === undefined ? {} : { attempt }) };
}

/** Client of one controller. Discovery is done once and cached (reset after a failure). */
export class ControllerClient {
  private links: Promise<ApiLinks> | undefined;

  constructor(
    private readonly config: ControllerConfig,
    private readonly deps: ControllerClientDeps,
  ) {}

  /** The UI link of a job, as upstream records it (`<host>/#/jobs/playbook/<id>/details`). */
  uiUrl(job: Pick<ControllerJob, 'id' | 'type'>): string {
    const kind = job.type === 'workflow_job' ? 'workflow' : 'playbook';
    return `${this.config.origin}/#/jobs/${kind}/${job.id}/details`;
  }

  /**
   * Finds a template by exact name within an organization.
   * @throws AutohealError `AH_CONTROLLER_NOT_FOUND` naming what was searched, or any request error
   */
  async findTemplate(kind: TemplateKind, name: string, organization: string, signal: AbortSignal): Promise<ControllerTemplate> {
    const links = await this.apiLinks(signal);
    const search = new URL(links[kind]);
    search.searchParams.set('name', name);
    search.searchParams.set('organization__name', organization);
    search.searchParams.set('page_size', '200');
    const label = kind === TemplateKind.Job ? 'job template' : 'workflow template';
    for await (const item of this.listAll(search.href, signal)) {
      if (!isMapping(item) || item.name !== name) continue;
      const summary = isMapping(item.summary_fields) ? item.summary_fields : {};
      const org = isMapping(summary.organization) ? str(summary.organization.name) : undefined;
      // Names are unique only per organization (§4.2): the filter is checked again here.
      if (org !== organization) continue;
      return this.parseTemplate(kind, item);
    }
    const path = `${search.pathname}${search.search}`;
    throw new AutohealError(ErrorCode.ControllerNotFound, `${label} "${name}" not found in organization "${organization}" (searched GET ${path} on ${this.config.origin}; check the name, the organization and that the credentials can see it)`, {
      details: { httpStatus: 200 },
    });
  }

  /**
   * The newest job of `template` created within the lookup window whose extra vars carry
   * `dispatchKey`, or undefined. The controller cannot filter on extra vars (§4.3), so recent
   * jobs are listed and compared here; lists of newer AWX omit `extra_vars`, in which case the
   * newest jobs' details are read (at most 50).
   */
  async findJobByDispatchKey(template: ControllerTemplate, dispatchKey: string, signal: AbortSignal): Promise<FoundJob | undefined> {
    const since = new Date(this.deps.clock.now() - this.config.jobLookupWindowMs).toISOString();
    const search = new URL(template.jobsUrl);
    search.searchParams.set('created__gte', since);
    search.searchParams.set('order_by', '-id');
    search.searchParams.set('page_size', '200');
    let lookups = 0;
    for await (const item of this.listAll(search.href, signal)) {
      let job = parseJob(item, this.config.origin);
      if (job.extraVars === undefined) {
        if (lookups >= MAX_DETAIL_LOOKUPS) break;
        lookups += 1;
        job = await this.getJob(job.url, signal);
      }
      const tags = readJobTags(job.extraVars);
      if (tags.key === dispatchKey) return { job, attempt: tags.attempt };
    }
    return undefined;
  }

  /**
   * Launches `template` (`POST related.launch`, expecting 201).
   * @throws AutohealError on any non-201 answer, mapped as in `request`
   */
  async launch(template: ControllerTemplate, payload: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<LaunchedJob> {
    const { body } = await this.requestJson('POST', template.launchUrl, signal, payload);
    if (!isMapping(body)) throw new AutohealError(ErrorCode.ControllerRequestRejected, 'the launch answer is not a JSON object');
    // `job` / `workflow_job` hold the id; the rest is the job's representation (§4.3).
    const job = parseJob({ ...body, id: typeof body.id === 'number' ? body.id : (body.job ?? body.workflow_job) }, this.config.origin);
    const ignored = isMapping(body.ignored_fields) ? Object.keys(body.ignored_fields) : [];
    return { job, ignoredFields: ignored };
  }

  /** Reads a job by its (absolute) URL. */
  async getJob(url: string, signal: AbortSignal): Promise<ControllerJob> {
    const { body } = await this.requestJson('GET', url, signal);
    return parseJob(body, this.config.origin);
  }

  /** Asks the controller to cancel a job (`POST related.cancel` → 202). A finished job answers 405: ignored. */
  async cancel(job: ControllerJob, signal: AbortSignal): Promise<void> {
    try {
      await this.requestJson('POST', job.cancelUrl, signal, {});
    } catch (err: unknown) {
      if (err instanceof AutohealError && err.details.httpStatus === 405) return;
      throw err;
    }
  }

  /**
   * The end of a job's stdout (`?format=txt`, §4.5), at most `maxBytes`. Workflow jobs have no
   * stdout: their nodes' names and statuses are listed instead.
   */
  async stdoutTail(job: ControllerJob, maxBytes: number, signal: AbortSignal): Promise<string> {
    if (maxBytes === 0) return '';
    if (job.type === 'workflow_job') return this.workflowNodesSummary(job, maxBytes, signal);
    if (job.stdoutUrl === undefined) return '';
    const url = new URL(job.stdoutUrl);
    url.searchParams.set('format', 'txt');
    const response = await this.send('GET', url.href, signal, undefined, 'text/plain');
    try {
      const { text } = await readBody(response, maxBytes, true);
      return tailOf(text, maxBytes);
    } catch (err: unknown) {
      throw this.networkError(url.href, err, signal);
    }
  }

  private async workflowNodesSummary(job: ControllerJob, maxBytes: number, signal: AbortSignal): Promise<string> {
    if (job.workflowNodesUrl === undefined) return '';
    const lines: string[] = [];
    for await (const node of this.listAll(job.workflowNodesUrl, signal)) {
      if (!isMapping(node)) continue;
      const summary = isMapping(node.summary_fields) ? node.summary_fields : {};
      const nodeJob = isMapping(summary.job) ? summary.job : undefined;
      const template = isMapping(summary.unified_job_template) ? str(summary.unified_job_template.name) : undefined;
      const name = str(nodeJob?.name) ?? template ?? `node ${String(node.id)}`;
      const status = nodeJob === undefined ? 'not run' : `${str(nodeJob.status) ?? 'unknown'} (job ${String(nodeJob.id)})`;
      lines.push(`${name}: ${status}`);
    }
    return tailOf(lines.join('\n'), maxBytes);
  }

  private parseTemplate(kind: TemplateKind, item: Record<string, unknown>): ControllerTemplate {
    if (typeof item.id !== 'number' || typeof item.url !== 'string') {
      throw new AutohealError(ErrorCode.ControllerRequestRejected, 'the controller listed a template without id or url');
    }
    const url = new URL(item.url, this.config.origin).href;
    const related = isMapping(item.related) ? item.related : {};
    const rel = (name: string, fallback: string): string => new URL(str(related[name]) ?? fallback, url).href;
    const summary = isMapping(item.summary_fields) ? item.summary_fields : {};
    return {
      kind,
      id: item.id,
      name: str(item.name) ?? '',
      organization: isMapping(summary.organization) ? str(summary.organization.name) : undefined,
      url,
      launchUrl: rel('launch', 'launch/'),
      jobsUrl: kind === TemplateKind.Job ? rel('jobs', 'jobs/') : rel('workflow_jobs', 'workflow_jobs/'),
      askVariablesOnLaunch: item.ask_variables_on_launch === true,
      askLimitOnLaunch: item.ask_limit_on_launch === true,
      surveyEnabled: item.survey_enabled === true,
    };
  }

  /** Every item of a paginated list, following `next` (relative) for at most MAX_PAGES pages. */
  private async *listAll(firstUrl: string, signal: AbortSignal): AsyncGenerator<unknown> {
    let url: string | undefined = firstUrl;
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const { body } = await this.requestJson('GET', url, signal);
      if (!isMapping(body) || !Array.isArray(body.results)) {
        throw new AutohealError(ErrorCode.ControllerRequestRejected, `GET ${new URL(url).pathname} did not answer with a list ({"results": […]})`);
      }
      for (const item of body.results) yield item;
      const next = str(body.next);
      url = next === undefined ? undefined : new URL(next, this.config.origin).href;
    }
  }

  /**
   * Finds the v2 API root: a configured API root is used as given; for a bare host `/api/`
   * names it in `current_version` (AWX), else `/api/controller/v2/` (AAP 2.5 gateway) and
   * `/api/v2/` are tried. The root's links to the template lists are read from it.
   */
  private apiLinks(signal: AbortSignal): Promise<ApiLinks> {
    if (this.links === undefined) {
      const pending = this.discover(signal);
      this.links = pending;
      pending.catch(() => {
        if (this.links === pending) this.links = undefined;
      });
    }
    return this.links;
  }

  private async discover(signal: AbortSignal): Promise<ApiLinks> {
    const origin = this.config.origin;
    const tried: string[] = [];
    const apiDir = this.config.apiRootGiven ? this.config.url : `${origin}/api/`;
    const candidates: string[] = [];
    tried.push(new URL(apiDir).pathname);
    const dir = await this.tryGet(apiDir, signal);
    const current = isMapping(dir) ? str(dir.current_version) : undefined;
    if (current !== undefined) candidates.push(new URL(current, origin).href);
    else if (this.config.apiRootGiven) candidates.push(new URL('v2/', apiDir).href);
    else candidates.push(`${origin}/api/controller/v2/`, `${origin}/api/v2/`);
    for (const candidate of candidates) {
      tried.push(new URL(candidate).pathname);
      const root = await this.tryGet(candidate, signal);
      if (!isMapping(root)) continue;
      const link = (key: string): string => new URL(str(root[key]) ?? `${key}/`, candidate).href;
      return { job_template: link('job_templates'), workflow_job_template: link('workflow_job_templates') };
    }
    throw new AutohealError(ErrorCode.ControllerNotFound, `no controller API v2 found at ${this.config.url} (tried ${tried.join(', ')}); check "url"`);
  }

  /** GET that turns 404 into undefined (a discovery miss); other failures throw. */
  private async tryGet(url: string, signal: AbortSignal): Promise<unknown> {
    try {
      return (await this.requestJson('GET', url, signal)).body;
    } catch (err: unknown) {
      if (err instanceof AutohealError && err.details.httpStatus === 404) return undefined;
      throw err;
    }
  }

  private async requestJson(method: 'GET' | 'POST', url: string, signal: AbortSignal, body?: unknown): Promise<JsonResponse> {
    const response = await this.send(method, url, signal, body, 'application/json');
    let text: string;
    try {
      const read = await readBody(response, MAX_JSON_BYTES, false);
      if (read.truncated) throw new AutohealError(ErrorCode.ControllerRequestRejected, `${method} ${new URL(url).pathname} answered more than ${MAX_JSON_BYTES} bytes`);
      text = read.text;
    } catch (err: unknown) {
      if (err instanceof AutohealError) throw err;
      throw this.networkError(url, err, signal);
    }
    if (text.trim() === '') return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new AutohealError(ErrorCode.ControllerRequestRejected, `${method} ${new URL(url).pathname} answered ${response.status} with a body that is not JSON`, {
        details: { httpStatus: response.status },
      });
    }
  }

  /** One request; resolves only for 2xx, else throws the mapped error (body read for the message). */
  private async send(method: 'GET' | 'POST', url: string, signal: AbortSignal, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Authorization: this.config.auth.authorization, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(this.config.requestTimeoutMs)]);
    let response: Response;
    try {
      response = await this.deps.fetch(url, {
        method,
        headers,
        signal: bounded,
        redirect: 'manual',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err: unknown) {
      throw this.networkError(url, err, signal);
    }
    if (response.status >= 200 && response.status < 300) return response;
    let detail = '';
    try {
      detail = errorText((await readBody(response, MAX_ERROR_BYTES, false)).text);
    } catch {
      // The status decides; a body that cannot be read only makes the message shorter.
    }
    throw this.statusError(method, url, response, detail);
  }

  private statusError(method: string, url: string, response: Response, detail: string): AutohealError {
    const status = response.status;
    const where = `${method} ${new URL(url).pathname}`;
    const suffix = detail === '' ? '' : `: ${detail}`;
    if (status === 401) {
      const who = this.config.auth.kind === 'basic' ? `user "${this.config.auth.username}"` : 'the token';
      return new AutohealError(ErrorCode.ControllerUnauthorized, `the controller rejected ${who} (401 on ${where})${suffix}`, { details: { httpStatus: status } });
    }
    if (status === 403) {
      return new AutohealError(ErrorCode.ControllerUnauthorized, `the controller refused permission (403 on ${where})${suffix}`, { details: { httpStatus: status } });
    }
    if (status === 404) {
      return new AutohealError(ErrorCode.ControllerNotFound, `not found (404 on ${where})${suffix}`, { details: { httpStatus: status } });
    }
    if (RETRYABLE_STATUSES.has(status) || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.deps.clock.now());
      return new AutohealError(ErrorCode.ControllerUnavailable, `the controller is unavailable (${status} on ${where})${suffix}`, {
        retryable: true,
        details: { httpStatus: status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      });
    }
    if (status >= 300 && status < 400) {
      return new AutohealError(ErrorCode.ControllerRequestRejected, `the controller redirected ${where} to ${response.headers.get('location') ?? '?'} (${status}); set "url" to the final address`, { details: { httpStatus: status } });
    }
    return new AutohealError(ErrorCode.ControllerRequestRejected, `the controller rejected the request (${status} on ${where})${suffix}`, { details: { httpStatus: status } });
  }

  private networkError(url: string, err: unknown, signal: AbortSignal): unknown {
    // Our own abort is not a controller failure: the caller checks `signal.aborted` and stops.
    if (signal.aborted) return err;
    const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    const message = timeout
      ? `the controller did not answer ${new URL(url).pathname} within ${this.config.requestTimeoutMs} ms`
      : `could not reach the controller at ${new URL(url).origin} (${cause})`;
    return new AutohealError(ErrorCode.ControllerUnavailable, message, { retryable: true, cause: err });
  }
}
