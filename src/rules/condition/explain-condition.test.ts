import { describe, expect, it } from 'vitest';
import { compileExpr } from './compile-condition.js';
import { explainExpr, formatField, formatValue } from './explain-condition.js';
import { parseCondition } from './parse-condition.js';

function explain(condition: string, obj: unknown, bindings: Record<string, unknown> = {}, bound: string[] = []) {
  const parsed = parseCondition(condition);
  const result = explainExpr(parsed.expr, obj, bindings, { boundNames: new Set(bound) });
  return { ...result, clause: result.failed === undefined ? undefined : condition.slice(result.failed.span.start, result.failed.span.end) };
}

describe('explainExpr', () => {
  it('matches when the condition holds', () => {
    expect(explain('event.a == 1 and event.b == 2', { a: 1, b: 2 })).toEqual({ matched: true, clause: undefined });
  });

  it('names the first false operand of an and, with the value found', () => {
    const r = explain('event.alert.status == "firing" and event.alert.labels.severity == "critical"', {
      alert: { status: 'firing', labels: { severity: 'warning' } },
    });
    expect(r.matched).toBe(false);
    expect(r.clause).toBe('event.alert.labels.severity == "critical"');
    expect(r.failed?.reason).toBe('event.alert.labels.severity is "warning", expected == "critical"');
  });

  it('says when an attribute is missing', () => {
    const r = explain('event.alert.labels.instance == "db1"', { alert: { labels: {} } });
    expect(r.failed?.reason).toBe('event.alert.labels.instance is not defined');
  });

  it('reports the whole or-expression with each alternative', () => {
    const r = explain('event.kind == "a" and (event.x > 5 or event.y is defined)', { kind: 'a', x: 1 });
    expect(r.clause).toBe('event.x > 5 or event.y is defined');
    expect(r.failed?.reason).toBe('no alternative matched: event.x is 1, expected > 5; event.y is not defined');
  });

  it('explains type mismatches, bare fields, membership, tests and constants', () => {
    expect(explain('event.s != 5', { s: 'abc' }).failed?.reason).toBe('event.s is "abc" (a string), which cannot be compared with 5 (a number)');
    expect(explain('event.flag', { flag: 'yes' }).failed?.reason).toBe('event.flag is "yes", expected true');
    expect(explain('not event.flag', { flag: true }).failed?.reason).toBe('event.flag is true, expected anything but true');
    expect(explain('event.x in [1, 2]', { x: 7 }).failed?.reason).toBe('event.x is 7, expected in [1, 2]');
    expect(explain('event.x is not defined', { x: 1 }).failed?.reason).toBe('event.x is defined (1), expected it not to be');
    expect(explain('event.s is search("b", ignorecase=true)', { s: 'xyz' }).failed?.reason).toBe(
      'event.s is "xyz", expected is search("b", ignorecase=true)',
    );
    expect(explain('not event.s is match("x")', { s: 'xyz' }).failed?.reason).toBe('event.s is "xyz", expected not (is match("x"))');
    expect(explain('event.xs is not select(">", 0)', { xs: [1] }).failed?.reason).toBe('event.xs is [1], expected is not select(">", 0)');
    expect(explain('event.ps is selectattr("a.b", "==", 1)', { ps: [] }).failed?.reason).toBe('event.ps is [], expected is selectattr("a.b", "==", 1)');
    expect(explain('false', {}).failed?.reason).toBe('the condition is always false');
    expect(explain('3 < event.n', { n: 1 }).failed?.reason).toBe('event.n is 1, expected > 3');
    expect(explain('event.a == event.b', { a: 1, b: 2 }).failed?.reason).toBe('event.a is 1 and event.b is 2, expected event.a == event.b');
    expect(explain('event.i == events.m_0.i + 1', { i: 1 }, { m_0: { i: 5 } }, ['m_0']).failed?.reason).toBe(
      'event.i is 1 and events.m_0.i + 1 is 6, expected event.i == events.m_0.i + 1',
    );
  });

  it('pushes not down first, so it reports the negated clause that failed', () => {
    const r = explain('not (event.i > 50 or event.i < 10)', { i: 60 });
    expect(r.clause).toBe('event.i > 50');
    expect(r.failed?.reason).toBe('event.i is 60, expected <= 50');
  });

  it('formats fields and values as written', () => {
    expect(formatField({ kind: 'field', root: 'event', path: ['urls', 'http://x', -1, 'a_b'], span: { start: 0, end: 0 } })).toBe(
      'event.urls["http://x"][-1].a_b',
    );
    expect(formatValue(20000000000000000000001n)).toBe('20000000000000000000001');
    expect(formatValue('x'.repeat(200)).length).toBe(80);
  });
});

describe('explainExpr agrees with compileExpr', () => {
  const conditions = [
    'event.a == 1 and event.b == "x"',
    'event.a == 1 or event.b == "x" and event.c',
    'not (event.a > 1 or event.b != "x")',
    'not (event.a == 1 and not event.c)',
    'event.a in [1, 2, null] or event.b not in ["x"]',
    'event.l contains 1 and event.l not contains "x"',
    'event.a is defined and event.z is not defined',
    'event.b is search("x", ignorecase=true) or event.b is not match("y")',
    'not event.b is regex("^x")',
    'event.l is select(">", 0) and event.l is not select("==", null)',
    'event.p is selectattr("a", "==", 1) or not event.p is not selectattr("a", "!=", null)',
    'event.a + 1 == 2 or event.b + "y" == "xy"',
    'event.a == events.m_0.a',
    'event.c',
    'not event.c',
    'true and event.a',
    'event.a == 9007199254740993 or event.a < 1.5',
  ];
  const values: unknown[] = [undefined, null, 0, 1, 2, 9007199254740993n, 'x', 'X', 'y', true, false, [1], [null, 1], ['x'], { a: 1 }, [{ a: 1 }, { b: 2 }]];

  it('on every combination of a few values', () => {
    let n = 0;
    for (const c of conditions) {
      const expr = parseCondition(c).expr;
      const predicate = compileExpr(expr, { boundNames: new Set(['m_0']) });
      for (const a of values) {
        for (const b of values) {
          const obj: Record<string, unknown> = {};
          if (a !== undefined) obj['a'] = obj['l'] = obj['p'] = a;
          if (b !== undefined) obj['b'] = obj['c'] = b;
          const bindings = { m_0: { a: b } };
          const expected = predicate(obj, bindings);
          const got = explainExpr(expr, obj, bindings, { boundNames: new Set(['m_0']) });
          expect(got.matched, `${c} on ${String(a)}, ${String(b)}`).toBe(expected);
          expect(got.failed === undefined).toBe(expected);
          n++;
        }
      }
    }
    expect(n).toBe(conditions.length * values.length * values.length);
  });
});
