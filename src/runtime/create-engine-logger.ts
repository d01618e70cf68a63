/**
 * @module The engine's structured logger: pino JSON lines on stderr (stdout is for the
 * print_event/debug output that rulebooks produce), written synchronously so nothing is lost
 * when the process exits right after a shutdown.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** pino level for a `-v` count: info by default, debug with -v, trace with -vv. */
export function logLevelFor(verbosity: number): 'info' | 'debug' | 'trace' {
  return verbosity <= 0 ? 'info' : verbosity === 1 ? 'debug' : 'trace';
}

/** A pino logger writing to `destination` (default: stderr, synchronous). */
export function createEngineLogger(verbosity: number, destination?: DestinationStream): Logger {
  return pino(
    { name: 'autoheal', level: logLevelFor(verbosity), base: { pid: process.pid } },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
