/**
 * @module The embedded action queue: timers and a concurrency pool in this process. Not durable:
 * jobs waiting or delayed are lost with the process (the engine logs that at start).
 */
import type { ActionJob } from './action-runner.js';
import { actionJobId, type ActionQueue } from './action-queue.js';

export class MemoryActionQueue implements ActionQueue {
  readonly durable = false;
  private readonly seen = new Set<string>();
  private readonly ready: ActionJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private processor: ((job: ActionJob) => Promise<void>) | undefined;
  private concurrency = 1;
  private running = 0;
  private closed = false;
  private idle: Array<() => void> = [];

  async add(jobs: ReadonlyArray<{ readonly job: ActionJob; readonly delayMs?: number }>): Promise<void> {
    for (const { job, delayMs } of jobs) {
      const id = actionJobId(job);
      if (this.seen.has(id) || this.closed) continue;
      this.seen.add(id);
      if (delayMs !== undefined && delayMs > 0) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.ready.push(job);
          this.pump();
        }, delayMs);
        this.timers.add(timer);
      } else {
        this.ready.push(job);
      }
    }
    this.pump();
  }

  async consume(processor: (job: ActionJob) => Promise<void>, concurrency: number): Promise<void> {
    this.processor = processor;
    this.concurrency = Math.max(1, concurrency);
    this.pump();
  }

  async depth(): Promise<number> {
    return this.ready.length + this.timers.size;
  }

  /** Resolves when nothing is queued, delayed or running (for tests and the dry-run). */
  async drained(): Promise<void> {
    if (this.running === 0 && this.ready.length === 0 && this.timers.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.ready.length = 0;
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    const processor = this.processor;
    if (processor === undefined) return;
    while (!this.closed && this.running < this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift() as ActionJob;
      this.running += 1;
      void processor(job)
        .catch(() => undefined)
        .finally(() => {
          this.running -= 1;
          this.pump();
          if (this.running === 0 && this.ready.length === 0 && this.timers.size === 0) {
            const waiting = this.idle;
            this.idle = [];
            for (const resolve of waiting) resolve();
          }
        });
    }
  }
}
