/**
 * @module GitLab write-back actions (`gitlab_comment`, `gitlab_label`, `gitlab_close`) and the
 * `gitlab` section of the engine config.
 */
export { resolveGitlabConfig, GitlabAuth, DEFAULT_GITLAB_TIMEOUT_MS, type GitlabConfig } from './gitlab-config.js';
export {
  createGitlabHandlers,
  createGitlabCommentHandler,
  createGitlabLabelHandler,
  createGitlabCloseHandler,
  noteMarker,
  GitlabActionName,
  GITLAB_MAX_NOTE_CHARS,
  NOTE_LOOKBACK,
  type GitlabHandlerDeps,
} from './gitlab-handlers.js';
export { resolveGitlabTarget, findGitlabEvent, type GitlabTarget } from './gitlab-target.js';
export { gitlabFailure } from './gitlab-client.js';
