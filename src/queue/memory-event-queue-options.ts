/**
 * @module Options of the embedded in-memory queue and their resolver.
 */
import { OptionProblems, resolveBaseEventQueueOptions, type BaseEventQueueOptions, type ResolvedBaseEventQueueOptions } from './event-queue-options.js';

export const DEFAULT_MAX_QUEUED_EVENTS = 100_000;
export const DEFAULT_MAX_DEDUP_ENTRIES = 100_000;
export const DEFAULT_MAX_FAILED_KEPT = 100;

export interface MemoryEventQueueOptions extends BaseEventQueueOptions {
  /**
   * Most events waiting per ruleset. An `enqueue` that would exceed it is refused whole with
   * `AH_QUEUE_UNAVAILABLE` (retryable: the sender backs off while the backlog drains) instead of
   * growing memory without bound.
   * @default 100_000
   */
  readonly maxQueuedEvents?: number;
  /**
   * Most dedup keys remembered (all rulesets together). Beyond it the oldest are forgotten
   * early: a forgotten key can let a duplicate through, never drop an event.
   * @default 100_000
   */
  readonly maxDedupEntries?: number;
  /**
   * Given-up events kept per ruleset for `failed()`, newest last.
   * @default 100
   */
  readonly maxFailedKept?: number;
}

export interface ResolvedMemoryEventQueueOptions extends ResolvedBaseEventQueueOptions {
  readonly maxQueuedEvents: number;
  readonly maxDedupEntries: number;
  readonly maxFailedKept: number;
}

/**
 * Applies defaults and checks every option.
 * @throws AutohealError `AH_QUEUE_CONFIG_INVALID` listing every problem.
 */
export function resolveMemoryEventQueueOptions(options: MemoryEventQueueOptions = {}): Readonly<ResolvedMemoryEventQueueOptions> {
  const problems = new OptionProblems('memory event queue');
  const base = resolveBaseEventQueueOptions(options, problems);
  const resolved = {
    ...base,
    maxQueuedEvents: problems.integer('maxQueuedEvents', options.maxQueuedEvents, 1, DEFAULT_MAX_QUEUED_EVENTS),
    maxDedupEntries: problems.integer('maxDedupEntries', options.maxDedupEntries, 1, DEFAULT_MAX_DEDUP_ENTRIES),
    maxFailedKept: problems.integer('maxFailedKept', options.maxFailedKept, 0, DEFAULT_MAX_FAILED_KEPT),
  };
  problems.throwIfAny();
  return Object.freeze(resolved);
}
