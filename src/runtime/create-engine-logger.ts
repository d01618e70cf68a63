/**
 * @module The engine's structured logger: pino JSON lines on stderr (stdout is for the
 * print_event/debug output that rulebooks produce). Written asynchronously: lines logged while a
 * write is in flight go out together in the next one, where a synchronous write per line was a
 * measurable share of the engine's CPU under load (bench/ingest). pino flushes what is left
 * synchronously when the process exits; only a kill -9 can cut the last lines (the outcome
 * history, not the log, is the record of what was done).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** pino level for a `-v` count: info by default, debug with -v, trace with -vv. */
export function logLevelFor(verbosity: number): 'info' | 'debug' | 'trace' {
  return verbosity <= 0 ? 'info' : verbosity === 1 ? 'debug' : 'trace';
}

/** A pino logger writing to `destination` (default: stderr, asynchronous, flushed at exit). */
export function createEngineLogger(verbosity: number, destination?: DestinationStream): Logger {
  return pino(
    { name: 'autoheal', level: logLevelFor(verbosity), base: { pid: process.pid } },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
