/**
 * @module The queue-independent part of `enqueue`: batches for the same ruleset are merged (one
 * unit per ruleset and call, so a dedup key repeated across them is seen as a duplicate), and
 * per-ruleset verdicts are folded into one `EnqueueResult`.
 */
import type { EnqueueBatch, EnqueueResult, QueuedEvent } from './event-queue.js';

/** The events of one call for one ruleset, in arrival order. */
export interface RulesetBatch {
  readonly ruleset: string;
  readonly events: readonly QueuedEvent[];
}

/**
 * Merges batches by ruleset, keeping the order of first appearance of each ruleset and the order
 * of events within it; drops empty ones.
 * @throws TypeError when a ruleset name is empty (a wiring bug, not a sender's fault).
 */
export function mergeBatches(batches: readonly EnqueueBatch[]): RulesetBatch[] {
  const byRuleset = new Map<string, QueuedEvent[]>();
  for (const batch of batches) {
    if (typeof batch.ruleset !== 'string' || batch.ruleset === '') throw new TypeError('enqueue: a batch has an empty ruleset name');
    if (batch.events.length === 0) continue;
    const list = byRuleset.get(batch.ruleset);
    if (list) list.push(...batch.events);
    else byRuleset.set(batch.ruleset, [...batch.events]);
  }
  return [...byRuleset].map(([ruleset, events]) => ({ ruleset, events }));
}

/**
 * Folds per-event verdicts into the result: an id is `queued` when it was queued for at least one
 * ruleset, and a `duplicate` only when it was queued for none. The two lists are disjoint and
 * each id appears once, so "every event was a duplicate" is `queued.length === 0`.
 */
export function summarizeEnqueue(verdicts: Iterable<{ readonly id: string; readonly queued: boolean }>): EnqueueResult {
  const queued = new Set<string>();
  const seen = new Set<string>();
  for (const v of verdicts) {
    seen.add(v.id);
    if (v.queued) queued.add(v.id);
  }
  const duplicates = [...seen].filter((id) => !queued.has(id));
  return { queued: [...queued], duplicates };
}
