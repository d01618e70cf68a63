/**
 * @module Icinga 2 write-back actions (`icinga_acknowledge`, `icinga_remove_acknowledgement`,
 * `icinga_downtime`, `icinga_comment`): the face of `src/actions/icinga/`. Resolve the `icinga`
 * section once with resolveIcingaActionsConfig, then register createIcingaActionHandlers(config).
 */
export { resolveIcingaActionsConfig, DEFAULT_ICINGA_ACTION_TIMEOUT_MS } from './icinga-actions-config.js';
export type { IcingaActionsConfig, IcingaActionsConfigInput } from './icinga-actions-config.js';
export { createIcingaActionHandlers, createIcingaActionHandler, type IcingaActionDeps } from './icinga-action-handlers.js';
export { createIcingaTransport, type IcingaTransport, type IcingaTransportRequest, type IcingaTransportResponse } from './icinga-transport.js';
export { interpretIcingaResponse, parseRetryAfter } from './interpret-icinga-response.js';
export {
  DEFAULT_ICINGA_AUTHOR,
  ICINGA_API_ACTION,
  IcingaActionName,
  IcingaObjectType,
  describeTarget,
  planIcingaAction,
  targetName,
  targetSelector,
  type IcingaActionPlan,
  type IcingaTarget,
  type PlanResult,
} from './plan-icinga-action.js';
