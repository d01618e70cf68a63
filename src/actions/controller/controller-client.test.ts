import { describe, expect, it } from 'vitest';
import { AutohealError, ManualClock } from '../../core/index.js';
import { ControllerClient, TemplateKind, parseRetryAfter, readJobTags, tailOf, type FetchLike } from './controller-client.js';
import type { ControllerConfig } from './controller-config.js';

const CONFIG: ControllerConfig = {
  url: 'https://awx.test/',
  origin: 'https://awx.test',
  apiRootGiven: false,
  auth: { kind: 'token', authorization: 'Bearer t' },
  verifySsl: true,
  ca: undefined,
  caFile: undefined,
  pollIntervalMs: 10,
  timeoutMs: 1000,
  requestTimeoutMs: 1000,
  jobLookupWindowMs: 60_000,
  stdoutTailBytes: 100,
};

/** A fetch answering from a table of `METHOD path` → [status, body, headers]. */
function tableFetch(table: Record<string, [number, unknown, Record<string, string>?]>, seen: string[] = []): FetchLike {
  return async (url, init) => {
    const u = new URL(url);
    const key = `${init.method ?? 'GET'} ${u.pathname}`;
    seen.push(`${key}${u.search}`);
    const hit = table[key];
    if (hit === undefined) return new Response(JSON.stringify({ detail: 'Not found.' }), { status: 404 });
    const [status, body, headers] = hit;
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  };
}

const ROOT: Record<string, [number, unknown]> = {
  'GET /api/': [200, { current_version: '/api/v2/' }],
  'GET /api/v2/': [200, { job_templates: '/api/v2/job_templates/' }],
};

async function rejection(p: Promise<unknown>): Promise<AutohealError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AutohealError)) throw new Error(`expected an AutohealError, got ${String(err)}`);
  return err;
}

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('tailOf', () => {
  it('keeps the end, starting at a line', () => {
    expect(tailOf('abc', 10)).toBe('abc');
    expect(tailOf('line one\nline two\nline three', 15)).toBe('line three');
  });
});

describe('readJobTags', () => {
  it('reads the key and attempt from JSON or YAML extra vars', () => {
    expect(readJobTags('{"autoheal_dispatch_key": "k1", "autoheal_attempt": 2}')).toEqual({ key: 'k1', attempt: 2 });
    expect(readJobTags('autoheal_dispatch_key: k2\n')).toEqual({ key: 'k2' });
    expect(readJobTags('{"other": 1}')).toEqual({});
    expect(readJobTags(undefined)).toEqual({});
  });
});

describe('ControllerClient', () => {
  const signal = new AbortController().signal;

  it('discovers /api/v2/ through /api/ and searches templates by name and organization', async () => {
    const seen: string[] = [];
    const template = { id: 7, name: 'x', url: '/api/v2/job_templates/7/', related: { launch: '/api/v2/job_templates/7/launch/', jobs: '/api/v2/job_templates/7/jobs/' }, summary_fields: { organization: { name: 'Org' } }, ask_variables_on_launch: true };
    const other = { ...template, id: 8, summary_fields: { organization: { name: 'Elsewhere' } } };
    const client = new ControllerClient(CONFIG, { clock: new ManualClock(0), fetch: tableFetch({ ...ROOT, 'GET /api/v2/job_templates/': [200, { results: [other, template], next: null }] }, seen) });
    const found = await client.findTemplate(TemplateKind.Job, 'x', 'Org', signal);
    expect(found).toMatchObject({ id: 7, launchUrl: 'https://awx.test/api/v2/job_templates/7/launch/', jobsUrl: 'https://awx.test/api/v2/job_templates/7/jobs/', askVariablesOnLaunch: true, askLimitOnLaunch: false });
    expect(seen).toContain('GET /api/v2/job_templates/?name=x&organization__name=Org&page_size=200');
  });

  it('falls back to the AAP 2.5 prefix when /api/ names no version', async () => {
    const client = new ControllerClient(CONFIG, {
      clock: new ManualClock(0),
      fetch: tableFetch({ 'GET /api/': [200, { description: 'gateway' }], 'GET /api/controller/v2/': [200, { job_templates: '/api/controller/v2/job_templates/' }], 'GET /api/controller/v2/job_templates/': [200, { results: [] }] }),
    });
    const err = await rejection(client.findTemplate(TemplateKind.Job, 'x', 'Org', signal));
    expect(err.code).toBe('AH_CONTROLLER_NOT_FOUND');
    expect(err.message).toContain('/api/controller/v2/job_templates/?name=x');
  });

  it('says where it looked when no API answers', async () => {
    const client = new ControllerClient(CONFIG, { clock: new ManualClock(0), fetch: tableFetch({}) });
    const err = await rejection(client.findTemplate(TemplateKind.Job, 'x', 'Org', signal));
    expect(err.message).toContain('tried /api/, /api/controller/v2/, /api/v2/');
  });

  it('maps statuses to retry decisions', async () => {
    const cases: [number, string, boolean][] = [
      [401, 'AH_CONTROLLER_UNAUTHORIZED', false],
      [403, 'AH_CONTROLLER_UNAUTHORIZED', false],
      [400, 'AH_CONTROLLER_REQUEST_REJECTED', false],
      [429, 'AH_CONTROLLER_UNAVAILABLE', true],
      [500, 'AH_CONTROLLER_UNAVAILABLE', true],
    ];
    for (const [status, code, retryable] of cases) {
      const client = new ControllerClient(CONFIG, { clock: new ManualClock(0), fetch: tableFetch({ 'GET /api/': [status, { detail: 'nope' }, { 'Retry-After': '2' }] }) });
      const err = await rejection(client.getJob('https://awx.test/api/', signal));
      expect([err.code, err.retryable, err.details.httpStatus]).toEqual([code, retryable, status]);
      expect(err.message).toContain('nope');
      if (status === 429) expect(err.details.retryAfterMs).toBe(2000);
    }
  });

  it('turns a network failure into a retryable error naming the host', async () => {
    const client = new ControllerClient(CONFIG, { clock: new ManualClock(0), fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })) });
    const err = await rejection(client.getJob('https://awx.test/api/v2/jobs/1/', signal));
    expect(err).toMatchObject({ code: 'AH_CONTROLLER_UNAVAILABLE', retryable: true });
    expect(err.message).toBe('could not reach the controller at https://awx.test (connect ECONNREFUSED)');
  });

  it('reads the launch answer of a workflow and its ignored fields', async () => {
    const client = new ControllerClient(CONFIG, {
      clock: new ManualClock(0),
      fetch: tableFetch({ 'POST /api/v2/workflow_job_templates/9/launch/': [201, { workflow_job: 17, ignored_fields: { limit: 'a' }, type: 'workflow_job', url: '/api/v2/workflow_jobs/17/', status: 'pending' }] }),
    });
    const template = { kind: TemplateKind.Workflow, id: 9, name: 'w', organization: 'O', url: '', launchUrl: 'https://awx.test/api/v2/workflow_job_templates/9/launch/', jobsUrl: '', askVariablesOnLaunch: true, askLimitOnLaunch: false, surveyEnabled: false };
    const launched = await client.launch(template, {}, signal);
    expect(launched.ignoredFields).toEqual(['limit']);
    expect(launched.job).toMatchObject({ id: 17, type: 'workflow_job', cancelUrl: 'https://awx.test/api/v2/workflow_jobs/17/cancel/' });
    expect(client.uiUrl(launched.job)).toBe('https://awx.test/#/jobs/workflow/17/details');
  });
});
