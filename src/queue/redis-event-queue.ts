/**
 * @module The durable event queue on Redis with BullMQ (shared/spec/stack.md §1).
 *
 * Layout: one BullMQ queue per ruleset (`rulesetQueueName`), one job per (enqueue call,
 * ruleset) carrying that call's new events in order. Why one job per call rather than one per
 * event: a job is added by one Lua script, so a batch is stored whole or not at all, whereas
 * BullMQ's `addBulk` is a pipeline that can stop half-way (§1.2). The jobs of all rulesets of one
 * call go in one `FlowProducer.addBulk`, a single MULTI/EXEC: Redis applies all of it or, when it
 * refuses the transaction (disconnected, out of memory), none of it.
 *
 * Order and exclusivity: every ruleset queue has global concurrency 1 (`setGlobalConcurrency`)
 * and every worker concurrency 1, so across all processes at most one job of a ruleset is
 * active; jobs are taken oldest first, and a job that stalled (its consumer died) goes back to
 * the head of the queue, so the next consumer resumes with it. A batch consumer gets a job's
 * events in one call (one state commit for all of them); a per-event consumer gets them one by
 * one, and the worker records after each how far it got (job progress), so a taken-over job
 * does not re-handle what was done. Either way the consumer may see again what was in progress
 * when its process died (at-least-once): the evaluator recognises what it already applied.
 * Handler failures are retried in place with backoff (not with BullMQ's `attempts`, which would
 * let later jobs overtake); an event given up after every attempt is recorded in the job, the
 * job's other events still run, and the job then ends failed and is kept for inspection.
 *
 * Dedup: per ruleset and dedup key, with a marker key that expires after the window. Claiming
 * markers and adding the job cannot be one Redis operation (the add is BullMQ's own script), so
 * a marker is first written *pending* with the id of the job about to be added, and *confirmed*
 * after the add. A later call treats a pending marker whose job does not exist as absent: a
 * crash or refusal between the two steps can at worst let a duplicate through, never drop an
 * event. (A confirmed marker outlives the job's retention; a pending one holds only while its
 * job exists.)
 *
 * Connections: producer commands (`enqueue`, `depth`) go through one ioredis connection with the
 * offline queue off and a command timeout, so a webhook fails fast with AH_QUEUE_UNAVAILABLE
 * while Redis is down; each worker has its own connections with `maxRetriesPerRequest: null`
 * and reconnects by itself after a Redis restart.
 */
import { randomUUID, createHash } from 'node:crypto';
import { FlowProducer, Queue, QueueKeys, UnrecoverableError, WaitingError, Worker, type FlowJob, type Job, type RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AutohealError, ErrorCode, raceTimeout, systemClock, type Clock } from '../core/index.js';
import { mergeBatches, summarizeEnqueue } from './enqueue-plan.js';
import type { EnqueueBatch, EnqueueResult, EventConsumer, EventQueue, EventQueueStartInfo, QueuedEvent } from './event-queue.js';
import { handleInOrder } from './handle-in-order.js';
import { HandleOutcome, timerSleep, type FailedEvent, type Sleep } from './handle-with-retries.js';
import { createStderrQueueLogger, describeError, type QueueLogger } from './queue-logger.js';
import { decodeQueuedEvents, stringifyExactJson } from './queued-event-codec.js';
import { redactRedisUrl, resolveRedisEventQueueOptions, type RedisEventQueueOptions, type ResolvedRedisEventQueueOptions } from './redis-event-queue-options.js';
import { CLAIM_DEDUP, CONFIRM_DEDUP, COUNT_WAITING_EVENTS } from './redis-scripts.js';
import { rulesetQueueName } from './ruleset-queue-name.js';

/** One connection-error log line per source per this many ms (a Redis outage errors every retry). */
const ERROR_LOG_INTERVAL_MS = 10_000;

/** What a job of a ruleset queue carries. */
export interface EventBatchJobData {
  /** Format version. */
  readonly v: 1;
  readonly ruleset: string;
  /** The events, as `encodeQueuedEvents` writes them (exact JSON, big integers kept). */
  readonly events: string;
}

/** Job progress: how many events of the job are done, and which of them were given up. */
export interface EventBatchProgress {
  readonly done: number;
  readonly failed: readonly FailedEvent[];
}

export interface RedisEventQueueDeps {
  /** Default: JSON lines on stderr. */
  readonly logger?: QueueLogger;
  /** Backoff waits between handler attempts. Default: real timers. */
  readonly sleep?: Sleep;
  /** Job ids (must not be all digits nor contain `:`; they get a `b-` prefix). Default: UUIDs. */
  readonly newId?: () => string;
  /** Time for log throttling. Default: the system clock. */
  readonly clock?: Clock;
}

const State = { New: 'new', Starting: 'starting', Started: 'started', Closing: 'closing', Closed: 'closed' } as const;
type State = (typeof State)[keyof typeof State];

/** Most events written in one group (one job per ruleset); later calls wait for the next write. */
const MAX_GROUP_EVENTS = 1_000;

/** The job of one ruleset in a group write, ready to store. */
interface Plan {
  readonly ruleset: string;
  readonly queueName: string;
  readonly jobId: string;
  readonly events: QueuedEvent[];
  /** Each event's exact JSON, encoded before anything touches Redis. */
  readonly encoded: string[];
  /** Per event: still to be stored (starts true; the dedup claim clears duplicates). */
  readonly fresh: boolean[];
}

/** One `enqueue` call waiting for its group write. */
interface PendingCall {
  readonly parts: ReadonlyArray<{ readonly ruleset: string; readonly events: readonly QueuedEvent[]; readonly encoded: readonly string[] }>;
  readonly resolve: (result: EnqueueResult) => void;
  readonly reject: (err: unknown) => void;
}

type Verdict = { readonly id: string; readonly queued: boolean };

function countEvents(call: PendingCall): number {
  return call.parts.reduce((n, p) => n + p.events.length, 0);
}

export class RedisEventQueue implements EventQueue {
  readonly durable = true;
  readonly options: Readonly<ResolvedRedisEventQueueOptions>;
  private readonly logger: QueueLogger;
  private readonly sleep: Sleep;
  private readonly newId: () => string;
  private readonly clock: Clock;
  private readonly keys: QueueKeys;
  private state: State = State.New;
  private startInfo: EventQueueStartInfo | undefined;
  private producer: Redis | undefined;
  private flow: FlowProducer | undefined;
  private readonly workers = new Map<string, Worker<EventBatchJobData>>();
  /** Processor calls in progress (awaited, bounded, at close). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;
  private readonly lastErrorLog = new Map<string, number>();

  /** @throws AutohealError `AH_QUEUE_CONFIG_INVALID` for bad options. */
  constructor(options: RedisEventQueueOptions, deps: RedisEventQueueDeps = {}) {
    this.options = resolveRedisEventQueueOptions(options);
    this.logger = deps.logger ?? createStderrQueueLogger();
    this.sleep = deps.sleep ?? timerSleep;
    this.newId = deps.newId ?? randomUUID;
    this.clock = deps.clock ?? systemClock;
    this.keys = new QueueKeys(this.options.prefix);
  }

  /**
   * Connects the producer connection and checks Redis: `maxmemory-policy` must be `noeviction`
   * and AOF on (`appendonly yes`), else each problem is logged as a warning and returned; when
   * `CONFIG GET` is not permitted (managed Redis), a warning says it could not check.
   * @throws AutohealError `AH_QUEUE_UNAVAILABLE` (retryable) when Redis cannot be reached within
   *   `connectTimeoutMs`.
   */
  async start(): Promise<EventQueueStartInfo> {
    if (this.state === State.Started && this.startInfo) return this.startInfo;
    if (this.state !== State.New) throw this.unavailable(`cannot start a queue that is ${this.state}`);
    this.state = State.Starting;
    const producer = new Redis(this.options.url, {
      ...this.reconnectOptions(),
      lazyConnect: true,
      // Fail fast while disconnected, so a webhook answers 503 and the sender retries (stack.md §1.8).
      enableOfflineQueue: false,
      // A command whose answer a dropped connection lost fails too, instead of being sent again
      // after the reconnect: the request gets 503 and the sender retries it as a whole.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.options.commandTimeoutMs,
      connectionName: `${this.options.prefix}:autoheal:producer`,
    });
    this.watchConnection(producer, 'producer');
    try {
      await this.bounded(producer.connect(), 'connect to Redis');
      const warnings = await this.checkServer(producer);
      const flow = new FlowProducer({ connection: producer, prefix: this.options.prefix });
      flow.on('error', (err) => this.logConnectionError('producer', err));
      this.flow = flow;
      await this.bounded(flow.waitUntilReady(), 'prepare the producer');
      this.producer = producer;
      this.startInfo = { durable: true, warnings };
      this.state = State.Started;
      return this.startInfo;
    } catch (err) {
      this.state = State.New;
      await this.flow?.close().catch(() => undefined);
      this.flow = undefined;
      producer.disconnect();
      throw this.asUnavailable(err, 'could not connect to Redis');
    }
  }

  /**
   * Stores the new events of every batch (one job per ruleset) in one transaction, after
   * claiming their dedup markers. Resolves only once Redis has them.
   *
   * Group commit: calls that arrive while a write is in flight are written together by the next
   * one (one job per ruleset for all of them, up to `MAX_GROUP_EVENTS`). Under load this turns
   * many small writes and jobs into few larger ones — fewer round trips for intake, bigger
   * batches for the evaluator — and when idle it adds no wait: the first call is written at once.
   * The calls of a group succeed or fail together; each gets its own verdicts.
   * @throws AutohealError `AH_QUEUE_UNAVAILABLE` (retryable) when Redis is down, refuses the
   *   write (e.g. out of memory) or does not answer within `commandTimeoutMs`; then no event of
   *   this call is stored.
   * @throws TypeError for an event that cannot be serialised (circular) or an empty ruleset
   *   name, before anything is stored.
   */
  async enqueue(batches: readonly EnqueueBatch[]): Promise<EnqueueResult> {
    if (this.state !== State.Started) throw this.unavailable(`the event queue is ${this.state}`);
    // Checked and encoded here, so a bad call fails alone, before it joins a group.
    const parts = mergeBatches(batches).map(({ ruleset, events }) => ({ ruleset, events, encoded: events.map((e) => stringifyExactJson(e)) }));
    if (parts.length === 0) return { queued: [], duplicates: [] };
    return new Promise<EnqueueResult>((resolve, reject) => {
      this.waitingCalls.push({ parts, resolve, reject });
      this.scheduleGroupWrite();
    });
  }

  /** Calls waiting for the next group write. */
  private waitingCalls: PendingCall[] = [];
  private writingGroup = false;

  private scheduleGroupWrite(): void {
    if (this.writingGroup) return;
    this.writingGroup = true;
    // setImmediate, not at once: the requests parsed in the same turn of the event loop join.
    setImmediate(() => void this.writeGroups());
  }

  private async writeGroups(): Promise<void> {
    try {
      while (this.waitingCalls.length > 0) {
        let events = 0;
        let n = 0;
        while (n < this.waitingCalls.length && (n === 0 || events + countEvents(this.waitingCalls[n] as PendingCall) <= MAX_GROUP_EVENTS)) {
          events += countEvents(this.waitingCalls[n] as PendingCall);
          n += 1;
        }
        const group = this.waitingCalls.splice(0, n);
        try {
          const verdicts = await this.writeGroup(group);
          group.forEach((call, i) => call.resolve(summarizeEnqueue(verdicts[i] as Verdict[])));
        } catch (err) {
          for (const call of group) call.reject(err);
        }
      }
    } finally {
      this.writingGroup = false;
    }
  }

  /** Writes a group of calls; returns each call's verdicts, in its order. */
  private async writeGroup(group: readonly PendingCall[]): Promise<Verdict[][]> {
    const producer = this.producer;
    const flow = this.flow;
    if (this.state !== State.Started || !producer || !flow) throw this.unavailable(`the event queue is ${this.state}`);
    const plans = new Map<string, Plan>();
    for (const call of group) {
      for (const part of call.parts) {
        let plan = plans.get(part.ruleset);
        if (plan === undefined) {
          plan = { ruleset: part.ruleset, queueName: rulesetQueueName(part.ruleset), jobId: `b-${this.newId()}`, events: [], encoded: [], fresh: [] };
          plans.set(part.ruleset, plan);
        }
        plan.events.push(...part.events);
        plan.encoded.push(...part.encoded);
        for (let i = 0; i < part.events.length; i++) plan.fresh.push(true);
      }
    }
    const planList = [...plans.values()];
    const claimed = await this.claimDedupMarkers(producer, planList);
    const flows: FlowJob[] = [];
    for (const plan of planList) {
      const encoded = plan.encoded.filter((_, i) => plan.fresh[i]);
      if (encoded.length === 0) continue;
      const data: EventBatchJobData = { v: 1, ruleset: plan.ruleset, events: `[${encoded.join(',')}]` };
      flows.push({
        name: `events-${encoded.length}`,
        queueName: plan.queueName,
        data,
        opts: {
          jobId: plan.jobId,
          // Retries happen inside the processor (order must hold); a failed job stays failed.
          attempts: 1,
          removeOnComplete: { age: Math.ceil(this.options.keepCompletedMs / 1000), count: this.options.keepCompletedCount },
          removeOnFail: { age: Math.ceil(this.options.keepFailedMs / 1000), count: this.options.keepFailedCount },
        },
      });
    }
    if (flows.length > 0) {
      let added: unknown;
      try {
        added = await flow.addBulk(flows);
      } catch (err) {
        throw this.asUnavailable(err, 'Redis did not store the events');
      }
      if (added === undefined) throw this.unavailable('the event queue is closing');
    }
    // Not awaited: the events are stored and a pending marker already dedupes while its job
    // exists, so the answer need not wait for this write (one fsync'd round trip less per group).
    // The next group's commands follow it on the same connection, so Redis still applies it first.
    void this.confirmDedupMarkers(producer, claimed);
    // Each call's verdicts, read back from its slice of each ruleset's plan.
    const offsets = new Map<string, number>();
    return group.map((call) =>
      call.parts.flatMap((part) => {
        const plan = plans.get(part.ruleset) as Plan;
        const start = offsets.get(part.ruleset) ?? 0;
        offsets.set(part.ruleset, start + part.events.length);
        return part.events.map((e, i) => ({ id: e.id, queued: plan.fresh[start + i] === true }));
      }),
    );
  }

  /**
   * Starts one BullMQ worker per ruleset (concurrency 1, the ruleset queue's global concurrency
   * set to 1), handing each job's events to `consumer` in order (a batch consumer gets them
   * together).
   * @throws AutohealError `AH_QUEUE_UNAVAILABLE` when Redis cannot be reached within
   *   `connectTimeoutMs`.
   * @throws Error when a ruleset is already being consumed by this queue.
   */
  async consume(rulesets: readonly string[], consumer: EventConsumer): Promise<void> {
    const producer = this.producer;
    if (this.state !== State.Started || !producer) throw this.unavailable(`the event queue is ${this.state}`);
    const unique = [...new Set(rulesets)];
    for (const ruleset of unique) {
      if (this.workers.has(ruleset)) throw new Error(`ruleset ${JSON.stringify(ruleset)} is already being consumed`);
    }
    for (const ruleset of unique) {
      const queueName = rulesetQueueName(ruleset);
      await this.limitToOneActiveJob(producer, queueName);
      const worker = new Worker<EventBatchJobData>(queueName, (job, token) => this.track(this.processJob(ruleset, consumer, job, token)), {
        connection: this.workerConnection(),
        prefix: this.options.prefix,
        concurrency: 1,
        lockDuration: this.options.lockDurationMs,
        stalledInterval: this.options.stalledIntervalMs,
        maxStalledCount: this.options.maxStalledCount,
      });
      worker.on('error', (err) => this.logConnectionError(`worker:${ruleset}`, err));
      worker.on('failed', (job, err) => {
        this.logger.error({ ruleset, jobId: job?.id, err }, 'event batch failed; kept for inspection');
      });
      worker.on('stalled', (jobId) => this.logger.warn({ ruleset, jobId }, 'event batch taken over from a consumer that stopped'));
      this.workers.set(ruleset, worker);
      try {
        await this.bounded(worker.waitUntilReady(), 'start a consumer');
      } catch (err) {
        this.workers.delete(ruleset);
        await raceTimeout(worker.close(true), this.options.closeTimeoutMs);
        throw this.asUnavailable(err, 'could not start consuming');
      }
    }
  }

  /**
   * Events waiting in the ruleset's queue (not counting the batch being handled). Costs one
   * Redis read per waiting batch.
   * @throws AutohealError `AH_QUEUE_UNAVAILABLE` when Redis cannot answer.
   */
  async depth(ruleset: string): Promise<number> {
    const producer = this.producer;
    if (this.state !== State.Started || !producer) throw this.unavailable(`the event queue is ${this.state}`);
    const queueName = rulesetQueueName(ruleset);
    try {
      const n = await COUNT_WAITING_EVENTS.run(producer, [this.keys.toKey(queueName, 'wait')], [this.keys.toKey(queueName, '')]);
      return Number(n);
    } catch (err) {
      throw this.asUnavailable(err, 'could not read the queue depth');
    }
  }

  /**
   * Stops consuming: no new handler call starts, backoff waits end, the batch in progress is
   * given back to the queue after its current event (which is awaited for at most
   * `closeTimeoutMs`; past that the batch is left to be taken over when its lock lapses). Then
   * closes every connection. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const wasStarted = this.state === State.Started;
    this.state = State.Closing;
    this.shutdown.abort(new Error('event queue closing'));
    if (wasStarted) {
      const idle = await raceTimeout(Promise.all([...this.inFlight]), this.options.closeTimeoutMs);
      if (!idle) this.logger.warn({ closeTimeoutMs: this.options.closeTimeoutMs }, 'event handler still running at close; leaving its batch to be taken over');
      await Promise.all(
        [...this.workers.values()].map(async (worker) => {
          // Without Redis a graceful close would wait for a reconnection: bound it, then cut.
          if (!(await raceTimeout(worker.close(!idle), this.options.closeTimeoutMs))) await worker.disconnect().catch(() => undefined);
        }),
      );
      this.workers.clear();
      if (this.flow) await raceTimeout(this.flow.close(), this.options.closeTimeoutMs);
      if (this.producer) {
        const producer = this.producer;
        if (!(await raceTimeout(producer.quit(), this.options.commandTimeoutMs))) producer.disconnect();
      }
    }
    this.flow = undefined;
    this.producer = undefined;
    this.state = State.Closed;
  }

  private async processJob(ruleset: string, consumer: EventConsumer, job: Job<EventBatchJobData>, token: string | undefined): Promise<void> {
    let events: QueuedEvent[];
    try {
      events = decodeQueuedEvents(job.data.events);
    } catch (err) {
      throw new UnrecoverableError(`corrupt event batch: ${describeError(err).message}`);
    }
    const progress = readProgress(job.progress);
    const result = await handleInOrder(
      {
        consumer,
        ruleset,
        events,
        start: progress.done,
        policy: this.options,
        sleep: this.sleep,
        signal: this.shutdown.signal,
        logger: this.logger,
        logFields: { jobId: job.id },
        // Written only between handler calls that leave events in the job (a batch consumer
        // usually does the whole job in one call, so then never): the job's completion says the rest.
        onProgress: async (done, failed) => {
          const next: EventBatchProgress = { done, failed };
          await job.updateProgress(next);
        },
      },
      progress.failed,
    );
    if (result.outcome === HandleOutcome.Aborted) return this.giveBack(job, token);
    const { failed } = result;
    if (failed.length > 0) {
      // The failed job is kept for inspection: its progress says which events were given up.
      const final: EventBatchProgress = { done: result.done, failed };
      await job.updateProgress(final);
      throw new UnrecoverableError(`${failed.length} of ${events.length} event(s) given up after every attempt: ${failed.map((f) => f.eventId).join(', ')}`);
    }
  }

  /**
   * Shutdown mid-batch: puts the job back at the head of its queue for the next consumer (its
   * progress says where to resume). If that fails (Redis gone), the job stays active until its
   * lock lapses and is then taken over the same way.
   */
  private async giveBack(job: Job<EventBatchJobData>, token: string | undefined): Promise<never> {
    try {
      await job.moveToWait(token);
    } catch (err) {
      this.logger.warn({ jobId: job.id, err }, 'could not give an event batch back at close; it will be taken over when its lock lapses');
    }
    // Tells BullMQ the job was moved by hand: neither completed nor failed.
    throw new WaitingError();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = (): void => {
      this.inFlight.delete(work);
    };
    work.then(done, done);
    return work;
  }

  private async limitToOneActiveJob(producer: Redis, queueName: string): Promise<void> {
    const queue = new Queue(queueName, { connection: producer, prefix: this.options.prefix });
    queue.on('error', (err) => this.logConnectionError('producer', err));
    try {
      await this.bounded(queue.setGlobalConcurrency(1), 'configure the ruleset queue');
    } catch (err) {
      throw this.asUnavailable(err, 'could not configure the ruleset queue');
    } finally {
      // The queue shares the producer connection, so closing it closes nothing else.
      await raceTimeout(queue.close(), this.options.commandTimeoutMs);
    }
  }

  private async claimDedupMarkers(producer: Redis, plans: readonly Plan[]): Promise<Array<{ key: string; jobId: string }>> {
    const keys: string[] = [];
    const args: string[] = [String(this.options.dedupWindowMs)];
    const slots: Array<{ plan: Plan; index: number }> = [];
    for (const plan of plans) {
      const queuePrefix = this.keys.toKey(plan.queueName, '');
      // A key repeated within the write is a duplicate of its first event, decided here: the
      // script then treats a marker already holding this job's id as its own claim run again
      // (a command re-sent after a reconnect), never as a duplicate.
      const inWrite = new Set<string>();
      plan.events.forEach((event, index) => {
        if (event.dedupKey === undefined) return;
        const key = dedupMarkerKey(this.options.prefix, plan.ruleset, event.dedupKey);
        if (inWrite.has(key)) {
          plan.fresh[index] = false;
          return;
        }
        inWrite.add(key);
        keys.push(key);
        args.push(queuePrefix, plan.jobId);
        slots.push({ plan, index });
      });
    }
    if (keys.length === 0) return [];
    let verdicts: unknown;
    try {
      verdicts = await CLAIM_DEDUP.run(producer, keys, args);
    } catch (err) {
      throw this.asUnavailable(err, 'could not check duplicates');
    }
    if (!Array.isArray(verdicts) || verdicts.length !== keys.length) throw this.unavailable('unexpected answer from the dedup script');
    const claimed: Array<{ key: string; jobId: string }> = [];
    slots.forEach(({ plan, index }, i) => {
      if (Number(verdicts[i]) === 1) claimed.push({ key: keys[i] as string, jobId: plan.jobId });
      else plan.fresh[index] = false;
    });
    return claimed;
  }

  /**
   * Best effort: the events are stored already, so a failure here is only logged (the markers
   * stay pending, which still dedupes while the jobs exist).
   */
  private async confirmDedupMarkers(producer: Redis, claimed: ReadonlyArray<{ key: string; jobId: string }>): Promise<void> {
    if (claimed.length === 0) return;
    try {
      await CONFIRM_DEDUP.run(
        producer,
        claimed.map((c) => c.key),
        claimed.map((c) => c.jobId),
      );
    } catch (err) {
      this.logger.warn({ markers: claimed.length, err }, 'could not confirm dedup markers; duplicates may pass once their batches are removed');
    }
  }

  private async checkServer(producer: Redis): Promise<string[]> {
    const warnings: string[] = [];
    let policy: string | undefined;
    let appendonly: string | undefined;
    try {
      policy = configValue(await producer.config('GET', 'maxmemory-policy'));
      appendonly = configValue(await producer.config('GET', 'appendonly'));
    } catch (err) {
      const warning = 'could not check the Redis configuration (CONFIG GET not permitted): make sure maxmemory-policy is noeviction and appendonly is yes';
      this.logger.warn({ err }, warning);
      return [warning];
    }
    if (policy !== 'noeviction') {
      const warning = `Redis maxmemory-policy is ${policy ?? 'unknown'}: it must be noeviction, or Redis may evict queued events and locks`;
      this.logger.warn({ setting: 'maxmemory-policy', value: policy, expected: 'noeviction' }, warning);
      warnings.push(warning);
    }
    if (appendonly !== 'yes') {
      const warning = `Redis appendonly is ${appendonly ?? 'unknown'}: queued events are lost when Redis restarts; enable AOF (appendonly yes)`;
      this.logger.warn({ setting: 'appendonly', value: appendonly, expected: 'yes' }, warning);
      warnings.push(warning);
    } else {
      // everysec lets Redis acknowledge writes it has not yet written to the AOF while an fsync
      // lags (up to 2 s): a crash then loses acknowledged events (seen in our kill -9 test).
      let fsync: string | undefined;
      try {
        fsync = configValue(await producer.config('GET', 'appendfsync'));
      } catch {
        fsync = undefined;
      }
      if (fsync !== undefined && fsync !== 'always') {
        const warning = `Redis appendfsync is ${fsync}: a Redis crash can lose up to 2 s of acknowledged events; use appendfsync always for none`;
        this.logger.warn({ setting: 'appendfsync', value: fsync, expected: 'always' }, warning);
        warnings.push(warning);
      }
    }
    return warnings;
  }

  /** Options (not an instance) so BullMQ creates, duplicates and closes the worker's connections. */
  private workerConnection(): BullRedisOptions {
    // Workers wait out an outage instead of failing commands (stack.md §1.8).
    return { url: this.options.url, maxRetriesPerRequest: null, ...this.reconnectOptions() };
  }

  /** Reconnection backs off from 100 ms to `reconnectMaxDelayMs`, forever. */
  private reconnectOptions(): { connectTimeout: number; retryStrategy: (times: number) => number } {
    const max = this.options.reconnectMaxDelayMs;
    return {
      connectTimeout: this.options.connectTimeoutMs,
      retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times - 1, 16), max),
    };
  }

  private watchConnection(redis: Redis, source: string): void {
    let lost = false;
    redis.on('error', (err: unknown) => {
      lost = true;
      this.logConnectionError(source, err);
    });
    redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.lastErrorLog.delete(source);
      this.logger.info({ source }, 'Redis connection restored');
    });
  }

  private logConnectionError(source: string, err: unknown): void {
    if (this.state === State.Closing || this.state === State.Closed) return;
    const now = this.clock.now();
    const last = this.lastErrorLog.get(source);
    if (last !== undefined && now - last < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog.set(source, now);
    this.logger.warn({ source, redis: redactRedisUrl(this.options.url), err }, 'Redis connection error');
  }

  private async bounded<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${this.options.connectTimeoutMs} ms trying to ${what}`)), this.options.connectTimeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private asUnavailable(err: unknown, message: string): AutohealError {
    if (err instanceof AutohealError) return err;
    return new AutohealError(ErrorCode.QueueUnavailable, `${message}: ${describeError(err).message}`, {
      retryable: true,
      cause: err,
      details: { redis: redactRedisUrl(this.options.url) },
    });
  }

  private unavailable(message: string): AutohealError {
    return new AutohealError(ErrorCode.QueueUnavailable, message, { retryable: true, details: { state: this.state } });
  }
}

/**
 * The Redis key of the dedup marker of `dedupKey` in `ruleset`'s queue:
 * `<prefix>:ah-dedup:<queue name>:<base64url sha256 of the key>`. Its value is `p|<jobId>`
 * (pending) or `c|<jobId>` (confirmed); it expires after the dedup window. Deleting it lets the
 * next event with that key through (an operator's "forget this duplicate").
 */
export function dedupMarkerKey(prefix: string, ruleset: string, dedupKey: string): string {
  const digest = createHash('sha256').update(dedupKey, 'utf8').digest('base64url');
  return `${prefix}:ah-dedup:${rulesetQueueName(ruleset)}:${digest}`;
}

/** The value of a `CONFIG GET name` reply (`[name, value]`), or undefined when unknown. */
function configValue(reply: unknown): string | undefined {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}

function readProgress(progress: unknown): EventBatchProgress {
  if (typeof progress === 'object' && progress !== null) {
    const { done, failed } = progress as { done?: unknown; failed?: unknown };
    if (typeof done === 'number' && Number.isSafeInteger(done) && done >= 0 && Array.isArray(failed)) {
      return { done, failed: failed as FailedEvent[] };
    }
  }
  return { done: 0, failed: [] };
}
