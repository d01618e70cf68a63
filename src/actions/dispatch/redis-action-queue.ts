/**
 * @module The durable action queue on BullMQ. Job ids are derived from the dispatch key, attempt
 * and lock wait, so the same job added twice runs once while BullMQ keeps it (7 days by
 * default). A worker killed mid-action leaves its job stalled; BullMQ hands it to another
 * worker, whose runner finds the start marker without a finish and records `interrupted`
 * instead of running the remediation again.
 */
import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { decodeState, encodeState } from '../../state/index.js';
import type { ActionJob } from './action-runner.js';
import { actionJobId, type ActionQueue } from './action-queue.js';

export interface RedisActionQueueOptions {
  readonly url: string;
  /** Default `{autoheal}`. */
  readonly prefix?: string;
  /** Queue name; default `actions`. */
  readonly name?: string;
  /** How long a worker's hold on a job lasts without renewal, ms (default 30 s). */
  readonly lockDurationMs?: number;
  /** How often stalled jobs are looked for, ms (default 15 s). */
  readonly stalledIntervalMs?: number;
  /** How long finished jobs are kept (and so recognised when added again), s; default 7 days. */
  readonly keepSeconds?: number;
}

export class RedisActionQueue implements ActionQueue {
  readonly durable = true;
  private readonly producer: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly workerConnection: Redis;

  constructor(private readonly options: RedisActionQueueOptions) {
    this.producer = new Redis(options.url, { maxRetriesPerRequest: null });
    this.workerConnection = new Redis(options.url, { maxRetriesPerRequest: null });
    const keep = options.keepSeconds ?? 7 * 24 * 3600;
    this.queue = new Queue(options.name ?? 'actions', {
      connection: this.producer,
      prefix: options.prefix ?? '{autoheal}',
      defaultJobOptions: { removeOnComplete: { age: keep, count: 100_000 }, removeOnFail: { age: keep, count: 100_000 } },
    });
  }

  async add(jobs: ReadonlyArray<{ readonly job: ActionJob; readonly delayMs?: number }>): Promise<void> {
    await this.queue.addBulk(
      jobs.map(({ job, delayMs }) => ({
        name: job.request.action,
        data: { job: encodeState(job) },
        opts: { jobId: bullJobId(job), ...(delayMs !== undefined && delayMs > 0 ? { delay: delayMs } : {}) },
      })),
    );
  }

  async consume(processor: (job: ActionJob) => Promise<void>, concurrency: number): Promise<void> {
    this.worker = new Worker(
      this.options.name ?? 'actions',
      async (bull) => {
        await processor(decodeState<ActionJob>((bull.data as { job: string }).job));
      },
      {
        connection: this.workerConnection,
        prefix: this.options.prefix ?? '{autoheal}',
        concurrency,
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 15_000,
        // One redelivery after a crash: enough for the runner to record `interrupted`.
        maxStalledCount: 1,
      },
    );
    this.worker.on('error', () => undefined);
    await this.worker.waitUntilReady();
  }

  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.producer.disconnect();
    this.workerConnection.disconnect();
  }
}

/** BullMQ ids may not contain `:` nor be all digits: hash the readable id. */
function bullJobId(job: ActionJob): string {
  return `a${createHash('sha256').update(actionJobId(job)).digest('hex').slice(0, 40)}`;
}
