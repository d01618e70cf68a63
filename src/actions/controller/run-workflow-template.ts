/**
 * @module The `run_workflow_template` action (rulebook-language.md §3.3): launches an AWX / AAP
 * workflow job template found by name and organization and waits for its workflow job.
 */
import type { ActionHandler } from '../action-handler.js';
import type { ControllerConfig } from './controller-config.js';
import { TemplateKind } from './controller-client.js';
import { createControllerTemplateAction, type ControllerActionDeps } from './controller-template-action.js';

/**
 * Builds the `run_workflow_template` handler. As `createRunJobTemplate`; the `url` detail is the
 * workflow view and `outputTail` lists the workflow nodes and their statuses (workflow jobs have
 * no stdout).
 */
export function createRunWorkflowTemplate(config: ControllerConfig, deps: ControllerActionDeps = {}): ActionHandler {
  return createControllerTemplateAction(TemplateKind.Workflow, config, deps);
}
