/**
 * bench/correlate — multi-event correlation with many open partial matches, side by side:
 *   hand-written  a Map from host to the waiting "down" event (the floor: what a programmer would write)
 *   session       autoheal's ruleset session on the same `all` rule with a join:
 *                   all:
 *                     - events.down << event.state == "down"
 *                     - event.state == "up" and event.host == events.down.host
 * With OPEN (default 10 000) hosts down, each "up" completes one partial match and a new "down"
 * re-opens it, so 10 k partial matches stay open throughout. Prints events/s and the memory one
 * open partial match costs. Targets: ≥ 200 k events/s, ≤ 1 KB per open partial match.
 *
 * Run: npm run bench:correlate   (options: OPEN=10000 EVENTS=200000)
 */
import { ManualClock } from '../src/core/index.js';
import { RulesetSession, compileRuleset } from '../src/rules/engine/index.js';
import { parseRulebook } from '../src/rules/rulebook/index.js';

const OPEN = Number(process.env.OPEN ?? 10_000);
const EVENTS = Number(process.env.EVENTS ?? 200_000);
const gc = (globalThis as { gc?: () => void }).gc;

const rulebook = parseRulebook(
  `- name: correlate
  hosts: all
  sources:
    - range:
        limit: 1
  rules:
    - name: flap
      condition:
        all:
          - events.down << event.state == "down"
          - event.state == "up" and event.host == events.down.host
      action:
        none:
`,
  'correlate.yml',
  {},
);
const ruleset = rulebook.rulesets[0];
if (ruleset === undefined) throw new Error('no ruleset');

type Ev = { state: 'down' | 'up'; host: string; seq: number };
const down = (i: number, seq: number): Ev => ({ state: 'down', host: `host-${i}`, seq });
const up = (i: number, seq: number): Ev => ({ state: 'up', host: `host-${i}`, seq });
/** The measured stream: for host i (round robin), "up" then a new "down". */
const stream: Ev[] = [];
for (let n = 0; stream.length < EVENTS; n += 1) {
  const i = n % OPEN;
  stream.push(up(i, 2 * n), down(i, 2 * n + 1));
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function measure(label: string, make: () => { fill: () => void; run: () => number }): { label: string; eventsPerSecond: number; bytesPerOpen: number; matches: number } {
  // Warm-up run (JIT), then the measured one on a fresh instance.
  const warm = make();
  warm.fill();
  warm.run();
  const before = heapUsed();
  const subject = make();
  subject.fill();
  const bytesPerOpen = (heapUsed() - before) / OPEN;
  const t0 = process.hrtime.bigint();
  const matches = subject.run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, eventsPerSecond: stream.length / seconds, bytesPerOpen, matches };
}

const handWritten = measure('hand-written Map', () => {
  let waiting = new Map<string, Ev>();
  return {
    fill: () => {
      waiting = new Map();
      for (let i = 0; i < OPEN; i += 1) waiting.set(`host-${i}`, down(i, -1));
    },
    run: () => {
      let matches = 0;
      for (const e of stream) {
        if (e.state === 'down') waiting.set(e.host, e);
        else if (waiting.delete(e.host)) matches += 1;
      }
      return matches;
    },
  };
});

const compiled = compileRuleset(ruleset);
const session = measure('autoheal session', () => {
  const clock = new ManualClock(0);
  let s = new RulesetSession(compiled, { clock });
  return {
    fill: () => {
      s = new RulesetSession(compiled, { clock });
      for (let i = 0; i < OPEN; i += 1) s.processEvent(down(i, -1));
      s.takeChanges(); // as the engine does after every event: nothing pending
    },
    run: () => {
      let matches = 0;
      for (const e of stream) {
        matches += s.processEvent(e).matches.length;
        s.takeChanges();
      }
      if (s.size !== OPEN) throw new Error(`expected ${OPEN} open partial matches, found ${s.size}`);
      return matches;
    },
  };
});

if (handWritten.matches !== session.matches) throw new Error(`results differ: ${handWritten.matches} vs ${session.matches}`);
console.log(`bench/correlate: ${OPEN} open partial matches, ${stream.length} events (half complete a match), node ${process.version}${gc ? '' : ' (run with --expose-gc for memory figures)'}`);
for (const r of [handWritten, session]) {
  console.log(
    `${r.label.padEnd(18)} ${(r.eventsPerSecond / 1e3).toFixed(0).padStart(6)} k events/s   ${r.bytesPerOpen.toFixed(0).padStart(5)} bytes per open partial match   ${r.matches} matches`,
  );
}
