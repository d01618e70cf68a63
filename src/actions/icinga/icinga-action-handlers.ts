/**
 * @module The ActionHandlers of autoheal's Icinga 2 write-back actions. Each attempt is one
 * `POST /v1/actions/<name>` (shared/spec/wire-formats.md §3.6), planned from the rendered args
 * and the matched event, answered by interpretIcingaResponse.
 *
 * safeToRepeat: acknowledging and removing an acknowledgement are idempotent (a repeat answers
 * 409 "already acknowledged" or 200), so they may run again after a crash. Adding a comment or
 * scheduling a downtime creates a new object each time, so they are not. A downtime retry
 * (attempt > 1, after a lost answer) first looks for an unexpired downtime with the same author
 * and comment on the target and reports that instead of scheduling a second one.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { OutcomeStatus, type ActionContext, type ActionHandler, type ActionResult } from '../action-handler.js';
import type { IcingaActionsConfig } from './icinga-actions-config.js';
import { createIcingaTransport, type IcingaTransport } from './icinga-transport.js';
import { interpretIcingaResponse } from './interpret-icinga-response.js';
import { IcingaActionName, describeTarget, planIcingaAction, type IcingaActionPlan } from './plan-icinga-action.js';

export interface IcingaActionDeps {
  /** How requests reach Icinga. Default: createIcingaTransport(config). */
  readonly transport?: IcingaTransport;
}

const SAFE_TO_REPEAT: Readonly<Record<IcingaActionName, boolean>> = {
  [IcingaActionName.Acknowledge]: true,
  [IcingaActionName.RemoveAcknowledgement]: true,
  [IcingaActionName.Comment]: false,
  [IcingaActionName.Downtime]: false,
};

/** The four handlers (`icinga_acknowledge`, `icinga_remove_acknowledgement`, `icinga_downtime`, `icinga_comment`), sharing one transport. */
export function createIcingaActionHandlers(config: IcingaActionsConfig, deps: IcingaActionDeps = {}): readonly ActionHandler[] {
  const transport = deps.transport ?? createIcingaTransport(config);
  return Object.values(IcingaActionName).map((name) => createIcingaActionHandler(name, config, transport));
}

/** One handler. `transport` is shared by all handlers of one config. */
export function createIcingaActionHandler(action: IcingaActionName, config: IcingaActionsConfig, transport: IcingaTransport): ActionHandler {
  return {
    name: action,
    safeToRepeat: SAFE_TO_REPEAT[action],
    run: (context) => runIcingaAction(action, config, transport, context),
  };
}

async function runIcingaAction(action: IcingaActionName, config: IcingaActionsConfig, transport: IcingaTransport, ctx: ActionContext): Promise<ActionResult> {
  const { request, logger } = ctx;
  const logFields = { action, ruleset: request.ruleset, rule: request.rule, dispatchKey: request.dispatchKey, attempt: ctx.attempt };
  const planned = planIcingaAction(action, request, ctx.clock.now());
  if (!planned.ok) {
    logger.warn({ ...logFields, reason: planned.message }, 'icinga action arguments unusable');
    return { status: OutcomeStatus.Failed, summary: planned.message, retryable: false, details: { code: ErrorCode.IcingaActionArgsInvalid } };
  }
  const { plan } = planned;
  const fields = { ...logFields, target: describeTarget(plan.target) };
  let result: ActionResult;
  try {
    const existing = action === IcingaActionName.Downtime && ctx.attempt > 1 ? await findScheduledDowntime(plan, transport, ctx) : undefined;
    if (existing !== undefined) {
      result = existing;
    } else {
      const response = await transport({ method: 'POST', path: plan.path, body: plan.body, signal: ctx.signal });
      result = interpretIcingaResponse(plan, response, config.user, ctx.clock.now());
    }
  } catch (err: unknown) {
    result = transportFailure(plan, err, ctx.signal);
  }
  if (result.status === OutcomeStatus.Succeeded) {
    logger.info({ ...fields, httpStatus: result.httpStatus }, 'icinga action succeeded');
  } else {
    logger.warn({ ...fields, httpStatus: result.httpStatus, retryable: result.retryable, reason: result.summary }, 'icinga action failed');
  }
  return result;
}

function transportFailure(plan: IcingaActionPlan, err: unknown, signal: AbortSignal): ActionResult {
  const target = describeTarget(plan.target);
  if (signal.aborted) {
    return { status: OutcomeStatus.Failed, summary: `${plan.action} for ${target} aborted before Icinga answered`, retryable: true, details: { target: plan.target } };
  }
  if (err instanceof AutohealError) {
    return { status: OutcomeStatus.Failed, summary: err.message, retryable: err.retryable, details: { code: err.code, target: plan.target } };
  }
  const text = err instanceof Error ? err.message : String(err);
  return {
    status: OutcomeStatus.Failed,
    summary: `Icinga connection failed during ${plan.action} for ${target}: ${text}`,
    retryable: true,
    details: { code: ErrorCode.IcingaUnavailable, target: plan.target },
  };
}

/**
 * On a retry, the downtime the lost attempt may have scheduled: an unexpired downtime on the
 * target with the same author and comment. Undefined when there is none or the look-up is not
 * permitted (`objects/query/Downtime` missing: schedule as usual).
 */
async function findScheduledDowntime(plan: IcingaActionPlan, transport: IcingaTransport, ctx: ActionContext): Promise<ActionResult | undefined> {
  const { host, service } = plan.target;
  const response = await transport({
    method: 'POST',
    path: '/v1/objects/downtimes',
    // A JSON body with a GET needs the override header (§3.6).
    headers: { 'X-HTTP-Method-Override': 'GET' },
    body: {
      filter: 'downtime.host_name==h && downtime.service_name==s && downtime.author==a && downtime.comment==c && downtime.end_time > t',
      filter_vars: { h: host, s: service ?? '', a: plan.body.author, c: plan.body.comment, t: ctx.clock.now() / 1000 },
      attrs: ['name', 'start_time', 'end_time'],
    },
    signal: ctx.signal,
  });
  if (response.status !== 200) return undefined;
  let names: string[] = [];
  try {
    const parsed = JSON.parse(response.body) as { results?: unknown };
    if (Array.isArray(parsed.results)) {
      names = parsed.results.map((r: unknown) => (typeof r === 'object' && r !== null ? (r as { name?: unknown }).name : undefined)).filter((n): n is string => typeof n === 'string');
    }
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  return {
    status: OutcomeStatus.Succeeded,
    summary: `a downtime for ${describeTarget(plan.target)} with this comment is already scheduled`,
    httpStatus: response.status,
    details: { target: plan.target, existing: names, alreadyScheduled: true },
  };
}
