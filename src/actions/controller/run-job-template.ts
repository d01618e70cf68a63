/**
 * @module The `run_job_template` action (rulebook-language.md §3.3): launches an AWX / AAP job
 * template found by name and organization and waits for its job.
 */
import type { ActionHandler } from '../action-handler.js';
import type { ControllerConfig } from './controller-config.js';
import { TemplateKind } from './controller-client.js';
import { createControllerTemplateAction, type ControllerActionDeps } from './controller-template-action.js';

/**
 * Builds the `run_job_template` handler. Succeeded when the job ends `successful`; failed and
 * retryable when it ends `failed`; details carry `controller_job_id`, `url`, `status`, `elapsed`.
 * @param config the resolved `controller` section (`resolveControllerConfig`)
 * @param deps fetch, clock and sleep; production defaults when left out
 */
export function createRunJobTemplate(config: ControllerConfig, deps: ControllerActionDeps = {}): ActionHandler {
  return createControllerTemplateAction(TemplateKind.Job, config, deps);
}
