/**
 * @module Reads what a ruleset durably recorded: the facts in its stored working memory. The
 * crash tests' rule does `set_fact: {evaluated: <seq>}` for every event; the evaluator applies
 * that fact in the same Redis transaction that records the event as evaluated, so the stored
 * facts are the engine's own account of which events it evaluated, and how many times (a second
 * evaluation of an event would assert a second, identical fact).
 */
import { RedisStateStore } from '../../src/state/index.js';

/** How many stored facts carry each value of `key`, for ruleset `ruleset` on `redisUrl`. */
export async function countStoredFacts(redisUrl: string, ruleset: string, key: string): Promise<Map<string, number>> {
  const store = new RedisStateStore({ url: redisUrl });
  try {
    const { state } = await store.load(ruleset);
    const counts = new Map<string, number>();
    for (const object of state?.objects ?? []) {
      if (object.kind !== 'fact') continue;
      const value = object.data[key];
      if (value === undefined) continue;
      const text = String(value);
      counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    return counts;
  } finally {
    await store.close();
  }
}
