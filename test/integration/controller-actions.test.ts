/**
 * `run_job_template` / `run_workflow_template` over real sockets against the local fake
 * controller (test/support/fake-awx.ts). Jobs advance one status per poll, and the injected sleep
 * only yields, so nothing here waits on wall-clock time.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionContext, ActionHandler, ActionLogger, ActionRequest } from '../../src/actions/action-handler.js';
import {
  createRunJobTemplate,
  createRunWorkflowTemplate,
  resolveControllerConfig,
  type ControllerActionDeps,
  type ControllerConfig,
} from '../../src/actions/controller/index.js';
import { systemClock } from '../../src/core/index.js';
import { FAKE_AWX_TOKEN, FakeAwx, type FakeAwxOptions } from '../support/fake-awx.js';

const RESTART = { id: 7, name: 'restart-rsyslog', organization: 'Default', stdout: 'PLAY [all]\nTASK [restart]\nchanged: [web01]\nPLAY RECAP\nweb01 : ok=1 changed=1\n' };

const fakes: FakeAwx[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function startFake(options: FakeAwxOptions): Promise<FakeAwx> {
  const fake = await FakeAwx.start(options);
  fakes.push(fake);
  return fake;
}

async function configFor(fake: FakeAwx, extra: Record<string, unknown> = {}): Promise<ControllerConfig> {
  return resolveControllerConfig({ url: fake.url, token_env: 'AWX_TOKEN', poll_interval: 0.01, request_timeout: 5, ...extra }, { env: { AWX_TOKEN: FAKE_AWX_TOKEN }, readFile: (p) => readFile(p, 'utf8') });
}

/** Yields to the event loop instead of waiting: the fake's jobs move per poll, not per second. */
const yieldOnly: ControllerActionDeps['sleep'] = () => new Promise<void>((resolve) => setImmediate(resolve));

const silent: ActionLogger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function request(overrides: Partial<ActionRequest> = {}): ActionRequest {
  return {
    dispatchKey: 'rs:restart:evt-1:0',
    ruleset: 'rs',
    rule: 'restart',
    action: 'run_job_template',
    args: { name: 'restart-rsyslog', organization: 'Default', job_args: { extra_vars: { service_name: 'rsyslog' } } },
    hosts: ['web01', 'web02'],
    bindings: { m: { alert: 'down', meta: { uuid: 'evt-1', hosts: ['web01', 'web02'] } } },
    eventIds: ['evt-1'],
    ...overrides,
  };
}

function context(req: ActionRequest, signal: AbortSignal = new AbortController().signal, attempt = 1): ActionContext {
  return { request: req, attempt, signal, clock: systemClock, logger: silent };
}

async function handlerFor(fake: FakeAwx, deps: ControllerActionDeps = {}, extra: Record<string, unknown> = {}): Promise<ActionHandler> {
  return createRunJobTemplate(await configFor(fake, extra), { sleep: yieldOnly, ...deps });
}

describe('run_job_template against a controller', () => {
  it('launches with event data, host limit and run id, polls to success and returns the stdout tail', async () => {
    const fake = await startFake({ templates: [RESTART] });
    const result = await (await handlerFor(fake)).run(context(request()));

    expect(result.status).toBe('succeeded');
    expect(result.details).toMatchObject({ controller_job_id: 100, url: `${fake.url}/#/jobs/playbook/100/details`, status: 'successful', elapsed: 4.2 });
    expect(result.outputTail).toContain('web01 : ok=1 changed=1');
    const [launch] = fake.launches();
    expect(fake.launches()).toHaveLength(1);
    expect(launch?.path).toBe('/api/v2/job_templates/7/launch/');
    expect(launch?.authorization).toBe(`Bearer ${FAKE_AWX_TOKEN}`);
    expect(launch?.body).toEqual({
      extra_vars: {
        service_name: 'rsyslog',
        ansible_eda: { ruleset: 'rs', rule: 'restart', event: { alert: 'down', meta: { uuid: 'evt-1', hosts: ['web01', 'web02'] } } },
        autoheal_dispatch_key: 'rs:restart:evt-1:0',
        autoheal_attempt: 1,
      },
      limit: 'web01,web02',
    });
    const polls = fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/jobs/100/');
    expect(polls.length).toBeGreaterThanOrEqual(3);
    const lookup = fake.requests.find((r) => r.path === '/api/v2/job_templates/7/jobs/');
    expect(lookup?.query.get('created__gte')).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('takes job_args.limit over the hosts and leaves ansible_eda out with include_events: false', async () => {
    const fake = await startFake({ templates: [RESTART] });
    const args = { name: 'restart-rsyslog', organization: 'Default', include_events: false, job_args: { limit: 'db01', job_tags: 'restart' } };
    const result = await (await handlerFor(fake)).run(context(request({ args })));
    expect(result.status).toBe('succeeded');
    expect(fake.launches()[0]?.body).toEqual({ job_tags: 'restart', limit: 'db01', extra_vars: { autoheal_dispatch_key: 'rs:restart:evt-1:0', autoheal_attempt: 1 } });
  });

  it('reports a failed job as failed and retryable, with its stdout', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, outcome: 'failed', stdout: 'fatal: [web01]: FAILED!\n' }] });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: true, details: { controller_job_id: 100, status: 'failed' } });
    expect(result.outputTail).toContain('FAILED!');
  });

  it('reports a job in error as failed, not retryable, with the explanation', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, outcome: 'error' }] });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: false });
    expect(result.summary).toContain('project_update');
  });

  it('fails on ignored_fields, names them and cancels the job', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, askLimit: false }] });
    const args = { name: 'restart-rsyslog', organization: 'Default', job_args: { limit: 'web01' } };
    const result = await (await handlerFor(fake)).run(context(request({ args })));
    expect(result).toMatchObject({ status: 'failed', retryable: false, details: { controller_job_id: 100, ignored_fields: ['limit'] } });
    expect(result.summary).toContain('ignored the launch fields limit');
    expect(fake.jobs.get(100)?.status).toBe('canceled');
  });

  it('drops the hosts limit when the template does not prompt for it', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, askLimit: false }] });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result.status).toBe('succeeded');
    expect(fake.launches()[0]?.body).not.toHaveProperty('limit');
  });

  it('refuses a template that does not prompt for variables, without launching', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, askVariables: false }] });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: false });
    expect(result.summary).toContain('Prompt on launch');
    expect(fake.launches()).toHaveLength(0);
  });

  it('reports a rejected token as failed and not retryable', async () => {
    const fake = await startFake({ templates: [RESTART] });
    const config = await resolveControllerConfig({ url: fake.url, token: 'wrong' }, { env: {}, readFile: (p) => readFile(p, 'utf8') });
    const result = await createRunJobTemplate(config, { sleep: yieldOnly }).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: false, httpStatus: 401, details: { code: 'AH_CONTROLLER_UNAUTHORIZED' } });
    expect(result.summary).toContain('rejected the token');
    expect(result.summary).not.toContain('wrong');
  });

  it('reports an unknown template with what was searched', async () => {
    const fake = await startFake({ templates: [RESTART] });
    const args = { name: 'restart-rsyslog', organization: 'Other' };
    const result = await (await handlerFor(fake)).run(context(request({ args })));
    expect(result).toMatchObject({ status: 'failed', retryable: false, details: { code: 'AH_CONTROLLER_NOT_FOUND' } });
    expect(result.summary).toContain('job template "restart-rsyslog" not found in organization "Other"');
    expect(result.summary).toContain('/api/v2/job_templates/?name=restart-rsyslog&organization__name=Other');
  });

  it('turns 429 into a retryable failure with Retry-After', async () => {
    const fake = await startFake({ templates: [RESTART] });
    fake.fail({ method: 'POST', pathIncludes: '/launch/', status: 429, headers: { 'Retry-After': '7' }, times: 1 });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: true, retryAfterMs: 7000, httpStatus: 429 });
    expect(fake.jobs.size).toBe(0);
  });

  it('turns 5xx into a retryable failure', async () => {
    const fake = await startFake({ templates: [RESTART] });
    fake.fail({ pathIncludes: '/job_templates/', status: 502, times: 1 });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result).toMatchObject({ status: 'failed', retryable: true, httpStatus: 502, details: { code: 'AH_CONTROLLER_UNAVAILABLE' } });
  });

  it('keeps polling through a transient 503 while the job runs', async () => {
    const fake = await startFake({ templates: [RESTART] });
    fake.fail({ method: 'GET', pathIncludes: '/jobs/100/', status: 503, times: 2 });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result.status).toBe('succeeded');
  });

  it('cancels the job when the attempt is aborted', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, hold: true }] });
    const controller = new AbortController();
    let polls = 0;
    const sleep: ControllerActionDeps['sleep'] = async () => {
      polls += 1;
      if (polls === 3) controller.abort(new Error('shutdown'));
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const result = await (await handlerFor(fake, { sleep })).run(context(request(), controller.signal));
    expect(result).toMatchObject({ status: 'failed', retryable: false, details: { controller_job_id: 100 } });
    expect(result.summary).toContain('the job was cancelled');
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === '/api/v2/jobs/100/cancel/')).toBe(true);
    expect(fake.jobs.get(100)?.status).toBe('canceled');
  });

  it('cancels the job when it outlives the configured timeout', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, hold: true }] });
    let now = 1_000_000;
    const clock = { now: () => now };
    const sleep: ControllerActionDeps['sleep'] = async (ms) => {
      now += ms;
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const handler = await handlerFor(fake, { sleep }, { timeout: 1, poll_interval: 0.4 });
    const result = await handler.run({ ...context(request()), clock });
    expect(result).toMatchObject({ status: 'timed_out', details: { controller_job_id: 100 } });
    expect(fake.jobs.get(100)?.status).toBe('canceled');
  });

  it('finds the job of a crashed run by its dispatch key instead of launching again', async () => {
    const fake = await startFake({ templates: [RESTART] });
    const config = await configFor(fake);
    let reachedPoll: () => void = () => undefined;
    const polling = new Promise<void>((resolve) => (reachedPoll = resolve));
    // The first process "dies" mid-poll: its sleep never returns.
    const crashed = createRunJobTemplate(config, { sleep: () => (reachedPoll(), new Promise<void>(() => undefined)) });
    void crashed.run(context(request()));
    await polling;
    expect(fake.launches()).toHaveLength(1);

    // The dispatcher reruns an interrupted safe-to-repeat action as the next attempt.
    const restarted = createRunJobTemplate(config, { sleep: yieldOnly });
    const result = await restarted.run(context(request(), new AbortController().signal, 2));
    expect(result).toMatchObject({ status: 'succeeded', details: { controller_job_id: 100, adopted: true } });
    expect(fake.launches()).toHaveLength(1);
  });

  it('finds the job through job details when lists omit extra_vars', async () => {
    const fake = await startFake({ templates: [RESTART], listsOmitExtraVars: true });
    const config = await configFor(fake);
    await createRunJobTemplate(config, { sleep: yieldOnly }).run(context(request({ dispatchKey: 'other-key' })));
    await createRunJobTemplate(config, { sleep: yieldOnly }).run(context(request()));
    const again = await createRunJobTemplate(config, { sleep: yieldOnly }).run(context(request()));
    expect(again).toMatchObject({ status: 'succeeded', details: { controller_job_id: 101, adopted: true } });
    expect(fake.launches()).toHaveLength(2);
  });

  it('launches again on a retry after a failed job', async () => {
    const fake = await startFake({ templates: [{ ...RESTART, outcome: 'failed' }] });
    const config = await configFor(fake);
    const handler = createRunJobTemplate(config, { sleep: yieldOnly });
    const first = await handler.run(context(request()));
    const second = await handler.run(context(request(), new AbortController().signal, 2));
    expect(first.details?.controller_job_id).toBe(100);
    expect(second.details?.controller_job_id).toBe(101);
    expect((fake.launches()[1]?.body as { extra_vars: Record<string, unknown> }).extra_vars.autoheal_attempt).toBe(2);
  });

  it('works behind the AAP 2.5 gateway prefix', async () => {
    const fake = await startFake({ flavour: 'aap', templates: [RESTART] });
    const result = await (await handlerFor(fake)).run(context(request()));
    expect(result.status).toBe('succeeded');
    expect(fake.launches()[0]?.path).toBe('/api/controller/v2/job_templates/7/launch/');
    expect(fake.requests.some((r) => r.path.startsWith('/api/v2/') && r.path !== '/api/v2/')).toBe(false);
  });

  it('uses a configured API root as given', async () => {
    const fake = await startFake({ flavour: 'aap', templates: [RESTART] });
    const handler = createRunJobTemplate(await configFor(fake, { url: `${fake.url}/api/controller/` }), { sleep: yieldOnly });
    expect((await handler.run(context(request()))).status).toBe('succeeded');
    expect(fake.requests.some((r) => r.path === '/api/')).toBe(false);
  });
});

describe('run_workflow_template against a controller', () => {
  it('launches the workflow, polls it and links the workflow view', async () => {
    const fake = await startFake({ templates: [{ id: 9, name: 'heal', organization: 'Default', kind: 'workflow_job_template' }] });
    const handler = createRunWorkflowTemplate(await configFor(fake), { sleep: yieldOnly });
    const result = await handler.run(context(request({ action: 'run_workflow_template', args: { name: 'heal', organization: 'Default' } })));
    expect(result).toMatchObject({ status: 'succeeded', details: { controller_job_id: 100, url: `${fake.url}/#/jobs/workflow/100/details` } });
    expect(result.outputTail).toBe('restart-step: successful (job 1000)');
    expect(fake.launches()[0]?.path).toBe('/api/v2/workflow_job_templates/9/launch/');
  });
});
