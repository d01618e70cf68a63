/**
 * @module The running engine behind `autoheal run`: rulebook + vars → queue (Redis or memory)
 * → durable evaluator → actions, fed by one HTTP server per webhook source entry and by the
 * range/generic plugin sources.
 *
 * Stops by itself as upstream does (rulebook-language.md §4.1, §3.3): after a `shutdown` action,
 * or when a range/generic source ends (once the events it queued are evaluated, bounded by
 * `drainTimeoutMs`); a failing source stops it with exit code 1. `close()` stops sources first
 * (HTTP servers stop accepting), then the queue consumer (waiting for the event in progress,
 * bounded), then the stores.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ActionRequest } from '../actions/action-handler.js';
import type { AnsibleRunResult, ModuleRequest, PlaybookRequest } from '../actions/ansible/index.js';
import { AutohealError, ErrorCode, raceTimeout, systemClock, type Clock } from '../core/index.js';
import { createSourceServer, webhookSourceKind, type SourceServer } from '../http/index.js';
import { createEventQueue, type EventQueue, type QueuedEvent } from '../queue/index.js';
import type { FiredRule, PlannedAction, ShutdownRequest } from '../rules/engine/index.js';
import { loadRulebook, loadVars, renderSourceArgs, type Rulebook } from '../rules/rulebook/index.js';
import { DurableEvaluator, MemoryStateStore, RedisStateStore, type StateStore } from '../state/index.js';
import { SourceEndKind, type PluginSource } from '../sources/plugin-source.js';
import { readFile } from 'node:fs/promises';
import {
  ActionDispatcher,
  ActionRunner,
  MemoryActionQueue,
  MemoryCoordinationStore,
  RedisActionQueue,
  RedisCoordinationStore,
  type ActionQueue,
  type CoordinationStore,
  type Feedback,
  type OutcomeSink,
  matchedEventIds,
  plannedRequests,
  resolveDispatchPolicy,
  worstCaseMs,
} from '../actions/dispatch/index.js';
import { randomUUID } from 'node:crypto';
import { DecisionKind as HistoryDecision, MemoryOutcomeStore, RedisOutcomeStore, eventHost, summarizeEvent, type DecisionRecord, type EventRecord, type OutcomeStore } from '../outcomes/index.js';
import { decodeState, toDispatchRecord, type DispatchRecord } from '../state/index.js';
import { createActionHandlers, decisionId, INLINE_ACTIONS, outcomeSinkFor } from './action-handlers.js';
import { createActionRunner, type RunFiredRule } from './action-runner.js';
import { createConsoleActions, type ConsoleActions } from './console-actions.js';
import { TurnBufferedWriter } from './turn-buffered-writer.js';
import { loadEngineConfig, type EngineConfig } from './engine-config.js';
import { EngineMetrics } from '../metrics/index.js';
import { createApiServer, type ApiServer } from '../http/index.js';
import type { EnqueueBatch, EnqueueResult } from '../queue/index.js';
import type { CrossRulesetWork, DecisionKind, HeldDecision } from '../rules/engine/index.js';
import { resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './engine-options.js';
import { createPluginSourceEntry, pluginEmitter } from './plugin-source-entry.js';

/** setTimeout's largest delay; a later timer is re-armed when this one fires. */
const MAX_TIMER_MS = 2_147_483_647;
/** Engine actions that may target another ruleset (then delivered through its queue). */
const ENGINE_TO_OTHER_RULESET: ReadonlySet<string> = new Set(['set_fact', 'post_event', 'retract_fact']);

/** Why the engine stopped. Values appear in logs. */
export const EngineStopReason = {
  /** `close()` was called (SIGTERM/SIGINT). */
  Closed: 'closed',
  /** A rule ran the `shutdown` action. */
  Shutdown: 'shutdown',
  /** A range/generic source ran out of events. */
  SourceFinished: 'source_finished',
  /** A source failed while running; exit code 1, as upstream. */
  SourceFailed: 'source_failed',
} as const;
export type EngineStopReason = (typeof EngineStopReason)[keyof typeof EngineStopReason];

export interface EngineStop {
  readonly reason: EngineStopReason;
  /** 0, or 1 when a source failed. */
  readonly exitCode: 0 | 1;
}

/** Where one webhook source listens. */
export interface ListeningSource {
  readonly ruleset: string;
  readonly source: string;
  readonly host: string;
  readonly port: number;
}

export interface Engine {
  /** The webhook sources' bound addresses (the real port when the rulebook said 0). */
  readonly listening: readonly ListeningSource[];
  /** Settles once the engine has stopped and closed everything, by itself or through `close()`. */
  readonly stopped: Promise<EngineStop>;
  /** Stops sources, the queue consumer and the stores, bounded by `closeTimeoutMs`. Idempotent. */
  close(): Promise<void>;
  /** Where the operations API listens, when the config has an `api` section. */
  readonly apiAddress?: { readonly host: string; readonly port: number } | undefined;
}

/** Upstream's `--shutdown-delay` default: a graceful shutdown's wait for running actions. */
const DEFAULT_SHUTDOWN_DELAY_MS = 60_000;
/** How often a shutdown listed after remediation actions looks whether they have ended. */
const SHUTDOWN_WAIT_POLL_MS = 250;

/** How a shutdown action asked the engine to stop (see `shutdown()`). */
interface ShutdownPlan {
  /** How long running actions may go on once the shutdown takes effect, ms (`now`: 0). */
  readonly graceMs: number;
  /** Dispatch keys of the remediation actions listed before the shutdown in its rule. */
  readonly waitFor: readonly string[];
  /** Bound of that wait: the longest those actions can take (timeouts, retries, lock waits). */
  readonly waitBoundMs: number;
  /** Prints upstream's banner when the shutdown takes effect (when not printed at evaluation). */
  readonly banner?: () => void;
}

export interface EngineDeps {
  /** Structured logs (stderr in production). */
  readonly logger: Logger;
  /** Where print_event/debug write. Default process.stdout. */
  readonly stdout?: (text: string) => void;
  /** For `--env-vars` and `*_env` secrets. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly runPlaybook?: (request: PlaybookRequest) => Promise<AnsibleRunResult>;
  readonly runModule?: (request: ModuleRequest) => Promise<AnsibleRunResult>;
}

/**
 * Loads the rulebook, connects the queue and state store, starts consuming and starts every
 * source. Resolves once all sources run.
 * @throws RulebookError (`AH_RULEBOOK_INVALID`, `AH_SOURCE_CONFIG_INVALID`) with file:line:col
 *   problems; AutohealError `AH_USAGE` (bad options), `AH_VARS_*`, `AH_HTTP_LISTEN_FAILED` (port
 *   in use), `AH_QUEUE_UNAVAILABLE` (Redis unreachable). Whatever had started is closed first.
 */
export async function startEngine(options: EngineOptions, deps: EngineDeps): Promise<Engine> {
  const resolved = resolveEngineOptions(options);
  const env = deps.env ?? process.env;
  const vars = await loadVars({ varsFiles: resolved.varsFiles, envVars: resolved.envVars, env });
  // Source arguments may use the variables too (`port: "{{ webhook_port }}"`), as upstream.
  const rulebook = renderSourceArgs(await loadRulebook(resolved.rulebook, { vars }), vars);
  const engine = new RunningEngine(rulebook, vars, resolved, deps);
  try {
    await engine.start();
  } catch (err) {
    await engine.close();
    throw err;
  }
  return engine;
}

class RunningEngine implements Engine {
  readonly listening: ListeningSource[] = [];
  readonly stopped: Promise<EngineStop>;
  private resolveStopped!: (stop: EngineStop) => void;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly queue: EventQueue;
  private readonly store: StateStore;
  private evaluator: DurableEvaluator | undefined;
  private readonly servers: SourceServer[] = [];
  private readonly plugins: PluginSource[] = [];
  private readonly actionsAbort = new AbortController();
  /** How a shutdown action asked the engine to stop; undefined for any other stop. */
  private shutdownPlan: ShutdownPlan | undefined;
  /** Aborted by a second close(): ends a shutdown action's wait for the actions before it. */
  private readonly shutdownWait = new AbortController();
  private readonly runFired: RunFiredRule;
  /** Set up in start(): history, action coordination, action queue and dispatcher. */
  private outcomes: OutcomeStore | undefined;
  private coordination: CoordinationStore | undefined;
  private actionQueue: ActionQueue | undefined;
  private dispatcher: ActionDispatcher | undefined;
  private config: EngineConfig | undefined;
  readonly metrics = new EngineMetrics();
  private api: ApiServer | undefined;
  /** The operations API's bound address (`api` config section), for tests and logs. */
  apiAddress: { host: string; port: number } | undefined;
  /** Serialises every call into the evaluator (events of all rulesets, timers). */
  private evaluation: Promise<void> = Promise.resolve();
  /** Per ruleset, the tail of its action chain: a ruleset's actions run one at a time, in order. */
  private readonly actionChains = new Map<string, Promise<void>>();
  /** Ids queued by plugin sources and not yet evaluated, for draining before a source-end stop. */
  private readonly outstanding = new Set<string>();
  private drainWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopReason: EngineStop | undefined;
  private closing: Promise<void> | undefined;
  /** print_event / debug / shutdown banners: one write per turn of the event loop. */
  private readonly console: TurnBufferedWriter;
  /** Their text, the same for rules run inline and on action workers. */
  private readonly consoleActions: ConsoleActions;
  private readonly consoleWrite = (text: string): void => this.console.write(text);
  /** False while starting: a failed start closes quietly, its error says what happened. */
  private started = false;

  constructor(
    private readonly rulebook: Rulebook,
    private readonly vars: Readonly<Record<string, unknown>>,
    private readonly options: ResolvedEngineOptions,
    private readonly deps: EngineDeps,
  ) {
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    this.log = deps.logger;
    this.clock = deps.clock ?? systemClock;
    this.queue = createEventQueue(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }, { logger: this.log, clock: this.clock });
    this.store = options.redisUrl === undefined ? new MemoryStateStore() : new RedisStateStore({ url: options.redisUrl });
    const stdout = deps.stdout ?? ((text: string) => process.stdout.write(text));
    this.console = new TurnBufferedWriter(stdout);
    this.consoleActions = createConsoleActions({ vars, rulebook, clock: this.clock, ...(options.inventory !== undefined ? { inventory: options.inventory } : {}) });
    this.runFired = createActionRunner({ logger: this.log, stdout: this.consoleWrite, vars, rulebook, console: this.consoleActions });
  }

  async start(): Promise<void> {
    const { rulebook, log } = this;
    // Build every source before connecting anything, so a bad source fails fast and alone.
    const plugins = rulebook.rulesets.flatMap((rs) =>
      rs.sources
        .filter((s) => webhookSourceKind(s) === undefined)
        // Throws, positioned, for a plugin `autoheal run` cannot start (kafka, icinga, …).
        .map((source) => ({ ruleset: rs.name, source, ...createPluginSourceEntry(source, log, rs.name, this.deps.env ?? process.env) })),
    );

    const info = await this.queue.start();
    if (info !== undefined && !info.durable) {
      log.warn({ queue: 'memory', state: 'memory' }, 'events and state are not durable: they are lost when the process stops (set --redis-url for durability)');
    } else {
      log.info({ queue: 'redis', state: 'redis' }, 'event queue and state store connected');
    }
    await this.startActions();
    if (this.store instanceof RedisStateStore) {
      try {
        await this.store.connect();
      } catch (err) {
        throw new AutohealError(ErrorCode.QueueUnavailable, 'could not connect the state store to Redis', { cause: err, retryable: true });
      }
    }
    this.evaluator = await DurableEvaluator.open(rulebook, {
      store: this.store,
      clock: this.clock,
      vars: this.vars,
      deferCrossRuleset: true,
      dispatchable: (action) => !INLINE_ACTIONS.has(action),
    });
    // Actions a crash left in the outbox (evaluated, not yet dispatched) go out first.
    await this.drainOutbox();
    await this.queue.consume(
      rulebook.rulesets.map((rs) => rs.name),
      { batch: (ruleset, events) => this.handle(ruleset, events) },
    );
    this.armTimer();

    for (const rs of rulebook.rulesets) {
      for (const source of rs.sources) {
        if (webhookSourceKind(source) === undefined) continue;
        const server = createSourceServer({ source, ruleset: rs.name, queue: this.countingQueue(), logger: log, env: this.deps.env ?? process.env, clock: this.clock });
        server.app.addHook('onResponse', async (_request, reply) => {
          this.metrics.webhookRequest(source.name, reply.statusCode);
        });
        this.servers.push(server);
        const address = await server.start();
        this.listening.push({ ruleset: rs.name, source: source.name, host: address.host, port: address.port });
      }
    }
    for (const entry of plugins) {
      this.plugins.push(entry.plugin);
      void entry.plugin.done.then((end) => {
        if (end.kind === SourceEndKind.Finished) {
          log.info({ ruleset: entry.ruleset, source: entry.source.name }, 'source finished');
          void this.drainThenStop({ reason: EngineStopReason.SourceFinished, exitCode: 0 });
        } else if (end.kind === SourceEndKind.Failed) {
          log.error({ ruleset: entry.ruleset, source: entry.source.name, err: end.error }, 'source failed');
          this.requestStop({ reason: EngineStopReason.SourceFailed, exitCode: 1 });
        }
      });
      await entry.plugin.start(
        pluginEmitter({
          queue: this.queue,
          ruleset: entry.ruleset,
          source: entry.source,
          filters: entry.filters,
          clock: this.clock,
          onQueued: (ids) => {
            for (const id of ids) this.outstanding.add(id);
          },
        }),
      );
      log.info({ ruleset: entry.ruleset, source: entry.source.name, plugin: entry.source.plugin }, 'source started');
    }
    await this.startApi();
    this.started = true;
    log.info({ rulebook: rulebook.file, rulesets: rulebook.rulesets.length }, 'engine started');
  }

  close(): Promise<void> {
    // Asked again while a shutdown action waits for the actions before it (an operator's
    // SIGTERM): stop waiting, stop now.
    if (this.closing !== undefined) this.shutdownWait.abort();
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * History, coordination, the action queue and its workers. With Redis every part is shared by
   * all processes; without, they live in this process (the history can still go to a file).
   */
  private async startActions(): Promise<void> {
    const env = this.deps.env ?? process.env;
    const config = await loadEngineConfig(this.options.configFile, { env, readFile: (path) => readFile(path, 'utf8') });
    this.config = config;
    const redisUrl = this.options.redisUrl;
    const retention = {
      ...(config.history.maxAgeMs !== undefined ? { maxAgeMs: config.history.maxAgeMs } : {}),
      ...(config.history.maxCount !== undefined ? { maxCount: config.history.maxCount } : {}),
    };
    const historyFile = this.options.historyFile ?? config.history.file;
    this.outcomes =
      redisUrl !== undefined
        ? new RedisOutcomeStore({ url: redisUrl, retention }, { clock: this.clock })
        : new MemoryOutcomeStore({ retention, ...(historyFile !== undefined ? { file: historyFile } : {}) }, { clock: this.clock });
    await this.outcomes.start();
    this.coordination = redisUrl !== undefined ? new RedisCoordinationStore({ url: redisUrl }) : new MemoryCoordinationStore(this.clock);
    this.actionQueue = redisUrl !== undefined ? new RedisActionQueue({ url: redisUrl }) : new MemoryActionQueue();
    const sink = this.measured(outcomeSinkFor(this.outcomes));
    const handlers = createActionHandlers({
      config,
      projectDir: this.options.projectDir,
      ...(this.options.inventory !== undefined ? { inventory: this.options.inventory } : {}),
      stdout: this.consoleWrite,
      console: this.consoleActions,
      clock: this.clock,
      ...(this.deps.runPlaybook ? { runPlaybook: this.deps.runPlaybook } : {}),
      ...(this.deps.runModule ? { runModule: this.deps.runModule } : {}),
    });
    const runner = new ActionRunner({
      handlers,
      coordination: this.coordination,
      outcomes: sink,
      clock: this.clock,
      logger: this.log,
      vars: this.vars,
      signal: this.actionsAbort.signal,
      feedback: (item) => this.feedBack(item),
    });
    this.dispatcher = new ActionDispatcher({ queue: this.actionQueue, runner, outcomes: sink, logger: this.log, now: () => this.clock.now() });
    await this.dispatcher.start(config.actionConcurrency);
    this.log.info({ actions: [...handlers.keys()].sort(), concurrency: config.actionConcurrency, history: redisUrl !== undefined ? 'redis' : (historyFile ?? 'memory') }, 'action workers started');
  }

  /** The event queue as webhook sources see it, counting what they queue and what was a duplicate. */
  private countingQueue(): EventQueue {
    const queue = this.queue;
    const metrics = this.metrics;
    // History: a duplicate delivery is a decision too ("why didn't it run again?").
    const recordDuplicate = async (ruleset: string, e: QueuedEvent): Promise<void> => {
      try {
        await this.outcomes?.recordDecision({
          decisionId: decisionId(e.id, ruleset, '(intake)'),
          eventId: e.id,
          ruleset,
          rule: '(intake)',
          kind: HistoryDecision.Deduplicated,
          reason: `duplicate of an event already queued (dedup key ${e.dedupKey ?? 'unknown'})`,
          at: this.clock.now(),
          matchedEventIds: [e.id],
        });
      } catch (err) {
        this.log.warn({ err, ruleset }, 'could not record history');
      }
    };
    return new Proxy(queue, {
      get(target, prop, receiver) {
        if (prop !== 'enqueue') return Reflect.get(target, prop, receiver) as unknown;
        return async (batches: readonly EnqueueBatch[]): Promise<EnqueueResult> => {
          const result = await target.enqueue(batches);
          const queued = new Set(result.queued);
          const duplicates = new Set(result.duplicates);
          for (const batch of batches) {
            for (const e of batch.events) {
              if (queued.has(e.id)) metrics.eventReceived(batch.ruleset, e.source);
              else if (duplicates.has(e.id)) {
                metrics.eventDeduplicated(batch.ruleset, e.source);
                void recordDuplicate(batch.ruleset, e);
              }
            }
          }
          return result;
        };
      },
    });
  }

  /** Adds action metrics (outcome counts, durations, breaker trips) to the history sink. */
  private measured(sink: OutcomeSink): OutcomeSink {
    const firstStart = new Map<string, number>();
    return {
      attemptStarted: async (request, attempt, at) => {
        if (!firstStart.has(request.dispatchKey)) firstStart.set(request.dispatchKey, at);
        await sink.attemptStarted(request, attempt, at);
      },
      attemptFinished: (request, attempt, result, startedAt, finishedAt) => sink.attemptFinished(request, attempt, result, startedAt, finishedAt),
      actionFinished: async (request, status, summary, at) => {
        const started = firstStart.get(request.dispatchKey);
        firstStart.delete(request.dispatchKey);
        this.metrics.actionFinished(request.action, status, started === undefined ? undefined : at - started);
        if (status === 'skipped' && summary.startsWith('circuit breaker open')) this.metrics.circuitBreakerOpened(request.rule);
        await sink.actionFinished(request, status, summary, at);
      },
    };
  }

  /** The operations API (`api` config section): metrics, health, readiness, outcomes. */
  private async startApi(): Promise<void> {
    const api = this.config?.api;
    const rulesets = this.rulebook.rulesets.map((rs) => rs.name);
    this.metrics.watchQueueDepths(async () => {
      const depths: Record<string, number> = {};
      for (const name of rulesets) depths[`events:${name}`] = await this.queue.depth(name);
      if (this.actionQueue !== undefined) depths.actions = await this.actionQueue.depth();
      return depths;
    });
    if (api === undefined) return;
    if (api.literalToken) this.log.warn({}, 'the API token is written in the config file; prefer token_env or token_file');
    this.api = createApiServer({
      host: api.host,
      port: api.port,
      metrics: this.metrics,
      ...(this.outcomes !== undefined ? { outcomes: this.outcomes } : {}),
      ...(api.token !== undefined ? { token: api.token } : {}),
      metricsAuth: api.metricsAuth,
      logger: this.log,
      clock: this.clock,
      readiness: [
        { name: 'event-queue', check: async () => ({ ok: (await this.queue.depth(rulesets[0] ?? '')) >= 0 }) },
        { name: 'action-queue', check: async () => ({ ok: this.actionQueue === undefined || (await this.actionQueue.depth()) >= 0 }) },
        { name: 'engine', check: async () => (this.stopReason === undefined ? { ok: true } : { ok: false, detail: 'stopping' }) },
      ],
    });
    this.apiAddress = await this.api.start();
    this.log.info({ host: this.apiAddress.host, port: this.apiAddress.port }, 'api listening');
  }

  /**
   * `set_facts` / `post_events`: an action's artifacts go onto the target ruleset's queue (as a
   * fact or an event), so they are evaluated in order with everything else, on whichever process
   * holds that ruleset. The dedup key ties them to the action, so a retry does not repeat them.
   */
  private async feedBack(item: Feedback): Promise<void> {
    if (!this.rulebook.rulesets.some((rs) => rs.name === item.ruleset)) {
      this.log.warn({ ruleset: item.ruleset, dispatchKey: item.request.dispatchKey }, 'artifacts for an unknown ruleset dropped');
      return;
    }
    const id = randomUUID();
    const now = this.clock.now();
    const meta = { source: { name: item.request.action, type: 'internal' }, received_at: new Date(now).toISOString(), uuid: id };
    const event = { ...item.data, meta: { ...meta, ...(typeof item.data.meta === 'object' && item.data.meta !== null ? (item.data.meta as object) : {}) } };
    await this.queue.enqueue([
      { ruleset: item.ruleset, events: [{ id, source: item.request.action, event, receivedAt: now, dedupKey: `${item.request.dispatchKey}:${item.kind}`, ...(item.kind === 'fact' ? { kind: 'fact' as const } : {}) }] },
    ]);
  }

  /**
   * `post_event` / `set_fact` / `retract_fact` aimed at another ruleset go through its queue, so
   * only the process that owns that ruleset changes its memory. The key makes a replay of the
   * outbox (after a crash) a duplicate, not a second delivery.
   */
  private async sendCrossRuleset(items: ReadonlyArray<{ cross: CrossRulesetWork; key: string }>): Promise<void> {
    if (items.length === 0) return;
    const now = this.clock.now();
    await this.queue.enqueue(
      items.map(({ cross, key }) => {
        const id = randomUUID();
        const event = cross.kind === 'retract' ? { fact: cross.data, partial: cross.partial !== false } : cross.data;
        const kind = cross.kind === 'event' ? {} : { kind: cross.kind };
        return { ruleset: cross.ruleset, events: [{ id, source: `${cross.from.ruleset}::${cross.from.rule}`, event, receivedAt: now, dedupKey: `cross:${key}`, ...kind }] };
      }),
    );
  }

  /** Moves what the evaluator put in the outbox onto the action queue, then removes it. */
  private async drainOutbox(): Promise<void> {
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) return;
    for (;;) {
      const entries = await this.store.peekOutbox(500);
      if (entries.length === 0) return;
      const decoded = entries.map((e) => decodeState<DispatchRecord | { cross: CrossRulesetWork; key: string }>(e));
      const cross = decoded.filter((d): d is { cross: CrossRulesetWork; key: string } => 'cross' in d);
      const records = decoded.filter((d): d is DispatchRecord => !('cross' in d)).filter((r) => r.actions.some((a) => !INLINE_ACTIONS.has(a.action)));
      await this.sendCrossRuleset(cross);
      await dispatcher.dispatch(records);
      await this.store.ackOutbox(entries);
      if (entries.length < 500) return;
    }
  }

  /** Background writes (history) still running; awaited, bounded, before the stores close. */
  private readonly pending = new Set<Promise<void>>();

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /**
   * History: the events, and what each rule decided about them, in one write per batch. Never
   * fails the evaluation.
   */
  private async recordHistory(ruleset: string, evaluated: ReadonlyArray<{ queued?: QueuedEvent; fired: readonly FiredRule[]; held: readonly HeldDecision[] }>): Promise<void> {
    const events: EventRecord[] = [];
    const decisions: DecisionRecord[] = [];
    const at = this.clock.now();
    for (const { queued, fired, held } of evaluated) {
      for (const f of fired) this.metrics.ruleMatched(f.ruleset, f.rule);
      for (const h of held) this.metrics.ruleDecision(ruleset, h.rule, h.kind as DecisionKind);
      if (queued !== undefined) {
        const host = eventHost(queued.event);
        events.push({ eventId: queued.id, ruleset, source: queued.source, receivedAt: queued.receivedAt, summary: summarizeEvent(queued.source, queued.event), ...(host !== undefined ? { host } : {}) });
      }
      const eventId = queued !== undefined ? { eventId: queued.id } : {};
      for (const f of fired) {
        const ids = Object.values(f.bindings).map((d) => (d.meta as { uuid?: unknown } | undefined)?.uuid).filter((u): u is string => typeof u === 'string');
        decisions.push({ decisionId: decisionId(ids.join(',') || queued?.id, f.ruleset, f.rule), ...eventId, ruleset: f.ruleset, rule: f.rule, kind: HistoryDecision.Fired, at, matchedEventIds: ids });
      }
      for (const h of held) {
        const kind = h.kind === 'throttled' ? HistoryDecision.Throttled : HistoryDecision.Skipped;
        decisions.push({ decisionId: decisionId(queued?.id, ruleset, h.rule), ...eventId, ruleset, rule: h.rule, kind, reason: `${h.kind}: ${h.reason}`, at, matchedEventIds: queued !== undefined ? [queued.id] : [] });
      }
    }
    try {
      await this.outcomes?.recordEvaluations(events, decisions);
    } catch (err) {
      this.log.warn({ err, ruleset }, 'could not record history');
    }
  }

  /**
   * The queue's consumer: evaluates consecutive events of a ruleset (a webhook's alerts) and
   * commits them together, then runs what fired, in order. Resolves how many were done.
   */
  private async handle(ruleset: string, batch: readonly QueuedEvent[]): Promise<number> {
    const evaluator = this.evaluator;
    if (evaluator === undefined || this.stopReason !== undefined) {
      // Leave the events to the queue (redelivered after a restart with a durable queue).
      throw new AutohealError(ErrorCode.QueueUnavailable, 'the engine is stopping', { retryable: true });
    }
    const result = await this.exclusive(() => evaluator.applyBatch(ruleset, batch));
    const fired = result.applied.flatMap((a) => a.fired);
    if (this.log.isLevelEnabled('debug')) {
      for (const a of result.applied) this.log.debug({ ruleset, eventId: a.id, fired: a.fired.length }, 'event evaluated');
      if (result.skipped > 0) this.log.debug({ ruleset, skipped: result.skipped }, 'redelivered events already evaluated');
    }
    // Committed: from here on nothing may throw, or the queue would hand these events over
    // again one by one, and the evaluator only recognises a redelivery of its last commit.
    try {
      // History is written alongside, not in the way: the next batch need not wait for it (it
      // is not the source of truth; a failure is logged), and consecutive writes pipeline on Redis.
      if (result.applied.length > 0) {
        const byId = new Map(batch.map((q) => [q.id, q]));
        this.track(this.recordHistory(ruleset, result.applied.map((a) => ({ queued: byId.get(a.id), fired: a.fired, held: a.held }))));
      }
      await this.dispatch(fired);
    } catch (err) {
      this.log.error({ err, ruleset }, 'running the actions of evaluated events failed');
    }
    for (let i = 0; i < result.done; i++) this.markDone((batch[i] as QueuedEvent).id);
    this.armTimer();
    this.checkShutdown(result.applied);
    return result.done;
  }

  private async onTimer(): Promise<void> {
    const evaluator = this.evaluator;
    if (evaluator === undefined || this.stopReason !== undefined) return;
    let fired: readonly FiredRule[] = [];
    try {
      const result = await this.exclusive(() => evaluator.advanceTime());
      fired = result.fired;
      this.track(this.recordHistory('', [{ fired: result.fired, held: [] }]));
      await this.dispatch(result.fired);
    } catch (err) {
      this.log.error({ err }, 'timer evaluation failed');
    }
    this.armTimer();
    this.checkShutdown([{ fired }]);
  }

  /** Arms one real timer for the evaluator's next due time (once_after, not_all, expiry). */
  private armTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.evaluator?.nextTimerAt();
    if (next === undefined || this.stopReason !== undefined) return;
    const wait = Math.min(Math.max(0, next - this.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.onTimer(), wait);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.evaluation.then(fn, fn);
    // Settle to undefined, not to the result: the chain would otherwise hold the last batch's
    // events and matches (a heap snapshot under load found them) until the next batch.
    this.evaluation = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Rules whose actions are all console or engine actions run here, in order per ruleset (as
   * upstream prints them); a rule with any other action goes, whole and in order, through the
   * durable dispatcher from the outbox the evaluator wrote in the same transaction as its state.
   */
  private async dispatch(fired: readonly FiredRule[]): Promise<void> {
    if (fired.length === 0) return;
    const tails: Promise<void>[] = [];
    for (const f of fired) {
      if (!f.actions.every((a) => INLINE_ACTIONS.has(a.action))) {
        // Its actions are logged as they start and finish, by whichever process runs them.
        this.log.info({ ruleset: f.ruleset, rule: f.rule, trigger: f.trigger, actions: f.actions.map((a) => a.action), eventIds: matchedEventIds(f) }, 'rule fired');
        // The engine applied the shutdown already; its banner is printed here, as upstream does,
        // unless dispatched actions come before it: then when it takes effect, after them.
        f.actions.forEach((a, index) => {
          if (a.action === 'shutdown' && dispatchedBefore(f, index, undefined).length === 0) this.printShutdownBanner(f, a);
        });
        continue;
      }
      const tail = (this.actionChains.get(f.ruleset) ?? Promise.resolve()).then(() => this.runFired(f));
      this.actionChains.set(f.ruleset, tail);
      tails.push(tail);
    }
    const crossRuleset = (f: FiredRule): boolean =>
      f.actions.some((a) => ENGINE_TO_OTHER_RULESET.has(a.action) && typeof a.args?.ruleset === 'string' && a.args.ruleset !== f.ruleset);
    if (fired.every((f) => f.actions.every((a) => INLINE_ACTIONS.has(a.action)) && !crossRuleset(f))) {
      // Console-only rules never reach the outbox: nothing to dispatch.
      await Promise.all(tails);
      return;
    }
    try {
      await this.drainOutbox();
    } catch (err) {
      // The entries stay in the outbox: the next event, or a restart, dispatches them.
      this.log.error({ err }, 'could not dispatch actions; they stay in the outbox');
    }
    await Promise.all(tails);
  }

  private checkShutdown(applied: ReadonlyArray<{ readonly id?: string; readonly fired: readonly FiredRule[] }>): void {
    const request = this.evaluator?.inner.shutdownRequested;
    if (request === undefined || this.stopReason !== undefined) return;
    const earlier = this.actionsBeforeShutdown(request, applied);
    // Upstream: `now` cancels running actions at once; `graceful` lets them finish for up to
    // `delay` seconds (default: its --shutdown-delay), then cancels them.
    const graceMs = request.kind === 'now' ? 0 : request.delay !== undefined ? Math.max(0, Math.round(request.delay * 1000)) : DEFAULT_SHUTDOWN_DELAY_MS;
    this.shutdownPlan = { graceMs, ...earlier };
    const waits = earlier.waitFor.length > 0 ? { waitsFor: earlier.waitFor, waitBoundMs: earlier.waitBoundMs } : {};
    this.log.info({ ruleset: request.ruleset, rule: request.rule, kind: request.kind, delay: request.delay, ...waits }, 'shutdown requested');
    this.requestStop({ reason: EngineStopReason.Shutdown, exitCode: 0 });
  }

  /**
   * The dispatched actions listed before the shutdown in the rule that requested it. Upstream
   * runs a rule's actions in order, so its shutdown takes effect once they have ended; they may
   * run in any process, so they are recognised by their dispatch keys' completion markers.
   */
  private actionsBeforeShutdown(
    request: ShutdownRequest,
    applied: ReadonlyArray<{ readonly id?: string; readonly fired: readonly FiredRule[] }>,
  ): Pick<ShutdownPlan, 'waitFor' | 'waitBoundMs' | 'banner'> {
    for (const item of applied) {
      for (const f of item.fired) {
        const at = f.actions.findIndex((a) => a.action === 'shutdown');
        if (f.ruleset !== request.ruleset || f.rule !== request.rule || at < 0) continue;
        const before = dispatchedBefore(f, at, item.id);
        if (before.length === 0) return { waitFor: [], waitBoundMs: 0 };
        let waitBoundMs = 0;
        for (const r of before) {
          try {
            waitBoundMs += worstCaseMs(resolveDispatchPolicy(r));
          } catch {
            // Arguments the dispatcher refuses: that action fails at once, nothing to wait for.
          }
        }
        const shutdown = f.actions[at] as PlannedAction;
        return { waitFor: before.map((r) => r.dispatchKey), waitBoundMs, banner: () => this.printShutdownBanner(f, shutdown) };
      }
    }
    return { waitFor: [], waitBoundMs: 0 };
  }

  /** Upstream's `shutdown` banner on stdout. */
  private printShutdownBanner(f: FiredRule, action: PlannedAction): void {
    if (action.args !== undefined) this.consoleWrite(this.consoleActions.shutdown(f, action.args));
  }

  /** Resolves once every action in `keys` has ended, `boundMs` passed, or a second close() came. */
  private async waitForActions(keys: readonly string[], boundMs: number, log: Logger): Promise<void> {
    const coordination = this.coordination;
    if (coordination === undefined) return;
    const until = this.clock.now() + boundMs;
    const signal = this.shutdownWait.signal;
    let pending = [...keys];
    while (pending.length > 0 && !signal.aborted) {
      try {
        const done = await Promise.all(pending.map((key) => coordination.isComplete(key)));
        pending = pending.filter((_, i) => !done[i]);
      } catch (err) {
        log.warn({ err }, 'could not read whether the actions before the shutdown ended');
      }
      if (pending.length === 0) return;
      if (this.clock.now() >= until) {
        log.warn({ pending, boundMs }, 'the actions before the shutdown did not end within their own bounds; shutting down');
        return;
      }
      await delay(SHUTDOWN_WAIT_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
    if (signal.aborted) log.warn({ pending }, 'stop requested again: no longer waiting for the actions before the shutdown');
  }

  private markDone(id: string): void {
    if (!this.outstanding.delete(id) || this.outstanding.size > 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits (bounded) until every event queued by plugin sources so far is evaluated, then stops. */
  private async drainThenStop(stop: EngineStop): Promise<void> {
    if (this.outstanding.size > 0) {
      const drained = new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      const abort = new AbortController();
      const timedOut = await Promise.race([drained.then(() => false), delay(this.options.drainTimeoutMs, true, { signal: abort.signal }).catch(() => false)]);
      abort.abort();
      if (timedOut) this.log.warn({ pending: this.outstanding.size, timeoutMs: this.options.drainTimeoutMs }, 'events still queued at source end');
    }
    this.requestStop(stop);
  }

  /** Stops the engine from inside (a handler or a source): closing must not wait on the caller. */
  private requestStop(stop: EngineStop): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = stop;
    setImmediate(() => void this.close());
  }

  private async shutdown(): Promise<void> {
    this.stopReason ??= { reason: EngineStopReason.Closed, exitCode: 0 };
    const log = this.started ? this.log : this.log.child({}, { level: 'warn' });
    let deadline = this.clock.now() + this.options.closeTimeoutMs;
    const left = (): number => Math.max(1, deadline - this.clock.now());
    log.info({ reason: this.stopReason.reason }, 'engine stopping');
    if (this.timer !== undefined) clearTimeout(this.timer);
    // HTTP servers first: senders get 503 and retry elsewhere or later; probes see us go.
    if (this.api !== undefined) await bounded(this.api.close(), left(), 'close api', log);
    await bounded(Promise.all(this.servers.map((s) => s.close())), left(), 'close sources', log);
    await bounded(Promise.all(this.plugins.map((p) => p.close())), left(), 'close plugin sources', log);
    // No more evaluation: the event in progress finishes (its console actions run inline).
    await bounded(this.queue.close(), left(), 'close event queue', log);
    await bounded(Promise.all([...this.actionChains.values()]), left(), 'finish console actions', log);
    // Running remediations: a shutdown action first waits for the actions listed before it in
    // its rule, then gives running actions its grace (now: none; graceful: its delay); any other
    // stop gives them what is left of the close budget. Then they are cancelled (process groups
    // killed) and the rest of the close gets a budget of its own.
    const plan = this.shutdownPlan;
    if (plan !== undefined && plan.waitFor.length > 0) {
      log.info({ actions: plan.waitFor.length, boundMs: plan.waitBoundMs }, 'shutdown waits for the actions listed before it');
      await this.waitForActions(plan.waitFor, plan.waitBoundMs, log);
    }
    plan?.banner?.();
    const graceMs = plan?.graceMs ?? left();
    const closing = this.actionQueue?.close() ?? Promise.resolve();
    if (!(await raceTimeout(closing, graceMs, this.shutdownWait.signal))) log.info({ graceMs }, 'cancelling running actions');
    this.actionsAbort.abort();
    deadline = this.clock.now() + this.options.closeTimeoutMs;
    await bounded(closing, left(), 'close action queue', log);
    if (this.coordination !== undefined) await bounded(this.coordination.close(), left(), 'close coordination store', log);
    await bounded(Promise.all([...this.pending]), left(), 'finish history writes', log);
    if (this.outcomes !== undefined) await bounded(this.outcomes.close(), left(), 'close history', log);
    await bounded(this.store.close(), left(), 'close state store', log);
    this.console.flush();
    log.info({ reason: this.stopReason.reason, exitCode: this.stopReason.exitCode }, 'engine stopped');
    this.resolveStopped(this.stopReason);
  }
}

/**
 * The requests of the actions the dispatcher runs for rule match `f` listed before position
 * `at`, as it queues them from the outbox record (`eventId`: the queued event's id, undefined
 * for a timer). None for a rule whose actions all run inline: it is never dispatched.
 */
function dispatchedBefore(f: FiredRule, at: number, eventId: string | undefined): ActionRequest[] {
  if (f.actions.every((a) => INLINE_ACTIONS.has(a.action))) return [];
  return plannedRequests(toDispatchRecord(f, eventId))
    .filter(({ index, error }) => index < at && error === undefined)
    .map(({ request }) => request);
}

/** Awaits `work` for at most `ms`; a timeout or failure is logged, never thrown. */
async function bounded(work: Promise<unknown>, ms: number, step: string, log: Logger): Promise<void> {
  const abort = new AbortController();
  try {
    const timedOut = await Promise.race([work.then(() => false), delay(ms, true, { signal: abort.signal })]);
    if (timedOut) log.warn({ step, timeoutMs: ms }, 'shutdown step timed out');
  } catch (err) {
    log.warn({ step, err }, 'shutdown step failed');
  } finally {
    abort.abort();
  }
}
