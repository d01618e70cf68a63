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
