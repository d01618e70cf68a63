/**
 * @module Where action jobs wait to run, behind one interface: an in-process queue (embedded
 * default) and BullMQ on Redis (durable; any number of processes run actions in parallel).
 * Delays (retry backoff, lock waits) are delayed jobs, so a backoff of hours survives restarts.
 */
import type { ActionJob } from './action-runner.js';

export interface ActionQueue {
  readonly durable: boolean;
  /**
   * Adds jobs. A job is identified by its dispatch key, attempt and lock-wait start, so adding
   * the same job twice (a replayed outbox entry) runs it once.
   */
  add(jobs: ReadonlyArray<{ readonly job: ActionJob; readonly delayMs?: number }>): Promise<void>;
  /** Starts running jobs with `processor`, at most `concurrency` at once in this process. */
  consume(processor: (job: ActionJob) => Promise<void>, concurrency: number): Promise<void>;
  /** Jobs waiting or delayed (for /metrics). */
  depth(): Promise<number>;
  /** Stops taking jobs and waits (bounded) for running ones. */
  close(): Promise<void>;
}

/** Stable id of a job (never reused for another attempt or wait). */
export function actionJobId(job: ActionJob): string {
  return `${job.request.dispatchKey}#${job.attempt}#${job.waitingSince ?? 0}`;
}
