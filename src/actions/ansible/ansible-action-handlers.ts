/**
 * @module `run_playbook` and `run_module` as dispatchable actions: upstream's arguments
 * (shared/spec/rulebook-language.md §3.3) mapped onto the argv-only runner. The host limit is
 * the match's `meta.hosts` (else the ruleset's hosts), the playbook gets `ansible_eda` with the
 * ruleset, rule and matched event(s), and the runner is aborted with the attempt's signal.
 * Not safe to repeat: a playbook's effect after an unknown end is unknown.
 */
import { OutcomeStatus, type ActionContext, type ActionHandler, type ActionResult } from '../action-handler.js';
import { runModule, runPlaybook } from './run-ansible.js';
import type { AnsibleRunResult } from './ansible-run-result.js';
import type { ModuleRequest, PlaybookRequest } from './ansible-run-options.js';

export interface AnsibleActionsConfig {
  /** Where playbooks are looked up (relative names resolve here). */
  readonly projectDir: string;
  /** `-i/--inventory`; without it, the host limit becomes an inline inventory. */
  readonly inventory?: string;
  /** Injected for tests; default the real runner. */
  readonly runPlaybook?: (request: PlaybookRequest) => Promise<AnsibleRunResult>;
  readonly runModule?: (request: ModuleRequest) => Promise<AnsibleRunResult>;
}

function common(ctx: ActionContext, config: AnsibleActionsConfig) {
  const { request } = ctx;
  const a = request.args;
  const bindings = request.bindings;
  const single = Object.keys(bindings).length === 1 && 'm' in bindings;
  return {
    projectDir: config.projectDir,
    ...(config.inventory !== undefined ? { inventory: config.inventory } : {}),
    // The ruleset's `hosts: all` is no limit at all.
    ...(request.hosts !== undefined && !(request.hosts.length === 1 && request.hosts[0] === 'all') ? { hosts: request.hosts } : {}),
    extraVars: (typeof a.extra_vars === 'object' && a.extra_vars !== null ? a.extra_vars : {}) as Record<string, unknown>,
    ansibleEda: { ruleset: request.ruleset, rule: request.rule, ...(single ? { event: bindings.m } : { events: bindings }) },
    ...(typeof a.verbosity === 'number' ? { verbosity: a.verbosity } : {}),
    ...(a.json_mode === true ? { jsonMode: true } : {}),
    signal: ctx.signal,
  };
}

function toResult(run: AnsibleRunResult, what: string): ActionResult {
  const status =
    run.status === 'succeeded' ? OutcomeStatus.Succeeded : run.status === 'timed_out' ? OutcomeStatus.TimedOut : OutcomeStatus.Failed;
  return {
    status,
    summary: run.status === 'succeeded' ? `${what} succeeded (rc 0)` : `${what} ${run.status}: rc ${run.rc ?? 'none'} (${run.rcMeaning})`,
    // A failed run may succeed on retry (upstream retries on status failed); a bad request not.
    retryable: run.status === 'failed' || run.status === 'timed_out',
    ...(run.rc !== null ? { rc: run.rc } : {}),
    outputTail: run.outputTail,
    details: { duration_ms: run.durationMs, ...(run.stats !== undefined ? { stats: run.stats } : {}), ...(run.signal !== null ? { signal: run.signal } : {}) },
    // Upstream feeds artifacts back only after a successful run (rc 0).
    ...(run.status === 'succeeded' && run.artifacts !== undefined ? { artifacts: run.artifacts.data } : {}),
  };
}

function failure(err: unknown): ActionResult {
  return { status: OutcomeStatus.Failed, summary: err instanceof Error ? err.message : String(err), retryable: false };
}

export function createRunPlaybookHandler(config: AnsibleActionsConfig): ActionHandler {
  const run = config.runPlaybook ?? ((r: PlaybookRequest) => runPlaybook(r));
  return {
    name: 'run_playbook',
    safeToRepeat: false,
    async run(ctx) {
      const name = ctx.request.args.name;
      if (typeof name !== 'string' || name === '') return failure(new Error('run_playbook needs "name": the playbook to run'));
      try {
        return toResult(await run({ ...common(ctx, config), playbook: name }), `playbook ${name}`);
      } catch (err) {
        return failure(err);
      }
    },
  };
}

export function createRunModuleHandler(config: AnsibleActionsConfig): ActionHandler {
  const run = config.runModule ?? ((r: ModuleRequest) => runModule(r));
  return {
    name: 'run_module',
    safeToRepeat: false,
    async run(ctx) {
      const { name, module_args: moduleArgs } = ctx.request.args;
      if (typeof name !== 'string' || name === '') return failure(new Error('run_module needs "name": the module to run'));
      const args = typeof moduleArgs === 'string' || (typeof moduleArgs === 'object' && moduleArgs !== null) ? { moduleArgs: moduleArgs as ModuleRequest['moduleArgs'] } : {};
      try {
        return toResult(await run({ ...common(ctx, config), module: name, ...args }), `module ${name}`);
      } catch (err) {
        return failure(err);
      }
    },
  };
}
