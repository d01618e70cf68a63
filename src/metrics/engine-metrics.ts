/**
 * @module The engine's Prometheus metrics (what-users-ask.md row 4): per-rule match and decision
 * counts, action outcomes and latency, queue depth, dedup hits. One `EngineMetrics` owns its own
 * prom-client `Registry` (never the global default one), so several engines in one process (tests,
 * embedded use) never clash over metric names. Callers record through the typed methods below
 * and never touch prom-client; `GET /metrics` of the API server renders `metrics()`.
 *
 * | Metric | Type | Labels | Meaning |
 * |---|---|---|---|
 * | `autoheal_events_received_total` | counter | `ruleset`, `source` | Events a source accepted and queued for a ruleset (after filters, duplicates excluded). |
 * | `autoheal_events_deduplicated_total` | counter | `ruleset`, `source` | Events dropped because their dedup key was already queued (e.g. Alertmanager resending a group). |
 * | `autoheal_webhook_requests_total` | counter | `source`, `status` | Webhook HTTP requests answered, by HTTP status code (`202`, `401`, `503`, …). |
 * | `autoheal_rule_matches_total` | counter | `ruleset`, `rule` | Times a rule's condition matched and the rule fired. |
 * | `autoheal_rule_decisions_total` | counter | `ruleset`, `rule`, `decision` | A rule matched without firing, or its waiting state ran out: `throttled` (`once_within`), `accumulating` (`accumulate_within`), `collecting` (`once_after`), `watching` (`not_all`), `expired`. |
 * | `autoheal_actions_total` | counter | `action`, `status` | Actions that ended, by outcome: `succeeded`, `failed`, `timed_out`, `interrupted`, `skipped`. |
 * | `autoheal_action_duration_seconds` | histogram | `action` | Wall time of action runs that ended (buckets 0.5 s … 1 h). |
 * | `autoheal_queue_depth` | gauge | `queue` | Jobs waiting in each queue, asked from the queues at scrape time (absent when they cannot answer). |
 * | `autoheal_circuit_breaker_open_total` | counter | `rule` | Times a rule's circuit breaker opened (tripped) and stopped its remediations. |
 * | `process_*`, `nodejs_*` | various | — | prom-client's default process metrics (CPU, memory, event loop lag, GC, handles). |
 *
 * Label values are names from rulebooks and the engine config (bounded sets), never event
 * fields such as hosts, so series counts stay bounded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutcomeStatus } from '../actions/action-handler.js';
import { AutohealError, ErrorCode } from '../core/index.js';

/**
 * Why a rule matched without firing (or dropped waiting state). Same values as the rules
 * engine's `DecisionKind` (src/rules/engine/ruleset-session.ts); a test keeps them in sync.
 */
export const RuleDecision = {
  Throttled: 'throttled',
  Accumulating: 'accumulating',
  Collecting: 'collecting',
  Watching: 'watching',
  Expired: 'expired',
} as const;
export type RuleDecision = (typeof RuleDecision)[keyof typeof RuleDecision];

/**
 * Buckets of `autoheal_action_duration_seconds`: remediations run from a second (an API call) to
 * an hour (a long playbook), so the buckets span that range roughly logarithmically.
 */
export const ACTION_DURATION_BUCKETS_SECONDS: readonly number[] = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** Default bound of one queue-depth question at scrape time, in ms. */
export const DEFAULT_QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/** Answers how many jobs wait in each queue, keyed by queue name. */
export type QueueDepthProvider = () => Promise<Readonly<Record<string, number>>>;

export interface EngineMetricsOptions {
  /** Register prom-client's default process metrics. Default true. */
  readonly defaultMetrics?: boolean;
  /** Bound of the queue-depth question at scrape time, ms. Default 2 000. */
  readonly queueDepthTimeoutMs?: number;
  /**
   * Called when the queue-depth question fails or times out (the scrape still succeeds, without
   * `autoheal_queue_depth`). Default: ignore. Typically logs at warn.
   */
  readonly onCollectError?: (err: unknown) => void;
}

/** The metrics of one engine, in their own registry. */
export class EngineMetrics {
  /** The registry: exposed for tests and for adding metrics of other parts. */
  readonly registry: Registry;
  private readonly eventsReceived: Counter<'ruleset' | 'source'>;
  private readonly eventsDeduplicated: Counter<'ruleset' | 'source'>;
  private readonly webhookRequests: Counter<'source' | 'status'>;
  private readonly ruleMatches: Counter<'ruleset' | 'rule'>;
  private readonly ruleDecisions: Counter<'ruleset' | 'rule' | 'decision'>;
  private readonly actions: Counter<'action' | 'status'>;
  private readonly actionDuration: Histogram<'action'>;
  private readonly circuitBreakerOpen: Counter<'rule'>;
  private queueDepths: QueueDepthProvider | undefined;

  constructor(options: EngineMetricsOptions = {}) {
    const timeoutMs = options.queueDepthTimeoutMs ?? DEFAULT_QUEUE_DEPTH_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new AutohealError(ErrorCode.ApiConfigInvalid, `metrics: queueDepthTimeoutMs must be a positive integer (ms), got ${timeoutMs}`);
    }
    const onCollectError = options.onCollectError ?? (() => undefined);
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];

    this.eventsReceived = new Counter({
      name: 'autoheal_events_received_total',
      help: 'Events a source accepted and queued for a ruleset (duplicates excluded).',
      labelNames: ['ruleset', 'source'] as const,
      registers,
    });
    this.eventsDeduplicated = new Counter({
      name: 'autoheal_events_deduplicated_total',
      help: 'Events dropped because their dedup key was already queued.',
      labelNames: ['ruleset', 'source'] as const,
      registers,
    });
    this.webhookRequests = new Counter({
      name: 'autoheal_webhook_requests_total',
      help: 'Webhook HTTP requests answered, by HTTP status code.',
      labelNames: ['source', 'status'] as const,
      registers,
    });
    this.ruleMatches = new Counter({
      name: 'autoheal_rule_matches_total',
      help: "Times a rule's condition matched and the rule fired.",
      labelNames: ['ruleset', 'rule'] as const,
      registers,
    });
    this.ruleDecisions = new Counter({
      name: 'autoheal_rule_decisions_total',
      help: 'Rule matches that did not fire (throttled, accumulating, collecting, watching) and expired waiting state.',
      labelNames: ['ruleset', 'rule', 'decision'] as const,
      registers,
    });
    this.actions = new Counter({
      name: 'autoheal_actions_total',
      help: 'Actions that ended, by outcome status.',
      labelNames: ['action', 'status'] as const,
      registers,
    });
    this.actionDuration = new Histogram({
      name: 'autoheal_action_duration_seconds',
      help: 'Wall time of action runs that ended, in seconds.',
      labelNames: ['action'] as const,
      buckets: [...ACTION_DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.circuitBreakerOpen = new Counter({
      name: 'autoheal_circuit_breaker_open_total',
      help: "Times a rule's circuit breaker opened.",
      labelNames: ['rule'] as const,
      registers,
    });
    const provider = (): QueueDepthProvider | undefined => this.queueDepths;
    new Gauge({
      name: 'autoheal_queue_depth',
      help: 'Jobs waiting in each queue, asked at scrape time.',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        // Reset first: a queue that disappeared, or a failed question, must not leave a stale value.
        this.reset();
        const ask = provider();
        if (ask === undefined) return;
        try {
          const depths = await withTimeout(ask(), timeoutMs);
          for (const [queue, depth] of Object.entries(depths)) {
            if (Number.isFinite(depth)) this.set({ queue }, depth);
          }
        } catch (err: unknown) {
          onCollectError(err);
        }
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** The `Content-Type` of `metrics()` (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Renders every metric in the Prometheus text format (asks the queues for their depth). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Sets where `autoheal_queue_depth` comes from (the queues usually start after the metrics).
   * Replaces an earlier provider.
   */
  watchQueueDepths(provider: QueueDepthProvider): void {
    this.queueDepths = provider;
  }

  /** `count` events of `source` were queued for `ruleset`. */
  eventReceived(ruleset: string, source: string, count = 1): void {
    if (count > 0) this.eventsReceived.inc({ ruleset, source }, count);
  }

  /** `count` events of `source` for `ruleset` were dropped as duplicates. */
  eventDeduplicated(ruleset: string, source: string, count = 1): void {
    if (count > 0) this.eventsDeduplicated.inc({ ruleset, source }, count);
  }

  /** A webhook request to `source` was answered with HTTP `status`. */
  webhookRequest(source: string, status: number): void {
    this.webhookRequests.inc({ source, status: String(status) });
  }

  /** `rule` of `ruleset` fired. */
  ruleMatched(ruleset: string, rule: string): void {
    this.ruleMatches.inc({ ruleset, rule });
  }

  /** `rule` of `ruleset` matched without firing, or its waiting state expired. */
  ruleDecision(ruleset: string, rule: string, decision: RuleDecision): void {
    this.ruleDecisions.inc({ ruleset, rule, decision });
  }

  /**
   * Action `action` (`run_playbook`, `notify`, …) ended with `status`.
   * @param durationMs how long it ran, in ms; omit for actions that never ran (e.g. skipped).
   */
  actionFinished(action: string, status: OutcomeStatus, durationMs?: number): void {
    this.actions.inc({ action, status });
    if (durationMs !== undefined && Number.isFinite(durationMs) && durationMs >= 0) {
      this.actionDuration.observe({ action }, durationMs / 1000);
    }
  }

  /** The circuit breaker of `rule` opened. */
  circuitBreakerOpened(rule: string): void {
    this.circuitBreakerOpen.inc({ rule });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
