/**
 * @module From a match to the actions it runs: the template context upstream gives action
 * arguments (vars at top level plus `event` or `events`), `var_root`, and the host limit taken
 * from the matched events' `meta.hosts` (shared/spec/rulebook-language.md §3.1–3.2).
 */
import { renderArguments } from '../template/index.js';
import type { ActionSpec, Rule, Ruleset } from '../rulebook/index.js';
import { MISSING, readPath } from './field-path.js';
import { isSingleEventMatch, type RuleMatch } from './match.js';

/** One action a match would run, with its arguments rendered. */
export interface PlannedAction {
  readonly action: string;
  /** Rendered arguments; absent when rendering failed (see `error`). */
  readonly args?: Readonly<Record<string, unknown>>;
  /** Why the arguments could not be rendered (the action then fails, as upstream). */
  readonly error?: string;
  /**
   * Hosts a playbook/module/job would be limited to: the union of the matched events'
   * `meta.hosts`, else the ruleset's `hosts`. Only for actions that target hosts.
   */
  readonly hosts?: readonly string[];
  readonly spec: ActionSpec;
}

/** Actions whose `var_root` replaces the event in the template context. */
const VAR_ROOT_ACTIONS = new Set(['run_playbook', 'run_module', 'run_job_template', 'run_workflow_template', 'print_event']);
const CONTROLLER_ACTIONS = new Set(['run_job_template', 'run_workflow_template']);
/** Actions that run against hosts and so get a host limit. */
const HOST_ACTIONS = new Set(['run_playbook', 'run_module', 'run_job_template', 'run_workflow_template']);

/** The variables a match's action templates see. */
export function templateContext(
  match: Pick<RuleMatch, 'bindings'>,
  vars: Readonly<Record<string, unknown>>,
  varRoot?: unknown,
): Record<string, unknown> {
  const context: Record<string, unknown> = { ...vars };
  if (isSingleEventMatch(match)) {
    let event: unknown = match.bindings.m;
    // A string names one path; a mapping's paths are tried in order and the first hit wins.
    const paths = typeof varRoot === 'string' ? [varRoot] : isMapping(varRoot) ? Object.keys(varRoot) : [];
    for (const path of paths) {
      const value = readPath(event, path.split('.'));
      if (value !== MISSING && isTruthy(value)) {
        event = value;
        break;
      }
    }
    context.event = event;
  } else {
    context.events = applyVarRootMap(match.bindings, varRoot);
  }
  return context;
}

/** Renders every action of `rule` for `match`, in order. Never throws: failures are recorded. */
export function planActions(
  match: RuleMatch,
  rule: Rule,
  ruleset: Ruleset,
  vars: Readonly<Record<string, unknown>>,
): PlannedAction[] {
  return rule.actions.map((spec): PlannedAction => {
    const varRoot = VAR_ROOT_ACTIONS.has(spec.name) ? spec.args.var_root : undefined;
    const hosts = HOST_ACTIONS.has(spec.name) ? hostLimit(match, ruleset) : undefined;
    const base = hosts === undefined ? { action: spec.name, spec } : { action: spec.name, spec, hosts };
    try {
      const { deferred, now } = splitDeferred(spec.args);
      const rendered = renderArguments(now, templateContext(match, vars, varRoot)) as Record<string, unknown>;
      const { __on_open: onOpen, ...later } = deferred;
      if (onOpen !== undefined && typeof rendered.circuit_breaker === 'object' && rendered.circuit_breaker !== null) {
        rendered.circuit_breaker = { ...(rendered.circuit_breaker as Record<string, unknown>), on_open: onOpen };
      }
      const args = { ...rendered, ...later };
      // Controller actions: an explicit job_args.limit is the host limit (upstream sends it
      // instead of meta.hosts), so the dry-run, locks and history name the real target.
      const limit = (args.job_args as { limit?: unknown } | undefined)?.limit;
      if (CONTROLLER_ACTIONS.has(spec.name) && typeof limit === 'string' && limit.trim() !== '') {
        return { ...base, hosts: limit.split(',').map((h) => h.trim()).filter((h) => h !== ''), args };
      }
      return { ...base, args };
    } catch (err) {
      return { ...base, error: err instanceof Error ? err.message : String(err) };
    }
  });
}

/**
 * Follow-up actions (`on_failure`, a circuit breaker's `on_open`) are rendered when they run,
 * with the outcome of the action in their context, so they stay as written here.
 */
function splitDeferred(args: Readonly<Record<string, unknown>>): { deferred: Record<string, unknown>; now: Record<string, unknown> } {
  const { on_failure: onFailure, circuit_breaker: breaker, ...rest0 } = args;
  const now: Record<string, unknown> = { ...rest0 };
  const deferred: Record<string, unknown> = {};
  if (onFailure !== undefined) deferred.on_failure = onFailure;
  if (breaker !== undefined && breaker !== null && typeof breaker === 'object' && !Array.isArray(breaker)) {
    const { on_open: onOpen, ...rest } = breaker as Record<string, unknown>;
    // max_runs, window and key render now with the other arguments.
    now.circuit_breaker = rest;
    if (onOpen !== undefined) deferred.__on_open = onOpen;
  } else if (breaker !== undefined) {
    now.circuit_breaker = breaker;
  }
  return { deferred, now };
}

/** Union of the matched objects' `meta.hosts` (a string counts as one host), else the ruleset's hosts. */
export function hostLimit(match: Pick<RuleMatch, 'bindings'>, ruleset: Pick<Ruleset, 'hosts'>): string[] {
  const hosts: string[] = [];
  for (const data of Object.values(match.bindings)) {
    const value = readPath(data, ['meta', 'hosts']);
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
    for (const host of list) if (typeof host === 'string' && !hosts.includes(host)) hosts.push(host);
  }
  return hosts.length > 0 ? hosts : [ruleset.hosts];
}

/**
 * Upstream's `var_root` mapping for multi-event matches: each dotted path is looked up inside
 * every matched event in order, and the first truthy value becomes `events[newName]`; the
 * original bindings stay (example 27).
 */
function applyVarRootMap(bindings: RuleMatch['bindings'], varRoot: unknown): Record<string, unknown> {
  const events: Record<string, unknown> = { ...bindings };
  if (!isMapping(varRoot)) return events;
  for (const [path, newName] of Object.entries(varRoot)) {
    if (typeof newName !== 'string') continue;
    const segments = path.split('.');
    for (const data of Object.values(bindings)) {
      const value = readPath(data, segments);
      if (value !== MISSING && isTruthy(value)) {
        events[newName] = value;
        break;
      }
    }
  }
  return events;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python truthiness, which upstream's `if value:` uses for var_root. */
function isTruthy(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '' || value === 0n) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}
