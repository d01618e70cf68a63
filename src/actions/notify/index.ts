/**
 * @module The `notify` action (Zulip, Slack, Mattermost, generic webhook) and the `notifiers`
 * section of the engine config. Also the bounded HTTP exchange the GitLab actions share.
 */
export {
  resolveNotifiersConfig,
  NotifierType,
  DEFAULT_NOTIFY_TIMEOUT_MS,
  DEFAULT_ZULIP_TOPIC,
  type NotifiersConfig,
  type ResolvedNotifier,
  type ZulipNotifier,
  type SlackNotifier,
  type MattermostNotifier,
  type WebhookNotifier,
} from './notifiers-config.js';
export {
  createNotifyHandler,
  parseNotifyArgs,
  NOTIFY_ACTION,
  ZULIP_MAX_CONTENT_BYTES,
  ZULIP_MAX_TOPIC_CHARS,
  type NotifyArgs,
  type NotifyHandlerDeps,
} from './notify-handler.js';
export {
  exchangeHttp,
  parseRetryAfter,
  redactSecrets,
  oneLine,
  ExchangeOutcome,
  MAX_RESPONSE_BYTES,
  type Exchange,
  type ExchangeOptions,
  type FetchLike,
} from './http-exchange.js';
