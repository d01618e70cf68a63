/**
 * @module What `run_job_template` and `run_workflow_template` share (rulebook-language.md §3.3,
 * wire-formats.md §4): validate the arguments, find the template, find a job an earlier run of
 * the same action already launched (crash safety) or launch one, poll it to a terminal status
 * under a bound, cancel it on abort, and describe the outcome.
 *
 * Crash safety: the controller has no launch idempotency. Each launch carries the request's
 * `dispatchKey` and the attempt number in `extra_vars` (`autoheal_dispatch_key`,
 * `autoheal_attempt`); before launching, the template's recent jobs are searched for that key.
 * extra_vars rather than a label because labels need `ask_labels_on_launch` plus a label object
 * created per key in the organization, while extra vars must be promptable anyway for the event
 * data (`ansible_eda`) to reach the playbook.
 */
import type { ActionContext, ActionHandler, ActionResult } from '../action-handler.js';
import { OutcomeStatus } from '../action-handler.js';
import { AutohealError, describeArg, systemClock, type Clock } from '../../core/index.js';
import type { ControllerConfig } from './controller-config.js';
import {
  ATTEMPT_VAR,
  ControllerClient,
  DISPATCH_KEY_VAR,
  TERMINAL_JOB_STATUSES,
  TemplateKind,
  type ControllerJob,
  type ControllerTemplate,
  type FetchLike,
} from './controller-client.js';
import { createNodeFetch } from './node-fetch.js';

/** Waits `ms`, or less when `signal` aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Side effects of the controller actions; production defaults when left out. */
export interface ControllerActionDeps {
  /** Default: the global `fetch`, or node:https when `ca_file` / `verify_ssl: false` are set. */
  readonly fetch?: FetchLike;
  /** Used for the crash-safety lookup window and `Retry-After` dates. Default: system clock. */
  readonly clock?: Clock;
  /** Default: a timer that ends early on abort. */
  readonly sleep?: Sleep;
}

/** The validated arguments of a controller action. */
export interface ControllerActionArgs {
  readonly name: string;
  readonly organization: string;
  /** `job_args` without `extra_vars` and `limit` (sent as given: `inventory`, `job_tags`, …). */
  readonly jobArgs: Readonly<Record<string, unknown>>;
  readonly extraVars: Readonly<Record<string, unknown>>;
  readonly limit: string | undefined;
  readonly includeEvents: boolean;
  readonly labels: readonly string[];
  readonly addEventUuidLabel: boolean;
}

/** Consecutive transient failures tolerated while polling (the job runs on regardless). */
const MAX_POLL_FAILURES = 5;
/** Bound on the cancel request sent after an abort (the dispatcher's grace period is short). */
const CANCEL_TIMEOUT_MS = 5_000;

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A timer that resolves at once when `signal` aborts. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Validates a controller action's rendered arguments.
 * @returns the arguments, or a message naming every problem
 */
export function parseControllerActionArgs(action: string, args: Readonly<Record<string, unknown>>): ControllerActionArgs | string {
  const problems: string[] = [];
  const text = (key: string): string => {
    const v = args[key];
    if (typeof v === 'string' && v !== '') return v;
    problems.push(`"${key}" is required and must be a non-empty string, found ${v === undefined ? 'nothing' : describeArg(v)}`);
    return '';
  };
  const name = text('name');
  const organization = text('organization');
  const flag = (key: string, fallback: boolean): boolean => {
    const v = args[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    problems.push(`"${key}" must be true or false, found ${describeArg(v)}`);
    return fallback;
  };
  const includeEvents = flag('include_events', true);
  const addEventUuidLabel = flag('add_event_uuid_label', false);
  let jobArgs: Record<string, unknown> = {};
  if (args.job_args !== undefined && args.job_args !== null) {
    if (isMapping(args.job_args)) jobArgs = { ...args.job_args };
    else problems.push(`"job_args" must be a mapping, found ${describeArg(args.job_args)}`);
  }
  let extraVars: Record<string, unknown> = {};
  const rawVars = jobArgs.extra_vars;
  if (rawVars !== undefined && rawVars !== null) {
    if (isMapping(rawVars)) extraVars = rawVars;
    else problems.push(`"job_args.extra_vars" must be a mapping, found ${describeArg(rawVars)}`);
  }
  for (const reserved of [DISPATCH_KEY_VAR, ATTEMPT_VAR]) {
    if (reserved in extraVars) problems.push(`"job_args.extra_vars.${reserved}" is reserved for autoheal's crash safety`);
  }
  let limit: string | undefined;
  const rawLimit = jobArgs.limit;
  if (rawLimit !== undefined && rawLimit !== null) {
    if (typeof rawLimit === 'string') limit = rawLimit;
    else if (Array.isArray(rawLimit) && rawLimit.every((h) => typeof h === 'string')) limit = rawLimit.join(',');
    else problems.push(`"job_args.limit" must be a string or a list of strings, found ${describeArg(rawLimit)}`);
  }
  delete jobArgs.extra_vars;
  delete jobArgs.limit;
  let labels: string[] = [];
  if (args.labels !== undefined && args.labels !== null) {
    if (Array.isArray(args.labels) && args.labels.every((l) => typeof l === 'string')) labels = args.labels as string[];
    else problems.push(`"labels" must be a list of strings, found ${describeArg(args.labels)}`);
  }
  if (problems.length > 0) return `invalid ${action} arguments: ${problems.join('; ')}`;
  return { name, organization, jobArgs, extraVars, limit, includeEvents, labels, addEventUuidLabel };
}

/** The launch body: user job_args, extra vars with `ansible_eda` and our tags, the host limit. */
export function buildLaunchPayload(
  args: ControllerActionArgs,
  template: Pick<ControllerTemplate, 'askLimitOnLaunch'>,
  context: Pick<ActionContext, 'request' | 'attempt'>,
): Record<string, unknown> {
  const { request } = context;
  const extraVars: Record<string, unknown> = { ...args.extraVars };
  if (args.includeEvents) {
    const keys = Object.keys(request.bindings);
    // Upstream: `event` for a single-condition match, `events` by binding otherwise.
    extraVars.ansible_eda =
      keys.length === 1 && keys[0] === 'm'
        ? { ruleset: request.ruleset, rule: request.rule, event: request.bindings.m }
        : { ruleset: request.ruleset, rule: request.rule, events: request.bindings };
  }
  extraVars[DISPATCH_KEY_VAR] = request.dispatchKey;
  extraVars[ATTEMPT_VAR] = context.attempt;
  const payload: Record<string, unknown> = { ...args.jobArgs, extra_vars: extraVars };
  if (args.limit !== undefined) payload.limit = args.limit;
  // The limit taken from the match's hosts is dropped when the template does not prompt for
  // it (as upstream does for workflows): sending it would only come back in `ignored_fields`.
  else if (request.hosts !== undefined && request.hosts.length > 0 && template.askLimitOnLaunch) payload.limit = request.hosts.join(',');
  return payload;
}

/** The part of a result that describes a job. */
function jobDetails(client: ControllerClient, job: ControllerJob, startedAt: number, now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    controller_job_id: job.id,
    url: client.uiUrl(job),
    status: job.status,
    elapsed: job.elapsed ?? (now - startedAt) / 1000,
    ...extra,
  };
}

function errorResult(err: unknown, what: string): ActionResult {
  if (err instanceof AutohealError) {
    const httpStatus = typeof err.details.httpStatus === 'number' ? err.details.httpStatus : undefined;
    const retryAfterMs = typeof err.details.retryAfterMs === 'number' ? err.details.retryAfterMs : undefined;
    return {
      status: OutcomeStatus.Failed,
      summary: `${what}: ${err.message}`,
      retryable: err.retryable,
      ...(httpStatus === undefined ? {} : { httpStatus }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      details: { code: err.code },
    };
  }
  return { status: OutcomeStatus.Failed, summary: `${what}: ${err instanceof Error ? err.message : String(err)}`, retryable: false };
}

/**
 * Builds the handler of one template kind. `safeToRepeat` is true: a repeated run finds the job
 * of the earlier one by its dispatch key instead of launching a second.
 */
export function createControllerTemplateAction(kind: TemplateKind, config: ControllerConfig, deps: ControllerActionDeps = {}): ActionHandler {
  // The global fetch cannot take a CA or skip verification without undici's Agent (not a dependency).
  const fetchImpl: FetchLike =
    deps.fetch ??
    (config.ca !== undefined || !config.verifySsl ? createNodeFetch({ ca: config.ca, rejectUnauthorized: config.verifySsl }) : (url, init) => fetch(url, init));
  const client = new ControllerClient(config, { fetch: fetchImpl, clock: deps.clock ?? systemClock });
  const sleep = deps.sleep ?? abortableSleep;
  const actionName = kind === TemplateKind.Job ? 'run_job_template' : 'run_workflow_template';
  const label = kind === TemplateKind.Job ? 'job template' : 'workflow template';

  async function cancelQuietly(ctx: ActionContext, job: ControllerJob): Promise<boolean> {
    try {
      await client.cancel(job, AbortSignal.timeout(CANCEL_TIMEOUT_MS));
      return true;
    } catch (err: unknown) {
      ctx.logger.warn({ action: actionName, dispatchKey: ctx.request.dispatchKey, controllerJobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'controller job could not be cancelled');
      return false;
    }
  }

  async function tail(ctx: ActionContext, job: ControllerJob): Promise<string | undefined> {
    try {
      return await client.stdoutTail(job, config.stdoutTailBytes, AbortSignal.any([ctx.signal, AbortSignal.timeout(config.requestTimeoutMs)]));
    } catch (err: unknown) {
      ctx.logger.warn({ action: actionName, dispatchKey: ctx.request.dispatchKey, controllerJobId: job.id, err: err instanceof Error ? err.message : String(err) }, 'controller job stdout could not be read');
      return undefined;
    }
  }

  async function run(ctx: ActionContext): Promise<ActionResult> {
    const { request, signal, clock, logger } = ctx;
    const startedAt = clock.now();
    const log = { action: actionName, ruleset: request.ruleset, rule: request.rule, dispatchKey: request.dispatchKey, attempt: ctx.attempt };
    const parsed = parseControllerActionArgs(actionName, request.args);
    if (typeof parsed === 'string') return { status: OutcomeStatus.Failed, summary: parsed, retryable: false };
    const args = parsed;
    const what = `${label} "${args.name}" (organization "${args.organization}")`;
    if (args.labels.length > 0 || args.addEventUuidLabel) logger.warn(log, 'controller labels are not sent: not supported yet');

    let job: ControllerJob;
    let adopted = false;
    try {
      const template = await client.findTemplate(kind, args.name, args.organization, signal);
      if (!template.askVariablesOnLaunch && !template.surveyEnabled) {
        return {
          status: OutcomeStatus.Failed,
          summary: `${what} does not prompt for variables on launch: enable "Prompt on launch" for Variables (autoheal passes the event data and its run id as extra vars)`,
          retryable: false,
          details: { template_id: template.id },
        };
      }
      const found = await client.findJobByDispatchKey(template, request.dispatchKey, signal);
      // A job of this action still running, or one that succeeded, or one of this very attempt
      // is adopted; a terminal unsuccessful job of an earlier attempt is what a retry replaces.
      if (
        found !== undefined &&
        (!TERMINAL_JOB_STATUSES.has(found.job.status) || found.job.status === 'successful' || found.attempt === undefined || found.attempt >= ctx.attempt)
      ) {
        job = found.job;
        adopted = true;
        logger.info({ ...log, controllerJobId: job.id, status: job.status }, 'controller job of an earlier run found; not launching again');
      } else {
        const launched = await client.launch(template, buildLaunchPayload(args, template, ctx), signal);
        job = launched.job;
        logger.info({ ...log, controllerJobId: job.id }, 'controller job launched');
        if (launched.ignoredFields.length > 0) {
          // The job would run without what was ignored (event data, host limit): stop it.
          const cancelled = await cancelQuietly(ctx, job);
          const fields = launched.ignoredFields.join(', ');
          return {
            status: OutcomeStatus.Failed,
            summary: `${what} ignored the launch fields ${fields} (enable "Prompt on launch" for them); job ${job.id} ${cancelled ? 'was cancelled' : 'could not be cancelled'}`,
            retryable: false,
            httpStatus: 201,
            details: jobDetails(client, job, startedAt, clock.now(), { ignored_fields: launched.ignoredFields }),
          };
        }
      }
    } catch (err: unknown) {
      if (signal.aborted) return { status: OutcomeStatus.Failed, summary: `${what}: stopped before a job was launched`, retryable: false };
      return errorResult(err, what);
    }

    const deadline = startedAt + config.timeoutMs;
    let failures = 0;
    let waitMs = config.pollIntervalMs;
    while (!TERMINAL_JOB_STATUSES.has(job.status)) {
      const remaining = deadline - clock.now();
      if (!signal.aborted && remaining > 0) await sleep(Math.min(waitMs, remaining), signal);
      if (signal.aborted) {
        const cancelled = await cancelQuietly(ctx, job);
        return {
          status: OutcomeStatus.Failed,
          summary: `${what}: stopped while job ${job.id} was ${job.status}; ${cancelled ? 'the job was cancelled' : 'the job could not be cancelled'}`,
          retryable: false,
          details: jobDetails(client, job, startedAt, clock.now(), { adopted }),
        };
      }
      if (clock.now() >= deadline) {
        const cancelled = await cancelQuietly(ctx, job);
        return {
          status: OutcomeStatus.TimedOut,
          summary: `${what}: job ${job.id} did not finish within ${Math.round(config.timeoutMs / 1000)} s; ${cancelled ? 'it was cancelled' : 'it could not be cancelled'}`,
          retryable: false,
          details: jobDetails(client, job, startedAt, clock.now(), { adopted }),
        };
      }
      try {
        job = await client.getJob(job.url, signal);
        failures = 0;
        waitMs = config.pollIntervalMs;
      } catch (err: unknown) {
        if (signal.aborted) continue;
        failures += 1;
        if (!(err instanceof AutohealError) || !err.retryable || failures >= MAX_POLL_FAILURES) {
          const result = errorResult(err, `${what}: polling job ${job.id}`);
          return { ...result, details: { ...result.details, ...jobDetails(client, job, startedAt, clock.now(), { adopted }) } };
        }
        const retryAfterMs = typeof err.details.retryAfterMs === 'number' ? err.details.retryAfterMs : 0;
        waitMs = Math.min(Math.max(config.pollIntervalMs, retryAfterMs), 10 * config.pollIntervalMs + 60_000);
        logger.warn({ ...log, controllerJobId: job.id, failures, err: err.message }, 'controller job poll failed; polling again');
      }
    }

    const outputTail = await tail(ctx, job);
    const details = jobDetails(client, job, startedAt, clock.now(), adopted ? { adopted } : {});
    const base = { details, ...(outputTail === undefined ? {} : { outputTail }) };
    if (job.status === 'successful') return { ...base, status: OutcomeStatus.Succeeded, summary: `${what}: job ${job.id} successful` };
    const explanation = job.jobExplanation === '' ? '' : ` (${job.jobExplanation})`;
    // Upstream retries only when the job's status is `failed` (hosts failed); `error` and
    // `canceled` are not something a relaunch fixes.
    return { ...base, status: OutcomeStatus.Failed, summary: `${what}: job ${job.id} ${job.status}${explanation}`, retryable: job.status === 'failed' };
  }

  return { name: actionName, safeToRepeat: true, run };
}
