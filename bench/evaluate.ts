/**
 * bench/evaluate — events/s of rule matching, side by side in one run:
 *   closures  hand-written JS closures, scanned in order (the floor: what a programmer would write)
 *   session   autoheal's ruleset session (compiled conditions + alpha index + working memory)
 *   evaluator the whole evaluator: session plus action planning (template rendering) per match
 * for 100 and 1000 rules of the shape
 *   event.alert.labels.alertname == "A<i>" and event.alert.labels.severity == "critical"
 * over 100 k events (half of them critical). Targets: ≥ 1 M events/s at 100 rules and
 * ≥ 0.5 M at 1000 rules for the session. Not a test: it prints figures.
 *
 * Run: npm run bench:evaluate   (options: EVENTS=100000 RULES=100,1000)
 */
import { ManualClock } from '../src/core/index.js';
import { RulebookEvaluator, RulesetSession, compileRuleset } from '../src/rules/engine/index.js';
import { parseRulebook } from '../src/rules/rulebook/index.js';

const EVENTS = Number(process.env.EVENTS ?? 100_000);
const RULE_COUNTS = (process.env.RULES ?? '100,1000').split(',').map(Number);
const ROUNDS = 5;

type Event = { alert: { labels: { alertname: string; severity: string; instance: string } }; meta: { hosts: string[] } };

function rulebookText(n: number): string {
  const rules: string[] = [];
  for (let i = 0; i < n; i += 1) {
    rules.push(`    - name: rule ${i}
      condition: event.alert.labels.alertname == "A${i}" and event.alert.labels.severity == "critical"
      action:
        none:`);
  }
  return `- name: bench\n  hosts: all\n  sources:\n    - range:\n        limit: 1\n  rules:\n${rules.join('\n')}\n`;
}

function makeEvents(n: number, rules: number): Event[] {
  const events: Event[] = [];
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < n; i += 1) {
    events.push({
      alert: {
        labels: {
          // A tenth of the events name no rule at all.
          alertname: `A${Math.floor(random() * rules * 1.1)}`,
          severity: random() < 0.5 ? 'critical' : 'warning',
          instance: `web${i % 50}:9100`,
        },
      },
      meta: { hosts: [`web${i % 50}`] },
    });
  }
  return events;
}

interface Figure {
  readonly eventsPerSecond: number;
  readonly matches: number;
}

/** Best of ROUNDS runs (after one warm-up), to keep GC and JIT noise out. */
function measure(run: () => number): Figure {
  run();
  let best = 0;
  let matches = 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = process.hrtime.bigint();
    matches = run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, EVENTS / seconds);
  }
  return { eventsPerSecond: best, matches };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : `${(n / 1e3).toFixed(0)} k/s`;
}

const rows: string[][] = [['rules', 'closures (linear)', 'session (indexed)', 'evaluator (+actions)', 'session / closures', 'matches']];
for (const n of RULE_COUNTS) {
  const rulebook = parseRulebook(rulebookText(n), `bench-${n}.yml`, {});
  const ruleset = rulebook.rulesets[0];
  if (ruleset === undefined) throw new Error('no ruleset');
  const events = makeEvents(EVENTS, n);

  const closures = Array.from({ length: n }, (_, i) => {
    const name = `A${i}`;
    return (e: Event): boolean => e.alert.labels.alertname === name && e.alert.labels.severity === 'critical';
  });
  const closureFigure = measure(() => {
    let matched = 0;
    for (const e of events) {
      for (const test of closures) {
        if (test(e)) {
          matched += 1;
          break;
        }
      }
    }
    return matched;
  });

  const clock = new ManualClock(0);
  const compiled = compileRuleset(ruleset);
  const sessionFigure = measure(() => {
    const session = new RulesetSession(compiled, { clock });
    let matched = 0;
    for (const e of events) matched += session.processEvent(e).matches.length;
    return matched;
  });

  const evaluatorFigure = measure(() => {
    const evaluator = new RulebookEvaluator(rulebook, { clock, newId: () => 'bench' });
    let matched = 0;
    for (const e of events) matched += evaluator.processEvent(e, { explain: false }).fired.length;
    return matched;
  });

  if (closureFigure.matches !== sessionFigure.matches || sessionFigure.matches !== evaluatorFigure.matches) {
    throw new Error(`results differ: closures ${closureFigure.matches}, session ${sessionFigure.matches}, evaluator ${evaluatorFigure.matches}`);
  }
  rows.push([
    String(n),
    fmt(closureFigure.eventsPerSecond),
    fmt(sessionFigure.eventsPerSecond),
    fmt(evaluatorFigure.eventsPerSecond),
    `${(sessionFigure.eventsPerSecond / closureFigure.eventsPerSecond).toFixed(2)}×`,
    String(sessionFigure.matches),
  ]);
}

const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
console.log(`bench/evaluate: ${EVENTS} events, best of ${ROUNDS} rounds, node ${process.version}`);
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
