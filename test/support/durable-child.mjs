// A minimal engine process for crash tests: evaluates the JSON lines it reads on stdin
// ({"id", "ruleset", "event"}) with a DurableEvaluator on Redis and answers each with
// {"id", "fired": [rule names], "duplicate"}. Uses the built code (npm test builds first).
// argv: <redis url> <prefix> <rulebook file>
import { createInterface } from 'node:readline';
import { systemClock } from '../../dist/src/core/index.js';
import { loadRulebook } from '../../dist/src/rules/rulebook/index.js';
import { DurableEvaluator, RedisStateStore } from '../../dist/src/state/index.js';

const [url, prefix, file] = process.argv.slice(2);
const store = new RedisStateStore({ url, prefix });
const rulebook = await loadRulebook(file);
const durable = await DurableEvaluator.open(rulebook, { store, clock: systemClock });
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const { id, ruleset, event } = JSON.parse(line);
  const result = await durable.processEvent(ruleset, id, event);
  process.stdout.write(`${JSON.stringify({ id, duplicate: result.duplicate, fired: result.fired.map((f) => f.rule), bindings: result.fired.map((f) => f.bindings) })}\n`);
}
