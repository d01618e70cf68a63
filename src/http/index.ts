/**
 * @module The HTTP side of event intake: one Fastify server per webhook source entry of a
 * ruleset (Alertmanager, generic webhook, GitLab), authenticating, validating and queueing
 * events before answering. Error codes and statuses: the table in error-handler.ts.
 */
export {
  createSourceServer,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_SOURCE_SERVER_TIMEOUTS,
  HTTP_LOG_REDACT_PATHS,
  type SourceAddress,
  type SourceServer,
  type SourceServerOptions,
  type SourceServerTimeouts,
} from './source-server.js';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  WEBHOOK_SOURCE_PLUGINS,
  WebhookSourceKind,
  resolveSourceConfig,
  webhookSourceKind,
  type AlertmanagerAuth,
  type AlertmanagerSourceConfig,
  type GenericWebhookSourceConfig,
  type GitlabSourceConfig,
  type ResolveSourceConfigDeps,
  type SourceConfig,
} from './source-config.js';
export { errorBody, mapHttpError, type ErrorHandlerOptions, type HttpErrorBody, type HttpErrorResponse } from './error-handler.js';
export type { SecretDeps } from '../core/index.js';
export * from './api/index.js';
