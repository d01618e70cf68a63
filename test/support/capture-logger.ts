/**
 * @module Test support (not part of the `http` face): a real pino logger writing NDJSON into
 * memory, so tests can assert on log fields and on what never appears (secrets, payloads).
 */
import { pino, type Logger } from 'pino';

export interface CapturedLog {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Everything written so far, raw. */
  text(): string;
}

/** A pino logger at `debug` (or `level`) that keeps its output. */
export function captureLogger(level = 'debug'): CapturedLog {
  const chunks: string[] = [];
  const logger = pino({ level }, { write: (chunk: string) => void chunks.push(chunk) });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => chunks.join(''),
  };
}
