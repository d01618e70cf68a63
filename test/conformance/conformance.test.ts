/**
 * Conformance with ansible-rulebook: each file in cases/ ports one upstream example
 * (tests/examples/NN_*.yml, shared/spec/rulebook-language.md §5.3) — our own rulebook written
 * from the documented behaviour — with the events upstream feeds it and the ordered list of
 * action records upstream's test_examples.py asserts (`ruleset::rule::action` and
 * `matching_events`, compared without `meta`, as upstream's injected events carry none).
 *
 * Events come either from the case's `events:` list (what upstream's tests put on the ruleset
 * queue) or from the rulebook's own test sources (`range`, `range2`, `nested`, `generic`), run
 * in virtual time: the sources' delays (`delay`, `event_delay`, `loop_delay`, `shutdown_after`…)
 * move a manual clock, timers due before an event run before it, and the run ends when the
 * first source ends (upstream shuts every ruleset down then), so timers due later never fire.
 * Source `filters:` are applied as the live intake does.
 *
 * A case the engine cannot pass yet carries `pending: "<issue>"` and is reported as a todo,
 * never as passing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ManualClock } from '../../src/core/index.js';
import { RulebookEvaluator, templateContext, type FiredRule } from '../../src/rules/engine/index.js';
import { parseRulebook, type SourceSpec } from '../../src/rules/rulebook/index.js';
import { applyFilters, compileFilter, type JsonObject } from '../../src/sources/index.js';

interface ExpectedAction {
  readonly action: string;
  readonly matching_events?: unknown;
  /** Set only when rendering the action's arguments failed (upstream: `status: failed`). */
  readonly error?: string;
}

interface TimedInput {
  readonly ruleset?: string;
  /** Virtual seconds to wait before this event. */
  readonly after?: number;
  readonly event: Record<string, unknown>;
}

interface Case {
  readonly upstream: string;
  readonly description: string;
  readonly pending?: string;
  readonly vars?: Record<string, unknown>;
  /** Events to inject; when absent, each ruleset's test sources generate them. */
  readonly events?: ReadonlyArray<TimedInput | Record<string, unknown>>;
  readonly expect: readonly ExpectedAction[];
  /** The shutdown a `shutdown` action requested (upstream asserts its message and delay). */
  readonly shutdown?: Record<string, unknown>;
  readonly rulebook: string;
}

/** An event a source puts on its ruleset's queue, at a virtual time (ms from the start). */
interface ScheduledEvent {
  readonly at: number;
  readonly ruleset: string;
  readonly event: Record<string, unknown>;
}

const CASES_DIR = join(import.meta.dirname, 'cases');
const START = Date.UTC(2026, 10, 22);
/** Actions whose `var_root` also changes the audit record's `matching_events` (§3.2). */
const VAR_ROOT_ACTIONS = new Set(['run_playbook', 'run_module', 'run_job_template', 'run_workflow_template', 'print_event']);

const seconds = (value: unknown): number => Math.round(Number(value ?? 0) * 1000);

/**
 * What one test source emits and when it ends (tests/sources and eda.builtin, §4.4), in
 * virtual ms. `generic` follows upstream's loop: startup_delay, then per loop (loop_delay
 * before every loop but the first) each non-empty payload item `repeat_count` times with
 * `repeat_delay` after each copy and `event_delay` after the item, then `shutdown_after`.
 */
function runSource(source: SourceSpec, ruleset: string): { events: ScheduledEvent[]; endsAt: number } {
  const args = source.args as Record<string, unknown>;
  const plugin = source.plugin.replace(/^(ansible\.eda|eda\.builtin)\./, '');
  const filters = source.filters.map((f) => compileFilter(f));
  const events: ScheduledEvent[] = [];
  let now = 0;
  const put = (event: Record<string, unknown>): void => {
    for (const out of applyFilters(event as JsonObject, filters)) events.push({ at: now, ruleset, event: out as Record<string, unknown> });
  };
  switch (plugin) {
    case 'range':
    case 'range2':
      for (let i = 0; i < Number(args.limit ?? 0); i += 1) {
        put(plugin === 'range' ? { i } : { range2: { i } });
        now += seconds(args.delay);
      }
      break;
    case 'nested':
      for (let i = 0; i < Number(args.i_limit ?? 0); i += 1) {
        for (let j = 0; j < Number(args.j_limit ?? 0); j += 1) {
          put({ nested: { i, j } });
          now += seconds(args.delay);
        }
      }
      break;
    case 'generic': {
      const payload = (Array.isArray(args.payload) ? args.payload : [args.payload]) as unknown[];
      const loops = Number(args.loop_count ?? 1);
      if (loops < 0) throw new Error('conformance harness cannot run generic with loop_count -1');
      let index = 0;
      now += seconds(args.startup_delay);
      for (let loop = 0; loop < loops; loop += 1) {
        if (loop > 0) now += seconds(args.loop_delay);
        for (const item of payload) {
          if (item === null || typeof item !== 'object' || Object.keys(item).length === 0) continue;
          for (let r = 0; r < Number(args.repeat_count ?? 1); r += 1) {
            const event: Record<string, unknown> = typeof args.create_index === 'string' && args.create_index !== '' ? { [args.create_index]: index } : {};
            put({ ...event, ...(item as Record<string, unknown>) });
            index += 1;
            now += seconds(args.repeat_delay);
          }
          now += seconds(args.event_delay);
        }
      }
      if (args.final_payload !== null && typeof args.final_payload === 'object') put(args.final_payload as Record<string, unknown>);
      now += seconds(args.shutdown_after);
      break;
    }
    default:
      throw new Error(`conformance harness has no test source "${source.plugin}"`);
  }
  return { events, endsAt: now };
}

function stripMeta(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripMeta);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'meta') out[k] = stripMeta(v);
  return out;
}

function isTimed(item: TimedInput | Record<string, unknown>): item is TimedInput {
  return typeof item.event === 'object' && item.event !== null && Object.keys(item).every((k) => ['event', 'ruleset', 'after'].includes(k));
}

/** The audit record upstream writes for one action of a fired rule (§3.3–3.4). */
function record(fired: FiredRule, action: FiredRule['actions'][number], vars: Record<string, unknown>): ExpectedAction {
  // Upstream's audit record names the `none` action "noop" (§3.3).
  const name = action.action === 'none' ? 'noop' : action.action;
  let matching: unknown = fired.bindings;
  const varRoot = VAR_ROOT_ACTIONS.has(action.action) ? action.spec.args.var_root : undefined;
  if (varRoot !== undefined) {
    const context = templateContext(fired, vars, varRoot);
    matching = 'events' in context ? context.events : { m: context.event };
  }
  const out = { action: `${fired.ruleset}::${fired.rule}::${name}`, matching_events: stripMeta(matching) };
  return action.error === undefined ? out : { ...out, error: action.error };
}

function runCase(c: Case, file: string): { records: ExpectedAction[]; evaluator: RulebookEvaluator } {
  const vars = c.vars ?? {};
  const rulebook = parseRulebook(c.rulebook, file, { vars, allowUnknownSources: true });
  const clock = new ManualClock(START);
  const evaluator = new RulebookEvaluator(rulebook, { clock, vars, newId: () => 'uuid' });
  const records: ExpectedAction[] = [];
  const collect = (fired: readonly FiredRule[]): void => {
    for (const f of fired) for (const action of f.actions) records.push(record(f, action, vars));
  };

  let schedule: ScheduledEvent[];
  let endsAt: number;
  if (c.events !== undefined) {
    let at = 0;
    schedule = c.events.map((item) => {
      const input = isTimed(item) ? item : { event: item };
      at += seconds(input.after);
      return { at, ruleset: input.ruleset ?? (rulebook.rulesets[0]?.name as string), event: input.event };
    });
    // Upstream's tests put Shutdown right after the last event.
    endsAt = at;
  } else {
    const runs = rulebook.rulesets.flatMap((rs) => rs.sources.map((source) => runSource(source, rs.name)));
    endsAt = runs.length === 0 ? 0 : Math.min(...runs.map((r) => r.endsAt));
    // Stable sort: at equal times, rulesets and sources in declaration order.
    schedule = runs.flatMap((r) => r.events).sort((a, b) => a.at - b.at).filter((e) => e.at <= endsAt);
  }

  /** Moves the clock to `target`, running each timer at its own due time on the way. */
  const advanceTo = (target: number): void => {
    for (let due = evaluator.nextTimerAt(); due !== undefined && due <= START + target; due = evaluator.nextTimerAt()) {
      if (evaluator.shutdownRequested !== undefined) return;
      if (due > clock.now()) clock.set(due);
      collect(evaluator.advanceTime().fired);
    }
    if (START + target > clock.now()) clock.set(START + target);
  };

  for (const input of schedule) {
    advanceTo(input.at);
    if (evaluator.shutdownRequested !== undefined) break;
    collect(evaluator.processEvent(input.event, { rulesets: [input.ruleset], explain: false }).fired);
  }
  if (evaluator.shutdownRequested === undefined) advanceTo(endsAt);
  return { records, evaluator };
}

describe('conformance with ansible-rulebook examples', () => {
  const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yml')).sort();
  it('has cases', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    const c = parseYaml(readFileSync(join(CASES_DIR, file), 'utf8')) as Case;
    const title = `${c.upstream}: ${c.description}`;
    if (c.pending !== undefined) {
      it.todo(`${title} (pending ${c.pending})`);
      continue;
    }
    it(title, () => {
      const { records, evaluator } = runCase(c, file);
      const expected = c.expect.map((e, i) => (e.matching_events === undefined ? { ...e, matching_events: records[i]?.matching_events } : e));
      expect(records).toEqual(expected);
      if (c.shutdown !== undefined) expect(evaluator.shutdownRequested).toEqual(c.shutdown);
    });
  }
});
