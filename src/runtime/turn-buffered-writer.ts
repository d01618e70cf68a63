/**
 * @module Console output (print_event, debug) written once per turn of the event loop instead of
 * once per line. stdout is a pipe or a file under systemd and docker, where Node writes
 * synchronously: a syscall per banner and per line was a measurable share of the engine's CPU
 * under load (bench/ingest). The text still goes out in the same turn of the event loop it was
 * written in, so what a kill -9 can cost stays what it was: the lines of the batch in progress.
 */

export class TurnBufferedWriter {
  private pending: string[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  /** @param sink where the text goes, in order; called at most once per turn. */
  constructor(private readonly sink: (text: string) => void) {}

  /** Queues `text`; it is written at the end of this turn of the event loop (setImmediate). */
  write(text: string): void {
    this.pending.push(text);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is queued now. Idempotent; call it before the process exits. */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.sink(text);
  }
}
