/**
 * Hand-run micro-benchmark of compiled conditions (not a test; no timing assertions):
 *   npx vitest bench --run src/rules/condition
 * Each iteration evaluates the predicate over 1 000 events, so ops/sec × 1 000 = evaluations/s.
 */
import { bench, describe } from 'vitest';
import { compileExpr } from './compile-condition.js';
import { parseCondition } from './parse-condition.js';

const EVENTS = Array.from({ length: 1000 }, (_, i) => ({
  i,
  alert: { status: i % 2 === 0 ? 'firing' : 'resolved', labels: { severity: i % 3 === 0 ? 'critical' : 'warning', instance: `host-${i}` } },
  tags: ['a', 'b', `t${i % 7}`],
}));
const NO_BINDINGS = {};

function loop(condition: string): () => void {
  const p = compileExpr(parseCondition(condition).expr);
  return () => {
    let n = 0;
    for (const e of EVENTS) if (p(e, NO_BINDINGS)) n++;
    if (n < 0) throw new Error('unreachable');
  };
}

describe('1 000 evaluations per iteration', () => {
  bench('event.alert.status == "firing"', loop('event.alert.status == "firing"'));
  bench('event.i > 500', loop('event.i > 500'));
  bench('status == firing and severity == critical', loop('event.alert.status == "firing" and event.alert.labels.severity == "critical"'));
  bench('event.alert.labels.severity in [...]', loop('event.alert.labels.severity in ["critical", "major"]'));
  bench('event.tags contains "t3"', loop('event.tags contains "t3"'));
  bench('event.alert.labels.instance is search("-1\\\\d")', loop('event.alert.labels.instance is search("-1\\\\d")'));
  bench('not (event.i > 900 or event.i < 100)', loop('not (event.i > 900 or event.i < 100)'));
});
