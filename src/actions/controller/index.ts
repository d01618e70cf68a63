/**
 * @module AWX / AAP controller actions: the face of `src/actions/controller/` for
 * `run_job_template` and `run_workflow_template`.
 */
export { createRunJobTemplate } from './run-job-template.js';
export { createRunWorkflowTemplate } from './run-workflow-template.js';
export {
  DEFAULT_JOB_LOOKUP_WINDOW_S,
  DEFAULT_JOB_TIMEOUT_S,
  DEFAULT_POLL_INTERVAL_S,
  DEFAULT_REQUEST_TIMEOUT_S,
  DEFAULT_STDOUT_TAIL_BYTES,
  describeControllerConfig,
  resolveControllerConfig,
} from './controller-config.js';
export type { ControllerAuth, ControllerConfig, ControllerConfigInput } from './controller-config.js';
export { ATTEMPT_VAR, ControllerClient, DISPATCH_KEY_VAR, TemplateKind } from './controller-client.js';
export type { ControllerJob, ControllerTemplate, FetchLike } from './controller-client.js';
export { abortableSleep } from './controller-template-action.js';
export type { ControllerActionDeps, Sleep } from './controller-template-action.js';
export { createNodeFetch } from './node-fetch.js';
export type { NodeFetchOptions } from './node-fetch.js';
