/**
 * @module Runs the actions of fired rules, in declaration order, one rule after the other. The
 * engine's own actions (set_fact, retract_fact, post_event, shutdown) were already applied by
 * the evaluator and are skipped here. An action that fails is logged and the next one runs, as
 * upstream (rulebook-language.md §3.1): a failed remediation must not stop the engine.
 *
 * `print_event`, `debug` and `shutdown` print upstream's banners on stdout (§3.5), through the
 * console actions.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../core/index.js';
import { debugOutput, printEventOutput, shutdownOutput } from '../actions/console/index.js';
import {
  AnsibleRunStatus,
  runModule as defaultRunModule,
  runPlaybook as defaultRunPlaybook,
  type AnsibleEdaVars,
  type AnsibleRunResult,
  type ModuleRequest,
  type PlaybookRequest,
} from '../actions/ansible/index.js';
import { ENGINE_ACTIONS, isSingleEventMatch, templateContext, type FiredRule, type PlannedAction } from '../rules/engine/index.js';
import type { Rulebook } from '../rules/rulebook/index.js';

/** Actions this runner carries out; any other non-engine action is logged as not implemented. */
export const RUNNER_ACTIONS: ReadonlySet<string> = new Set(['print_event', 'debug', 'none', 'run_playbook', 'run_module']);

export interface ActionRunnerDeps {
  readonly logger: Logger;
  /** Where print_event and debug write (one line per call, newline included). */
  readonly stdout: (text: string) => void;
  /** `--vars`/`--env-vars` values, for print_event and debug. */
  readonly vars: Readonly<Record<string, unknown>>;
  /** For the ruleset hosts and the rule/ruleset uuids that debug's dump shows. */
  readonly rulebook: Rulebook;
  /** Banner timestamps. Default the system clock. */
  readonly clock?: Clock;
  /** Banner width in columns. Default 80 (upstream pads to the terminal width or 80). */
  readonly width?: number;
  /** Rule and ruleset uuids (upstream gives each one at load). Default `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** Directory playbooks and a relative inventory are resolved against. */
  readonly projectDir: string;
  readonly inventory?: string;
  /** Aborts running playbooks when the engine closes. */
  readonly signal: AbortSignal;
  readonly runPlaybook?: (request: PlaybookRequest) => Promise<AnsibleRunResult>;
  readonly runModule?: (request: ModuleRequest) => Promise<AnsibleRunResult>;
}

/** Runs every non-engine action of one fired rule, in order. Never rejects. */
export type RunFiredRule = (fired: FiredRule) => Promise<void>;

/** Builds the function that carries out a fired rule's actions. */
export function createActionRunner(deps: ActionRunnerDeps): RunFiredRule {
  const runPlaybook = deps.runPlaybook ?? ((r: PlaybookRequest) => defaultRunPlaybook(r));
  const runModule = deps.runModule ?? ((r: ModuleRequest) => defaultRunModule(r));
  const banner = { clock: deps.clock ?? systemClock, ...(deps.width !== undefined ? { width: deps.width } : {}) };
  const newId = deps.newId ?? randomUUID;
  const uuids = new Map<string, string>();
  const uuidOf = (key: string): string => {
    let id = uuids.get(key);
    if (id === undefined) uuids.set(key, (id = newId()));
    return id;
  };
  const rulesetHosts = (name: string): string[] => {
    const hosts = deps.rulebook.rulesets.find((rs) => rs.name === name)?.hosts;
    return hosts === undefined ? [] : [hosts];
  };

  async function runOne(fired: FiredRule, action: PlannedAction, log: Logger): Promise<void> {
    if (action.args === undefined) {
      // Rendering failed (an undefined variable, a bad filter): upstream fails the action.
      log.error({ action: action.action, reason: action.error }, 'action failed');
      return;
    }
    const args = action.args;
    switch (action.action) {
      case 'none':
        return;
      case 'print_event':
        deps.stdout(printEventOutput(fired, args, { ...banner, vars: deps.vars }));
        return;
      case 'debug': {
        // debugOutput renders the arguments as written itself, against masked variables.
        const context = {
          vars: deps.vars,
          ruleUuid: uuidOf(`${fired.ruleset}\u0000${fired.rule}`),
          rulesetUuid: uuidOf(fired.ruleset),
          hosts: rulesetHosts(fired.ruleset),
          ...(deps.inventory !== undefined ? { inventory: deps.inventory } : {}),
        };
        deps.stdout(debugOutput(fired, action.spec.args, context, banner));
        return;
      }
      case 'run_playbook':
      case 'run_module': {
        await runAnsibleAction(fired, action.action, args, action.hosts, log);
        return;
      }
      default:
        log.warn({ action: action.action }, 'action not implemented yet');
    }
  }

  async function runAnsibleAction(
    fired: FiredRule,
    kind: 'run_playbook' | 'run_module',
    args: Readonly<Record<string, unknown>>,
    hosts: readonly string[] | undefined,
    log: Logger,
  ): Promise<void> {
    const context = templateContext(fired, {}, args.var_root);
    const ansibleEda: AnsibleEdaVars = isSingleEventMatch(fired)
      ? { ruleset: fired.ruleset, rule: fired.rule, event: context.event }
      : { ruleset: fired.ruleset, rule: fired.rule, events: context.events as Record<string, unknown> };
    const extraVars = isRecord(args.extra_vars) ? args.extra_vars : {};
    const verbosity = typeof args.verbosity === 'number' ? args.verbosity : 0;
    const common = {
      projectDir: deps.projectDir,
      ...(deps.inventory !== undefined ? { inventory: deps.inventory } : {}),
      ...(hosts !== undefined ? { hosts } : {}),
      extraVars,
      ansibleEda,
      verbosity,
      ...(typeof args.json_mode === 'boolean' ? { jsonMode: args.json_mode } : {}),
      signal: deps.signal,
    };
    const name = String(args.name);
    log.info({ action: kind, target: name, hosts }, 'action started');
    try {
      const result =
        kind === 'run_playbook'
          ? await runPlaybook({ ...common, playbook: name })
          : await runModule({ ...common, module: name, ...(isRecord(args.module_args) || typeof args.module_args === 'string' ? { moduleArgs: args.module_args } : {}) });
      const fields = { action: kind, target: name, status: result.status, rc: result.rc, durationMs: result.durationMs };
      if (result.status === AnsibleRunStatus.Succeeded) log.info(fields, 'action finished');
      else log.error({ ...fields, rcMeaning: result.rcMeaning, outputTail: result.outputTail }, 'action failed');
    } catch (err) {
      log.error({ action: kind, target: name, err }, 'action failed');
    }
  }

  return async (fired) => {
    const log = deps.logger.child({ ruleset: fired.ruleset, rule: fired.rule });
    log.info({ trigger: fired.trigger, actions: fired.actions.length }, 'rule fired');
    for (const action of fired.actions) {
      if (action.action === 'shutdown' && action.args !== undefined) {
        // The evaluator applied it; upstream prints its banner where it stands in the list.
        const { delay, message, kind } = action.args;
        deps.stdout(shutdownOutput({ ruleset: fired.ruleset, rule: fired.rule, ...(typeof delay === 'number' ? { delay } : {}), message, kind }, banner));
        continue;
      }
      if (ENGINE_ACTIONS.has(action.action)) continue;
      try {
        await runOne(fired, action, log);
      } catch (err) {
        log.error({ action: action.action, err }, 'action failed');
      }
    }
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
