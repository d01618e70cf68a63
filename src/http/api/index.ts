/**
 * @module The operations server of an engine: `/metrics`, `/healthz`, `/readyz` and the
 * authenticated `/api/outcomes`, with its `api` config section. Routes: api-server.ts; config:
 * api-config.ts; query parameters: outcomes-query.ts; errors: api-error-handler.ts.
 */
export { API_AUTH_CHALLENGE, installApiErrorHandler, mapApiError } from './api-error-handler.js';
export { DEFAULT_API_HOST, DEFAULT_API_PORT, resolveApiConfig, type ApiConfig } from './api-config.js';
export {
  DEFAULT_API_SERVER_TIMEOUTS,
  createApiServer,
  type ApiAddress,
  type ApiServer,
  type ApiServerOptions,
  type ApiServerTimeouts,
  type MetricsExposition,
} from './api-server.js';
export { parseOutcomesQuery } from './outcomes-query.js';
export {
  MAX_READINESS_DETAIL_CHARS,
  runReadinessChecks,
  type ReadinessCheck,
  type ReadinessCheckResult,
  type ReadinessReport,
  type ReadinessStatus,
} from './readiness.js';
