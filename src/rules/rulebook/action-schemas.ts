/**
 * @module The registry of actions a rule may call, with one argument schema each (upstream's
 * actions: shared/spec/rulebook-language.md §3.3). The loader dispatches on the single action
 * key by hand (with "did you mean"), then validates that action's arguments here.
 */
import type { SchemaObject } from 'ajv';
import { compileArgsSchema, type ArgsValidator } from './validate-args.js';

/** Where an action comes from: upstream compatibility or autoheal's own superset. */
export const ActionOrigin = { AnsibleRulebook: 'ansible-rulebook', Autoheal: 'autoheal' } as const;
export type ActionOrigin = (typeof ActionOrigin)[keyof typeof ActionOrigin];

export interface ActionDefinition {
  readonly name: string;
  readonly origin: ActionOrigin;
  /** JSON Schema of the argument object (`null` args are validated as `{}`). */
  readonly schema: SchemaObject;
  /** Pairs of arguments that may not be given together (`debug`: `msg` / `var`). */
  readonly exclusive?: readonly (readonly [string, string])[];
}

const STRING = { type: 'string' } as const;
const BOOLEAN = { type: 'boolean' } as const;
const OBJECT = { type: 'object' } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
/** `var_root`: a dotted path (`a.b`) or, for multi-event matches, `{path: newname}`. */
const VAR_ROOT = { type: ['string', 'object'], additionalProperties: { type: 'string' } } as const;

/**
 * Parameters shared by the job actions. `delay` is seconds between retries: a number for
 * playbooks and modules, an integer for controller templates (as upstream's schema).
 */
function jobCommon(delayType: 'number' | 'integer'): Record<string, unknown> {
  return {
    retry: BOOLEAN,
    retries: COUNT,
    delay: { type: delayType, minimum: 0 },
    set_facts: BOOLEAN,
    post_events: BOOLEAN,
    ruleset: STRING,
    var_root: VAR_ROOT,
    lock: STRING,
  };
}

function argsSchema(properties: Record<string, unknown>, required: readonly string[] = []): SchemaObject {
  return { type: 'object', properties, required: [...required], additionalProperties: false };
}

const controllerTemplate = argsSchema(
  {
    name: STRING,
    organization: STRING,
    job_args: OBJECT,
    include_events: BOOLEAN,
    labels: { type: 'array', items: STRING },
    add_event_uuid_label: BOOLEAN,
    ...jobCommon('integer'),
  },
  ['name', 'organization'],
);

const UPSTREAM_ACTIONS: readonly ActionDefinition[] = (
  [
    {
      name: 'run_playbook',
      schema: argsSchema(
        {
          name: STRING,
          extra_vars: OBJECT,
          verbosity: COUNT,
          json_mode: BOOLEAN,
          copy_files: BOOLEAN,
          ...jobCommon('number'),
        },
        ['name'],
      ),
    },
    {
      name: 'run_module',
      schema: argsSchema(
        {
          name: STRING,
          module_args: { type: ['object', 'string'] },
          extra_vars: OBJECT,
          verbosity: COUNT,
          json_mode: BOOLEAN,
          copy_files: BOOLEAN,
          ...jobCommon('number'),
        },
        ['name'],
      ),
    },
    { name: 'run_job_template', schema: controllerTemplate },
    { name: 'run_workflow_template', schema: controllerTemplate },
    { name: 'post_event', schema: argsSchema({ event: OBJECT, ruleset: STRING }, ['event']) },
    { name: 'set_fact', schema: argsSchema({ fact: OBJECT, ruleset: STRING }, ['fact']) },
    { name: 'retract_fact', schema: argsSchema({ fact: OBJECT, ruleset: STRING, partial: BOOLEAN }, ['fact']) },
    { name: 'print_event', schema: argsSchema({ pretty: BOOLEAN, var_root: VAR_ROOT }) },
    {
      name: 'debug',
      // Neither `msg` nor `var` is fine: upstream then prints the whole context.
      schema: argsSchema({ msg: { type: ['string', 'array'] }, var: STRING }),
      exclusive: [['msg', 'var'] as const],
    },
    { name: 'none', schema: argsSchema({}) },
    {
      name: 'shutdown',
      schema: argsSchema({ delay: { type: 'number', minimum: 0 }, message: STRING, kind: { enum: ['graceful', 'now'] } }),
    },
  ] satisfies readonly Omit<ActionDefinition, 'origin'>[]
).map((definition) => ({ ...definition, origin: ActionOrigin.AnsibleRulebook }));

/**
 * autoheal's own actions (notify, gitlab_comment, icinga_acknowledge, …) register here, with
 * `origin: ActionOrigin.Autoheal`. Nothing else in the loader needs to change when one is added.
 */
/** Seconds (durations, unix times) for the Icinga actions: > 0. */
const SECONDS = { type: 'number', exclusiveMinimum: 0 } as const;
/** Target overrides (default: the matched event's `icinga.host`/`icinga.service`) and the author. */
const ICINGA_TARGET = { host: STRING, service: STRING, author: STRING } as const;
/** `expiry` is Icinga's absolute unix time, `expire_in` seconds from now (src/actions/icinga/). */
const ICINGA_EXPIRY = { expiry: SECONDS, expire_in: SECONDS } as const;

/** The Icinga 2 write-back actions (src/actions/icinga/, wire-formats.md §3.6). */
const ICINGA_ACTIONS: readonly ActionDefinition[] = (
  [
    {
      name: 'icinga_acknowledge',
      schema: argsSchema({ ...ICINGA_TARGET, comment: STRING, sticky: BOOLEAN, notify: BOOLEAN, persistent: BOOLEAN, ...ICINGA_EXPIRY }, ['comment']),
      exclusive: [['expiry', 'expire_in'] as const],
    },
    { name: 'icinga_remove_acknowledgement', schema: argsSchema({ ...ICINGA_TARGET }) },
    {
      name: 'icinga_downtime',
      schema: argsSchema(
        { ...ICINGA_TARGET, comment: STRING, duration: SECONDS, start_time: SECONDS, end_time: SECONDS, fixed: BOOLEAN, all_services: BOOLEAN },
        ['comment'],
      ),
    },
    {
      name: 'icinga_comment',
      schema: argsSchema({ ...ICINGA_TARGET, comment: STRING, ...ICINGA_EXPIRY }, ['comment']),
      exclusive: [['expiry', 'expire_in'] as const],
    },
  ] satisfies readonly Omit<ActionDefinition, 'origin'>[]
).map((definition) => ({ ...definition, origin: ActionOrigin.Autoheal }));

/** A GitLab issue: a project id or `group/project` path and an issue iid; default: the matched GitLab event's. */
const GITLAB_ISSUE = { project: { type: ['integer', 'string'] }, issue: { type: 'integer', minimum: 1 } } as const;
/** Label names: a list, or one comma-separated string. */
const GITLAB_LABELS = { type: ['array', 'string'], items: STRING } as const;

/** Notifications and GitLab write-back (src/actions/notify/, src/actions/gitlab/, wire-formats.md §6, §2.6). */
const NOTIFY_GITLAB_ACTIONS: readonly ActionDefinition[] = (
  [
    {
      // Endpoints and secrets live in the engine config's `notifiers`; a rule only names one.
      name: 'notify',
      schema: argsSchema(
        { target: STRING, message: STRING, title: STRING, topic: STRING, stream: { type: ['string', 'integer'] } },
        ['target', 'message'],
      ),
    },
    { name: 'gitlab_comment', schema: argsSchema({ body: STRING, ...GITLAB_ISSUE }, ['body']) },
    { name: 'gitlab_label', schema: argsSchema({ add: GITLAB_LABELS, remove: GITLAB_LABELS, ...GITLAB_ISSUE }) },
    { name: 'gitlab_close', schema: argsSchema({ comment: STRING, ...GITLAB_ISSUE }) },
  ] satisfies readonly Omit<ActionDefinition, 'origin'>[]
).map((definition) => ({ ...definition, origin: ActionOrigin.Autoheal }));

const AUTOHEAL_ACTIONS: readonly ActionDefinition[] = [...ICINGA_ACTIONS, ...NOTIFY_GITLAB_ACTIONS];

/** Every known action, by name. */
/** Actions the engine applies itself or prints: no dispatch policy (retries, locks…) applies. */
const LOCAL_ACTIONS: ReadonlySet<string> = new Set(['post_event', 'set_fact', 'retract_fact', 'print_event', 'debug', 'none', 'shutdown']);

const DURATION = { type: ['number', 'string'] } as const;
const ACTION_LIST = { type: 'array', items: { type: 'object', minProperties: 1, maxProperties: 1 } } as const;

/**
 * How autoheal runs a dispatched action (src/actions/dispatch/dispatch-policy.ts): attempts and
 * backoff, timeout, per-target lock, circuit breaker and follow-up actions. Durations are
 * seconds or text such as "5 minutes".
 */
const DISPATCH_PARAMS: Record<string, unknown> = {
  retry: BOOLEAN,
  retries: COUNT,
  delay: DURATION,
  retry_backoff: { enum: ['fixed', 'exponential'] },
  max_retry_delay: DURATION,
  timeout: DURATION,
  lock: { type: ['string', 'boolean'] },
  lock_mode: { enum: ['wait', 'skip'] },
  lock_wait: DURATION,
  on_failure: ACTION_LIST,
  circuit_breaker: {
    type: 'object',
    properties: { max_runs: COUNT, window: DURATION, key: STRING, on_open: ACTION_LIST },
    required: ['max_runs'],
    additionalProperties: false,
  },
};

/** Adds the dispatch parameters to every action that is dispatched (not applied or printed locally). */
function withDispatchParams(definition: ActionDefinition): ActionDefinition {
  if (LOCAL_ACTIONS.has(definition.name)) return definition;
  // The action's own arguments first (they read best in "expected one of …"), then ours;
  // upstream's `delay` and `lock` are widened to autoheal's (durations, `lock: false`).
  const properties: Record<string, unknown> = { ...(definition.schema.properties as Record<string, unknown> | undefined) };
  for (const [key, schema] of Object.entries(DISPATCH_PARAMS)) {
    if (!(key in properties) || key === 'delay' || key === 'lock') properties[key] = schema;
  }
  return { ...definition, schema: { ...definition.schema, properties } };
}

export const ACTION_DEFINITIONS: ReadonlyMap<string, ActionDefinition> = new Map(
  [...UPSTREAM_ACTIONS, ...AUTOHEAL_ACTIONS].map(withDispatchParams).map((definition) => [definition.name, definition]),
);

/** Names of every action a rule may call, upstream's first, in documentation order. */
export const ACTION_NAMES: readonly string[] = [...ACTION_DEFINITIONS.keys()];

/**
 * Actions upstream once had and removed: named in a precise error instead of "unknown action".
 * The value completes the sentence "action X …".
 */
export const REMOVED_ACTIONS: ReadonlyMap<string, string> = new Map([
  [
    'pg_notify',
    'was removed from ansible-rulebook after v1.3.0 and is not supported; use post_event, or a run_playbook that sends the notification',
  ],
]);

// Compiled once, when this module loads: strict mode then rejects a broken schema at start-up.
const VALIDATORS: ReadonlyMap<string, ArgsValidator> = new Map(
  [...ACTION_DEFINITIONS.values()].map((d) => [d.name, compileArgsSchema(d.schema, d.exclusive)]),
);

/** The compiled argument validator of a known action; undefined for an unknown name. */
export function actionArgsValidator(name: string): ArgsValidator | undefined {
  return VALIDATORS.get(name);
}
