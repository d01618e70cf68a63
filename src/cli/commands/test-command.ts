/**
 * @module `autoheal test RULEBOOK --event FILE`: the dry-run. Feeds events through the
 * rulebook in virtual time and reports, per event, the rules that fired with every action they
 * would run (arguments fully rendered) and, for the rules that did not, the first clause that
 * failed. Nothing is executed; only the engine's own actions (set_fact, retract_fact,
 * post_event, shutdown) are applied to the in-memory state, since they decide what fires next.
 */
import { AutohealError, ManualClock } from '../../core/index.js';
import { toJsonSafe } from '../../core/json.js';
import { RulebookEvaluator, type FiredRule, type HeldDecision, type RuleDecision, type ShutdownRequest } from '../../rules/engine/index.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { readEventFile, readEventLines, type TimedEvent } from '../read-events.js';
import { resolveVars, tryLoadRulebook, type VarsFlags } from './load-inputs.js';
import { plural } from './validate-command.js';

export interface TestFlags extends VarsFlags {
  readonly event?: readonly string[];
  readonly events?: readonly string[];
  readonly ruleset?: readonly string[];
  readonly json?: boolean;
  readonly expectMatch?: readonly string[];
  readonly expectNoMatch?: readonly string[];
  readonly verbose?: number;
}

export interface TestCommandDeps {
  /** Start of virtual time (default: now). */
  readonly startMs?: number;
  readonly newId?: () => string;
}

/** The stable `--json` shape (documented in the README). */
export interface DryRunJson {
  readonly rulebook: string;
  /** One entry per input event, plus one per moment timers fired (`origin: "timer"`, `event: null`). */
  readonly events: ReadonlyArray<{
    readonly origin: string;
    readonly at: string;
    readonly event: unknown;
    readonly matches: ReadonlyArray<{
      readonly ruleset: string;
      readonly rule: string;
      readonly trigger: string;
      readonly matching_events: unknown;
      readonly actions: ReadonlyArray<{ readonly action: string; readonly args?: unknown; readonly hosts?: readonly string[]; readonly error?: string }>;
    }>;
    /** Rules that matched but were held back (throttled, accumulating, collecting), and expiries. */
    readonly held: ReadonlyArray<{ readonly ruleset: string; readonly rule: string; readonly kind: string; readonly reason: string }>;
    readonly non_matches: ReadonlyArray<{ readonly ruleset: string; readonly rule: string; readonly reason: string }>;
  }>;
  readonly shutdown?: { readonly ruleset: string; readonly rule: string; readonly kind: string; readonly message: string };
  readonly summary: { readonly events: number; readonly matches: number; readonly actions: number; readonly rules_fired: readonly string[] };
  readonly expectations: ReadonlyArray<{ readonly rule: string; readonly expected: 'match' | 'no_match'; readonly met: boolean }>;
}

export async function testCommand(rulebookFile: string, flags: TestFlags, io: CliIo, deps: TestCommandDeps = {}): Promise<ExitCode> {
  let vars: Record<string, unknown>;
  let inputs: TimedEvent[];
  try {
    vars = await resolveVars(flags, io);
    inputs = await readInputs(flags);
  } catch (err) {
    if (!(err instanceof AutohealError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.InputError;
  }
  const loaded = await tryLoadRulebook(rulebookFile, vars);
  if (!loaded.ok) {
    for (const line of loaded.errors) io.stderr(`${line}\n`);
    return ExitCode.InputError;
  }
  const rulebook = loaded.rulebook;
  const unknown = (flags.ruleset ?? []).filter((name) => !rulebook.rulesets.some((rs) => rs.name === name));
  if (unknown.length > 0) {
    io.stderr(`error: no ruleset named ${unknown.map((n) => `"${n}"`).join(', ')} in ${rulebookFile}; it has ${rulebook.rulesets.map((r) => `"${r.name}"`).join(', ')}\n`);
    return ExitCode.InputError;
  }

  const start = deps.startMs ?? Date.now();
  const clock = new ManualClock(start);
  const evaluator = new RulebookEvaluator(rulebook, { clock, vars, ...(deps.newId ? { newId: deps.newId } : {}) });
  const entries: Entry[] = [];
  const runTimersUntil = (limit: number): void => {
    // Fire every window that closes before `limit`, at its own moment, in order.
    for (let next = evaluator.nextTimerAt(); next !== undefined && next <= limit && evaluator.shutdownRequested === undefined; next = evaluator.nextTimerAt()) {
      clock.set(Math.max(next, clock.now()));
      pushTimeEntry(entries, evaluator.advanceTime());
    }
  };
  let skipped = 0;
  for (const input of inputs) {
    if (evaluator.shutdownRequested !== undefined) {
      skipped += 1;
      continue;
    }
    const target = targetTime(clock.now(), start, input);
    runTimersUntil(target);
    if (evaluator.shutdownRequested !== undefined) {
      skipped += 1;
      continue;
    }
    clock.set(target);
    pushTimeEntry(entries, evaluator.advanceTime());
    const report = evaluator.processEvent(input.event, flags.ruleset ? { rulesets: flags.ruleset } : {});
    entries.push({ origin: input.origin, event: input.event, at: clock.now(), fired: report.fired, held: report.held, notFired: report.notFired });
  }
  // Windows still open after the last event close as they would in real time.
  runTimersUntil(Number.POSITIVE_INFINITY);

  const firedRules = new Set(entries.flatMap((e) => e.fired.map((f) => f.rule)));
  const expectations = [
    ...(flags.expectMatch ?? []).map((rule) => ({ rule, expected: 'match' as const, met: firedRules.has(rule) })),
    ...(flags.expectNoMatch ?? []).map((rule) => ({ rule, expected: 'no_match' as const, met: !firedRules.has(rule) })),
  ];
  const allRuleNames = new Set(rulebook.rulesets.flatMap((rs) => rs.rules.map((r) => r.name)));
  const misnamed = expectations.filter((e) => !allRuleNames.has(e.rule));
  if (misnamed.length > 0) {
    io.stderr(`error: no rule named ${misnamed.map((e) => `"${e.rule}"`).join(', ')} in ${rulebookFile}\n`);
    return ExitCode.InputError;
  }

  if (flags.json === true) {
    io.stdout(`${JSON.stringify(toJsonSafe(toJson(rulebookFile, entries, evaluator.shutdownRequested, expectations)), null, 2)}\n`);
  } else {
    io.stdout(formatHuman(rulebookFile, entries, start, flags.verbose ?? 0, evaluator.shutdownRequested, skipped));
    for (const e of expectations) {
      io.stdout(`${e.met ? 'PASS' : 'FAIL'} expected rule "${e.rule}" ${e.expected === 'match' ? 'to fire' : 'not to fire'}\n`);
    }
  }
  return expectations.every((e) => e.met) ? ExitCode.Ok : ExitCode.ExpectationFailed;
}

async function readInputs(flags: TestFlags): Promise<TimedEvent[]> {
  const inputs: TimedEvent[] = [];
  for (const file of flags.event ?? []) inputs.push(...(await readEventFile(file)));
  for (const file of flags.events ?? []) inputs.push(...(await readEventLines(file)));
  if (inputs.length === 0) throw new AutohealError('AH_USAGE', 'no events given: use --event FILE (JSON or YAML) or --events FILE.jsonl');
  return inputs;
}

/** One line of the dry-run: an input event, or a moment when timers fired. */
interface Entry {
  readonly origin: string;
  readonly event: Readonly<Record<string, unknown>> | null;
  readonly at: number;
  readonly fired: readonly FiredRule[];
  readonly held: readonly HeldDecision[];
  readonly notFired: readonly RuleDecision[];
}

function pushTimeEntry(entries: Entry[], report: { at: number; fired: readonly FiredRule[]; held: readonly HeldDecision[] }): void {
  if (report.fired.length === 0 && report.held.length === 0) return;
  entries.push({ origin: 'timer', event: null, at: report.at, fired: report.fired, held: report.held, notFired: [] });
}

/** Virtual time of an input: its absolute `at`, or the previous time plus its delay. */
function targetTime(now: number, start: number, input: TimedEvent): number {
  if (input.atMs === undefined) return now + input.delayMs;
  const target = start + input.atMs;
  if (target < now) throw new AutohealError('AH_EVENT_INVALID', `${input.origin}: "at" goes back in time`);
  return target;
}

function toJson(file: string, entries: readonly Entry[], shutdown: ShutdownRequest | undefined, expectations: DryRunJson['expectations']): DryRunJson {
  const events = entries.map((e) => ({
    origin: e.origin,
    at: new Date(e.at).toISOString(),
    event: e.event,
    matches: e.fired.map((f) => ({
      ruleset: f.ruleset,
      rule: f.rule,
      trigger: f.trigger,
      matching_events: f.bindings,
      actions: f.actions.map((a) => ({
        action: a.action,
        ...(a.args !== undefined ? { args: a.args } : {}),
        ...(a.hosts !== undefined ? { hosts: a.hosts } : {}),
        ...(a.error !== undefined ? { error: a.error } : {}),
      })),
    })),
    held: e.held.map((d) => ({ ruleset: d.ruleset, rule: d.rule, kind: d.kind, reason: d.reason })),
    non_matches: e.notFired.map((d) => ({ ruleset: d.ruleset, rule: d.rule, reason: d.reason })),
  }));
  const fired = entries.flatMap((e) => e.fired);
  return {
    rulebook: file,
    events,
    ...(shutdown ? { shutdown: { ruleset: shutdown.ruleset, rule: shutdown.rule, kind: shutdown.kind, message: shutdown.message } } : {}),
    summary: {
      events: entries.filter((e) => e.event !== null).length,
      matches: fired.length,
      actions: fired.reduce((n, f) => n + f.actions.length, 0),
      rules_fired: [...new Set(fired.map((f) => `${f.ruleset}::${f.rule}`))],
    },
    expectations,
  };
}

function formatHuman(file: string, entries: readonly Entry[], start: number, verbose: number, shutdown: ShutdownRequest | undefined, skipped: number): string {
  const lines: string[] = [`dry-run of ${file}: nothing is executed`, ''];
  for (const e of entries) {
    const offset = e.at - start > 0 ? ` at +${formatOffset(e.at - start)}` : '';
    lines.push(e.event === null ? `timers${offset}` : `event ${e.origin}${offset}`);
    if (verbose > 0 && e.event !== null) lines.push(`  ${JSON.stringify(toJsonSafe(e.event))}`);
    for (const f of e.fired) {
      const via = f.trigger === 'event' ? '' : ` (fired by ${f.trigger})`;
      lines.push(`  MATCH    ${f.ruleset} :: ${f.rule}${via}`);
      if (verbose > 0) lines.push(`           matching events: ${JSON.stringify(toJsonSafe(f.bindings))}`);
      for (const a of f.actions) {
        if (a.error !== undefined) {
          lines.push(`           ${a.action}: cannot render arguments: ${a.error}`);
          continue;
        }
        const hosts = a.hosts !== undefined ? ` [hosts: ${a.hosts.join(', ')}]` : '';
        lines.push(`           ${a.action}${hosts} ${JSON.stringify(toJsonSafe(a.args ?? {}))}`);
      }
    }
    for (const d of e.held) lines.push(`  ${d.kind.toUpperCase().padEnd(8)} ${d.ruleset} :: ${d.rule}: ${d.reason}`);
    for (const d of e.notFired) lines.push(`  no match ${d.ruleset} :: ${d.rule}: ${d.reason}`);
    if (e.fired.length === 0 && e.held.length === 0 && e.notFired.length === 0) lines.push('  (no rules)');
    lines.push('');
  }
  const fired = entries.flatMap((e) => e.fired);
  if (shutdown !== undefined) {
    lines.push(`shutdown requested by ${shutdown.ruleset} :: ${shutdown.rule} (${shutdown.kind}): ${shutdown.message}${skipped > 0 ? `; ${plural(skipped, 'event')} not processed` : ''}`);
  }
  const events = entries.filter((e) => e.event !== null).length;
  lines.push(`${plural(events, 'event')}, ${plural(fired.length, 'match')}, ${plural(fired.reduce((n, f) => n + f.actions.length, 0), 'action')} that would run`);
  return `${lines.join('\n')}\n`;
}

function formatOffset(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const s = ms / 1000;
  if (s % 3600 === 0) return `${s / 3600}h`;
  return s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}
