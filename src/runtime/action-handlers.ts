/**
 * @module The actions `autoheal run` can dispatch, built once at start from the engine config,
 * and the bridge from the dispatcher's outcome reports to the history store.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/index.js';
import { OutcomeStatus, type ActionHandler, type ActionRequest, type ActionResult } from '../actions/action-handler.js';
import { createRunModuleHandler, createRunPlaybookHandler, type ModuleRequest, type PlaybookRequest, type AnsibleRunResult } from '../actions/ansible/index.js';
import { createRunJobTemplate, createRunWorkflowTemplate } from '../actions/controller/index.js';
import type { OutcomeSink } from '../actions/dispatch/index.js';
import { createGitlabHandlers } from '../actions/gitlab/index.js';
import { createIcingaActionHandlers } from '../actions/icinga/index.js';
import { createNotifyHandler } from '../actions/notify/index.js';
import { newActionFromRequest, type OutcomeStore } from '../outcomes/index.js';
import type { ConsoleActions } from './console-actions.js';
import type { EngineConfig } from './engine-config.js';

/** Actions the engine runs itself, in order, right after evaluating (upstream's console output). */
export const INLINE_ACTIONS: ReadonlySet<string> = new Set(['print_event', 'debug', 'none', 'set_fact', 'retract_fact', 'post_event', 'shutdown']);

export interface HandlerDeps {
  readonly config: EngineConfig;
  readonly projectDir: string;
  readonly inventory?: string;
  readonly stdout: (text: string) => void;
  /** The engine's console actions, shared with the inline runner. */
  readonly console: ConsoleActions;
  readonly clock: Clock;
  readonly runPlaybook?: (request: PlaybookRequest) => Promise<AnsibleRunResult>;
  readonly runModule?: (request: ModuleRequest) => Promise<AnsibleRunResult>;
}

/** Every action handler the configuration allows, by action name. */
export function createActionHandlers(deps: HandlerDeps): Map<string, ActionHandler> {
  const handlers: ActionHandler[] = [
    ...consoleHandlers(deps),
    createRunPlaybookHandler({ projectDir: deps.projectDir, ...(deps.inventory !== undefined ? { inventory: deps.inventory } : {}), ...(deps.runPlaybook ? { runPlaybook: deps.runPlaybook } : {}) }),
    createRunModuleHandler({ projectDir: deps.projectDir, ...(deps.inventory !== undefined ? { inventory: deps.inventory } : {}), ...(deps.runModule ? { runModule: deps.runModule } : {}) }),
    createNotifyHandler(deps.config.notifiers),
  ];
  if (deps.config.controller !== undefined) handlers.push(createRunJobTemplate(deps.config.controller), createRunWorkflowTemplate(deps.config.controller));
  if (deps.config.gitlab !== undefined) handlers.push(...createGitlabHandlers(deps.config.gitlab));
  if (deps.config.icinga !== undefined) handlers.push(...createIcingaActionHandlers(deps.config.icinga));
  return new Map(handlers.map((h) => [h.name, h]));
}

/**
 * print_event, debug and none as dispatchable actions, for rules that mix them with
 * remediations (the whole rule then runs as one ordered chain on a worker). Their text comes
 * from the engine's console actions, as when a console-only rule runs them inline.
 */
function consoleHandlers(deps: HandlerDeps): ActionHandler[] {
  const ok = (summary: string): ActionResult => ({ status: OutcomeStatus.Succeeded, summary });
  const match = (request: ActionRequest) => ({ ruleset: request.ruleset, rule: request.rule, bindings: request.bindings, at: deps.clock.now() });
  return [
    { name: 'none', safeToRepeat: true, run: async () => ok('nothing to do') },
    {
      name: 'print_event',
      safeToRepeat: true,
      run: async ({ request }) => {
        deps.stdout(deps.console.printEvent(match(request), request.args));
        return ok('printed the event');
      },
    },
    {
      name: 'debug',
      safeToRepeat: true,
      run: async ({ request }) => {
        // Never its rendered `args`: they hold the real variables, and rendering them again would
        // evaluate templates that came in with event data.
        if (request.writtenArgs === undefined) {
          return { status: OutcomeStatus.Failed, summary: 'not printed: the arguments as written are missing (queued by an older autoheal)', retryable: false };
        }
        deps.stdout(deps.console.debug(match(request), request.writtenArgs));
        return ok('printed debug output');
      },
    },
  ];
}

/**
 * Records what the dispatcher reports in the history store. A failure to write history is
 * logged by the caller's store and never fails a remediation.
 */
export function outcomeSinkFor(store: OutcomeStore): OutcomeSink {
  // The same id recordHistory gives the rule's decision, so an action links to it.
  const decisionOf = (request: ActionRequest): string => decisionId(request.eventIds.join(','), request.ruleset, request.rule);
  const ensure = async (request: ActionRequest): Promise<void> => {
    await store.startAction(newActionFromRequest(request, decisionOf(request)));
  };
  return {
    attemptStarted: async (request, attempt) => {
      await ensure(request);
      await store.startAttempt(request.dispatchKey, attempt);
    },
    attemptFinished: async (request, attempt, result) => {
      await ensure(request);
      await store.finishAttempt(request.dispatchKey, attempt, result);
    },
    actionFinished: async (request, status) => {
      await ensure(request);
      await store.finishAction(request.dispatchKey, status);
    },
  };
}

/** A decision id for a fired or held rule, linking history records to the event. */
export function decisionId(eventId: string | undefined, ruleset: string, rule: string): string {
  return `${eventId ?? `t-${randomUUID()}`}/${ruleset}/${rule}`;
}
