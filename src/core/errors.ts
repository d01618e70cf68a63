/**
 * @module The one error type of autoheal. Every error carries a stable `code` (listed in the
 * README) and a retry decision; callers match on `code`, never on class identity.
 */

/** Stable error codes. Values appear in logs, JSON output and HTTP bodies. */
export const ErrorCode = {
  /** A rulebook file could not be read, parsed or validated. */
  RulebookInvalid: 'AH_RULEBOOK_INVALID',
  /** A condition string is not valid condition-language syntax. */
  ConditionSyntax: 'AH_CONDITION_SYNTAX',
  /** A `vars.` reference in a rulebook names a variable that was not given. */
  VarsKeyMissing: 'AH_VARS_KEY_MISSING',
  /** A `--vars` file or an `--env-vars` variable could not be loaded. */
  VarsInvalid: 'AH_VARS_INVALID',
  /** A template in action arguments could not be parsed. */
  TemplateSyntax: 'AH_TEMPLATE_SYNTAX',
  /** A template referenced an undefined variable or failed while rendering. */
  TemplateRender: 'AH_TEMPLATE_RENDER',
  /** An event file given to the CLI could not be read or parsed. */
  EventInvalid: 'AH_EVENT_INVALID',
  /** The command line was used wrongly. */
  Usage: 'AH_USAGE',
  /** A webhook request carried no credentials (no `Authorization` / token header). HTTP 401. */
  WebhookMissingCredentials: 'AH_WEBHOOK_MISSING_CREDENTIALS',
  /** A webhook token or Basic credential was wrong, malformed or of the wrong scheme. HTTP 401. */
  WebhookBadToken: 'AH_WEBHOOK_BAD_TOKEN',
  /** A webhook signature header was required but absent. HTTP 400 (as upstream's webhook). */
  WebhookMissingSignature: 'AH_WEBHOOK_MISSING_SIGNATURE',
  /** A webhook signature did not match the body. HTTP 401. */
  WebhookBadSignature: 'AH_WEBHOOK_BAD_SIGNATURE',
  /** A signed webhook's timestamp is outside the allowed tolerance (replay protection). HTTP 401. */
  WebhookStaleSignature: 'AH_WEBHOOK_STALE_SIGNATURE',
  /** A webhook body does not have the shape its source requires. HTTP 422. */
  WebhookInvalidPayload: 'AH_WEBHOOK_INVALID_PAYLOAD',
  /** Source or filter arguments (or auth settings) are invalid: a configuration error. */
  SourceConfigInvalid: 'AH_SOURCE_CONFIG_INVALID',
  /** An event filter failed on an event (e.g. `raise_error: true` and a missing path). */
  FilterFailed: 'AH_FILTER_FAILED',
  /** An Icinga 2 event or objects response does not have the documented shape. */
  IcingaEventInvalid: 'AH_ICINGA_EVENT_INVALID',
  /** One line of the Icinga 2 event stream is not a JSON object (the stream goes on). */
  IcingaStreamBadLine: 'AH_ICINGA_STREAM_BAD_LINE',
  /** One line of the Icinga 2 event stream exceeded the line limit and was skipped. */
  IcingaStreamLineTooLong: 'AH_ICINGA_STREAM_LINE_TOO_LONG',
  /** A playbook or module run request is malformed (bad option, env name, host pattern, vars). */
  AnsibleRequestInvalid: 'AH_ANSIBLE_REQUEST_INVALID',
  /** The playbook does not exist or resolves outside the project directory. */
  AnsiblePlaybookNotFound: 'AH_ANSIBLE_PLAYBOOK_NOT_FOUND',
  /** `ansible-playbook` could not be started (not installed, not executable, out of resources). */
  AnsibleSpawnFailed: 'AH_ANSIBLE_SPAWN_FAILED',
  /** The event queue (Redis) cannot take events now; the sender should retry. HTTP 503. */
  QueueUnavailable: 'AH_QUEUE_UNAVAILABLE',
  /** A webhook body was sent with a content type other than JSON. HTTP 415. */
  WebhookUnsupportedMediaType: 'AH_WEBHOOK_UNSUPPORTED_MEDIA_TYPE',
  /** A webhook body exceeded the source's `body_limit`. HTTP 413. */
  WebhookBodyTooLarge: 'AH_WEBHOOK_BODY_TOO_LARGE',
  /** A webhook body is not valid JSON (or holds a `__proto__` / `constructor.prototype` key). HTTP 400. */
  WebhookMalformedJson: 'AH_WEBHOOK_MALFORMED_JSON',
  /** A webhook request carried no body. HTTP 400. */
  WebhookEmptyBody: 'AH_WEBHOOK_EMPTY_BODY',
  /** No route for this path on an HTTP server of autoheal. HTTP 404. */
  HttpNotFound: 'AH_HTTP_NOT_FOUND',
  /** The path exists but not for this method. HTTP 405 with `Allow`. */
  HttpMethodNotAllowed: 'AH_HTTP_METHOD_NOT_ALLOWED',
  /** A request HTTP itself rejects (bad Content-Length, bad URL, …). HTTP 400. */
  HttpBadRequest: 'AH_HTTP_BAD_REQUEST',
  /** A request took too long: storing a webhook's events (`handlerMs`) or an API handler (`handlerTimeout`). HTTP 503 with `Retry-After`. */
  HttpHandlerTimeout: 'AH_HTTP_HANDLER_TIMEOUT',
  /** The server is shutting down and takes no new requests. HTTP 503 with `Retry-After`. */
  HttpClosing: 'AH_HTTP_CLOSING',
  /** An unexpected failure inside an HTTP handler (a bug). HTTP 500. */
  HttpInternal: 'AH_HTTP_INTERNAL',
  /** An HTTP server could not listen on its host and port (in use, not permitted, bad address). */
  HttpListenFailed: 'AH_HTTP_LISTEN_FAILED',
  /** Event queue options are invalid (bad Redis URL, negative window, …): a configuration error. */
  QueueConfigInvalid: 'AH_QUEUE_CONFIG_INVALID',
  /** A source plugin failed while running (its events stopped); upstream's "Source error". */
  SourceFailed: 'AH_SOURCE_FAILED',
  /** Icinga 2 rejected the ApiUser's credentials (401). The client keeps retrying with backoff. */
  IcingaUnauthorized: 'AH_ICINGA_UNAUTHORIZED',
  /** Icinga 2 refused a request as malformed or not permitted (400, 403, 404: often a missing permission). */
  IcingaRequestRejected: 'AH_ICINGA_REQUEST_REJECTED',
  /** Icinga 2 could not be reached, answered 5xx, timed out or ended the event stream. Retryable. */
  IcingaUnavailable: 'AH_ICINGA_UNAVAILABLE',
  /** A `debug` action's `var` names no variable in its context (upstream: "Key … not found in variable pool"). */
  DebugVarNotFound: 'AH_DEBUG_VAR_NOT_FOUND',
  /** The `controller` configuration (URL, credentials, timings) is invalid or incomplete. */
  ControllerConfigInvalid: 'AH_CONTROLLER_CONFIG_INVALID',
  /** The AWX/AAP controller refused the credentials (401) or the permission (403). Not retryable. */
  ControllerUnauthorized: 'AH_CONTROLLER_UNAUTHORIZED',
  /** A job or workflow template (or another controller object) does not exist or is not visible. Not retryable. */
  ControllerNotFound: 'AH_CONTROLLER_NOT_FOUND',
  /** The controller rejected a request (400, 405, `ignored_fields` on launch, an unexpected response shape). Not retryable. */
  ControllerRequestRejected: 'AH_CONTROLLER_REQUEST_REJECTED',
  /** The controller could not be reached, timed out, answered 5xx or 429. Retryable. */
  ControllerUnavailable: 'AH_CONTROLLER_UNAVAILABLE',
  /** The `icinga` section for the Icinga write-back actions is invalid (url, credentials, CA file). */
  IcingaActionsConfigInvalid: 'AH_ICINGA_ACTIONS_CONFIG_INVALID',
  /** Rendered arguments of an icinga_* action are unusable (no host, no comment, bad times). Not retryable. */
  IcingaActionArgsInvalid: 'AH_ICINGA_ACTION_ARGS_INVALID',
  /** An icinga_* action's target matched no Icinga object (or the ApiUser may not see it). Not retryable. */
  IcingaNoObjectsMatched: 'AH_ICINGA_NO_OBJECTS_MATCHED',
  /** The engine config's `notifiers` section is invalid (unknown type, missing URL or secret, bad key). */
  NotifierConfigInvalid: 'AH_NOTIFIER_CONFIG_INVALID',
  /** The engine config's `gitlab` section is invalid (bad URL, missing or unreadable token). */
  GitlabConfigInvalid: 'AH_GITLAB_CONFIG_INVALID',
  /** An outcome query is invalid (bad limit, time range, status or cursor). */
  OutcomeQueryInvalid: 'AH_OUTCOME_QUERY_INVALID',
  /** Outcome store options are invalid (retention, file, Redis URL): a configuration error. */
  OutcomeStoreConfigInvalid: 'AH_OUTCOME_STORE_CONFIG_INVALID',
  /** The outcome store could not read or write its file or Redis. Retryable. */
  OutcomeStoreFailed: 'AH_OUTCOME_STORE_FAILED',
  /** The `api` section (metrics, health and outcomes API server) or the metrics options are invalid. */
  ApiConfigInvalid: 'AH_API_CONFIG_INVALID',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Where in a source file something is; line and column are 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface AutohealErrorOptions {
  readonly cause?: unknown;
  /** Whether repeating the operation may succeed. Default false. */
  readonly retryable?: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class AutohealError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: AutohealErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AutohealError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** One problem found in a rulebook, positioned in its file. */
export interface RulebookProblem extends SourcePosition {
  /** What was found and what was expected, in one sentence. */
  readonly message: string;
}

/**
 * A rulebook that failed to load. Carries every problem found (not only the first), sorted by
 * position, so an operator can fix them all in one go.
 */
export class RulebookError extends AutohealError {
  readonly problems: readonly RulebookProblem[];

  constructor(problems: readonly RulebookProblem[], code: ErrorCode = ErrorCode.RulebookInvalid) {
    super(code, problems.map(formatProblem).join('\n'), { details: { problems } });
    this.name = 'RulebookError';
    this.problems = problems;
  }
}

/** `file:line:col: message`, the form editors and CI logs link to. */
export function formatProblem(p: RulebookProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** True when `err` is an AutohealError with the given code (works across module copies). */
export function hasErrorCode(err: unknown, code: ErrorCode): err is AutohealError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
