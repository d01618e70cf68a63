/**
 * @module The error every source throws for a body of the wrong shape. It lists every problem
 * found (not only the first) so a sender's operator can fix them in one go; the HTTP layer maps
 * `AH_WEBHOOK_INVALID_PAYLOAD` to 422.
 */
import { AutohealError, ErrorCode } from '../core/index.js';

/** One thing wrong with a payload: where (`$.alerts[0].labels`) and what. */
export interface PayloadProblem {
  readonly path: string;
  readonly message: string;
}

export class InvalidPayloadError extends AutohealError {
  readonly problems: readonly PayloadProblem[];

  /**
   * @param what names the payload in the message (`Alertmanager webhook body`).
   * Messages name paths and expected types only, never received values (they may hold secrets).
   */
  constructor(
    what: string,
    problems: readonly PayloadProblem[],
    code: ErrorCode = ErrorCode.WebhookInvalidPayload,
  ) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    super(code, `${what} is invalid: ${list}`, { details: { problems } });
    this.name = 'InvalidPayloadError';
    this.problems = problems;
  }
}

/** Collects problems while a validator walks a payload. */
export class ProblemList {
  readonly items: PayloadProblem[] = [];

  add(path: string, message: string): void {
    this.items.push({ path, message });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** A readable name for the JSON type of `value`, for "expected X, got Y" messages. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'object' : typeof value;
}
