/**
 * @module Runs the console actions of fired rules inline, in declaration order, one rule after
 * the other: `print_event`, `debug`, `none`, and the `shutdown` banner (upstream's output,
 * rulebook-language.md §3.5). The engine's own actions were already applied by the evaluator;
 * every other action (playbooks, jobs, notifications…) is dispatched durably by
 * src/actions/dispatch and never reaches this runner. A failing action is logged and the next
 * one runs, as upstream (§3.1).
 */
import type { Logger } from 'pino';
import { ENGINE_ACTIONS, type FiredRule, type PlannedAction } from '../rules/engine/index.js';
import { createConsoleActions, type ConsoleActions, type ConsoleActionsDeps } from './console-actions.js';

/** Actions this runner carries out. */
export const RUNNER_ACTIONS: ReadonlySet<string> = new Set(['print_event', 'debug', 'none']);

/** The console options (vars, rulebook, clock, width, uuids, inventory) make the default `console`. */
export interface ActionRunnerDeps extends ConsoleActionsDeps {
  readonly logger: Logger;
  /** Where print_event and debug write (one line per call, newline included). */
  readonly stdout: (text: string) => void;
  /**
   * The engine's console output, shared with the action workers so that a rule's output looks
   * the same wherever it runs. Default: one made from the console options.
   */
  readonly console?: ConsoleActions;
}

/** Runs every non-engine action of one fired rule, in order. Never rejects. */
export type RunFiredRule = (fired: FiredRule) => Promise<void>;

/** Builds the function that carries out a fired rule's actions. */
export function createActionRunner(deps: ActionRunnerDeps): RunFiredRule {
  const consoleActions = deps.console ?? createConsoleActions(deps);

  async function runOne(fired: FiredRule, action: PlannedAction, log: Logger): Promise<void> {
    if (action.args === undefined) {
      // Rendering failed (an undefined variable, a bad filter): upstream fails the action.
      log.error({ action: action.action, reason: action.error }, 'action failed');
      return;
    }
    switch (action.action) {
      case 'none':
        return;
      case 'print_event':
        deps.stdout(consoleActions.printEvent(fired, action.args));
        return;
      case 'debug':
        // Rendered there from the arguments as written, against masked variables.
        deps.stdout(consoleActions.debug(fired, action.spec.args));
        return;
      default:
        // Not a console action: the engine dispatches those rules durably instead.
        log.warn({ action: action.action }, 'action not run inline');
    }
  }

  // One child logger per rule, made once: pino serialises a child's bindings when it is created.
  const ruleLoggers = new Map<string, Logger>();
  const ruleLogger = (ruleset: string, rule: string): Logger => {
    const key = `${ruleset}\u0000${rule}`;
    let log = ruleLoggers.get(key);
    if (log === undefined) ruleLoggers.set(key, (log = deps.logger.child({ ruleset, rule })));
    return log;
  };

  return async (fired) => {
    const log = ruleLogger(fired.ruleset, fired.rule);
    log.info({ trigger: fired.trigger, actions: fired.actions.length }, 'rule fired');
    for (const action of fired.actions) {
      if (action.action === 'shutdown' && action.args !== undefined) {
        // The evaluator applied it; upstream prints its banner where it stands in the list.
        deps.stdout(consoleActions.shutdown(fired, action.args));
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

