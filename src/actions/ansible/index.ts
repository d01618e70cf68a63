/**
 * @module Local Ansible runner: the face of `src/actions/ansible/` for the `run_playbook` and
 * `run_module` actions.
 */
export { runPlaybook, runModule, execaSpawn } from './run-ansible.js';
export type { AnsibleSpawn, AnsibleSpawnOptions, RunnerDeps, SpawnedAnsible } from './run-ansible.js';
export {
  AnsibleCallback,
  BASE_ENV_NAMES,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_LINGER_MS,
  DEFAULT_TAIL_MAX_BYTES,
  DEFAULT_TAIL_MAX_LINES,
  DEFAULT_TIMEOUT_MS,
  RESERVED_ENV_NAMES,
  resolveAnsibleRunOptions,
} from './ansible-run-options.js';
export type {
  AnsibleEdaVars,
  AnsibleRunOptions,
  AnsibleTarget,
  ModuleRequest,
  PlaybookRequest,
  ResolvedAnsibleRun,
} from './ansible-run-options.js';
export { AnsibleRunStatus } from './ansible-run-result.js';
export type { AnsibleRunResult } from './ansible-run-result.js';
export { ArtifactSource, OutputStream } from './ansible-output.js';
export type { AnsibleArtifacts, AnsibleJsonlEvent, AnsibleOutputLine, HostStats } from './ansible-output.js';
export { AnsibleRc, describeAnsibleRc } from './ansible-rc.js';
export { createRunPlaybookHandler, createRunModuleHandler, type AnsibleActionsConfig } from './ansible-action-handlers.js';
