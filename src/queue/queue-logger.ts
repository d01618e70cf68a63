/**
 * @module The logger the queues write to: the subset of pino's API they use (`logger.warn(obj,
 * msg)`), so a pino logger or child logger can be passed as is. Messages are constant; context
 * goes in fields, errors under `err`; event payloads are never logged.
 */

/** One pino-style log method: fields first, then a constant message. */
export type QueueLogFn = (fields: Record<string, unknown>, msg: string) => void;

/** What the queues need from a logger. A pino `Logger` satisfies it. */
export interface QueueLogger {
  readonly info: QueueLogFn;
  readonly warn: QueueLogFn;
  readonly error: QueueLogFn;
}

/** A logger that drops everything (tests that assert nothing about logs). */
export const silentQueueLogger: QueueLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The default when no logger is injected: one JSON line per entry on stderr, `level` as pino's
 * numbers, `err` reduced to name, message and code (no stack, no payload).
 */
export function createStderrQueueLogger(write: (line: string) => void = (l) => process.stderr.write(l)): QueueLogger {
  const at =
    (level: number): QueueLogFn =>
    (fields, msg) => {
      const { err, ...rest } = fields;
      const entry: Record<string, unknown> = { level, time: Date.now(), msg, ...rest };
      if (err !== undefined) entry['err'] = describeError(err);
      write(`${JSON.stringify(entry)}\n`);
    };
  return { info: at(30), warn: at(40), error: at(50) };
}

/** Name, message and code of an error-like value, for logs and failure records. */
export function describeError(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { name: err.name, message: err.message, code } : { name: err.name, message: err.message };
  }
  return { name: 'NonError', message: String(err) };
}
