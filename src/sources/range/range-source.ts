/**
 * @module `eda.builtin.range` (aliases `ansible.eda.range`, `range`; rulebook-language.md §4.4):
 * emits `{"i": 0}` … `{"i": limit-1}`, waiting `delay` seconds after each event, then ends, which
 * shuts the rulebook down. Same as upstream's `range.py`, including the wait after the last event.
 */
import { PluginArgs, secondsToMs, systemTimers, taskSource, type PluginSource, type Timers } from '../plugin-source.js';

export const RANGE_PLUGIN = 'eda.builtin.range';

export interface RangeOptions {
  /** How many events (`i` from 0 to limit-1); 0 or less emits none. Required. */
  readonly limit: number;
  /** Wait after each event, in milliseconds (rulebook: `delay` in seconds, default 0). */
  readonly delayMs: number;
}

/**
 * Validates range's rulebook arguments (`limit` required, an integer or integer string;
 * `delay` seconds ≥ 0).
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` listing every problem.
 */
export function resolveRangeOptions(args: unknown): RangeOptions {
  const a = new PluginArgs(RANGE_PLUGIN, args);
  if (!a.has('limit')) a.problem('limit', 'is required');
  const limit = a.integer('limit', 0);
  const delay = a.number('delay', 0, { min: 0 });
  a.finish();
  return { limit, delayMs: secondsToMs(delay) };
}

export interface RangeSourceDeps {
  readonly timers?: Timers;
}

/**
 * A range source for the given rulebook arguments.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for bad arguments (see resolveRangeOptions).
 */
export function createRangeSource(args: unknown, deps: RangeSourceDeps = {}): PluginSource {
  const options = resolveRangeOptions(args);
  const timers = deps.timers ?? systemTimers;
  return taskSource({
    async run(emit, signal) {
      for (let i = 0; i < options.limit && !signal.aborted; i += 1) {
        await emit([{ event: { i } }]);
        await timers.sleep(options.delayMs, signal);
      }
    },
  });
}
