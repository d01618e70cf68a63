import { describe, expect, it } from 'vitest';
import { pyPformat, pyRepr, pyStr } from './python-repr.js';

// Every expected string below was produced by CPython 3.11 (`repr(...)`, `pprint.pformat(...)`)
// for the same value, then pasted here.

const ALERT_EVENT = {
  alert: {
    status: 'firing',
    labels: { alertname: 'HighCPU', instance: 'web01:9100', severity: 'critical' },
    annotations: { summary: 'CPU usage above 90% for 5 minutes on web01, please investigate immediately' },
    startsAt: '2026-07-23T10:11:12.123Z',
  },
  meta: {
    endpoint: 'alerts',
    headers: { Host: 'localhost:5000' },
    hosts: ['web01'],
    source: { name: 'alertmanager', type: 'ansible.eda.alertmanager' },
    uuid: '3c1e5c1e-0000-4000-8000-000000000001',
  },
};

describe('pyRepr', () => {
  it('prints dicts in insertion order with Python literals', () => {
    expect(pyRepr({ a: 1, b: [true, null, 'x'] })).toBe("{'a': 1, 'b': [True, None, 'x']}");
    expect(pyRepr({})).toBe('{}');
    expect(pyRepr([])).toBe('[]');
    expect(pyRepr(ALERT_EVENT)).toBe(
      "{'alert': {'status': 'firing', 'labels': {'alertname': 'HighCPU', 'instance': 'web01:9100', 'severity': 'critical'}, 'annotations': {'summary': 'CPU usage above 90% for 5 minutes on web01, please investigate immediately'}, 'startsAt': '2026-07-23T10:11:12.123Z'}, 'meta': {'endpoint': 'alerts', 'headers': {'Host': 'localhost:5000'}, 'hosts': ['web01'], 'source': {'name': 'alertmanager', 'type': 'ansible.eda.alertmanager'}, 'uuid': '3c1e5c1e-0000-4000-8000-000000000001'}}",
    );
  });

  it('quotes and escapes strings as CPython does', () => {
    const value = {
      a: 1,
      b: [true, null, 'x'],
      c: "it's",
      d: 'say "hi"',
      e: 'both \' and "',
      f: 'tab\t\n\\',
      g: '\x00\x7f\xa0\u00e9\u200b\u{1F600}',
      i: 1e20,
      j: 1e-5,
      k: 0.1,
      m: 1e16,
      n: 123456789012345678n,
      o: Infinity,
      p: 2.5e-310,
      q: 1.5,
      r: -2.0e-7,
      s: 1234567.125,
    };
    expect(pyRepr(value)).toBe(
      "{'a': 1, 'b': [True, None, 'x'], 'c': \"it's\", 'd': 'say \"hi\"', 'e': 'both \\' and \"', 'f': 'tab\\t\\n\\\\', 'g': '\\x00\\x7f\\xa0\u00e9\\u200b\ud83d\ude00', 'i': 1e+20, 'j': 1e-05, 'k': 0.1, 'm': 1e+16, 'n': 123456789012345678, 'o': inf, 'p': 2.5e-310, 'q': 1.5, 'r': -2e-07, 's': 1234567.125}",
    );
  });

  it('prints safe integers as ints and bigints as their digits', () => {
    expect(pyRepr(42)).toBe('42');
    expect(pyRepr(-7)).toBe('-7');
    expect(pyRepr(2n ** 70n)).toBe('1180591620717411303424');
    expect(pyRepr(12345678901234567890123456789012345678901234567890123456789012345n)).toBe(
      '12345678901234567890123456789012345678901234567890123456789012345',
    );
  });

  it('keeps a key named __proto__ as data', () => {
    const event = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    expect(pyRepr(event)).toBe("{'__proto__': {'x': 1}, 'a': 2}");
  });
});

describe('pyStr', () => {
  it('is the string itself for str, repr otherwise', () => {
    expect(pyStr('a "b"')).toBe('a "b"');
    expect(pyStr(true)).toBe('True');
    expect(pyStr(null)).toBe('None');
    expect(pyStr(['it\'s'])).toBe('["it\'s"]');
  });
});

describe('pyPformat', () => {
  it('sorts keys and wraps an alertmanager event exactly like pprint', () => {
    expect(pyPformat(ALERT_EVENT)).toBe(
      "{'alert': {'annotations': {'summary': 'CPU usage above 90% for 5 minutes on '\n                                      'web01, please investigate immediately'},\n           'labels': {'alertname': 'HighCPU',\n                      'instance': 'web01:9100',\n                      'severity': 'critical'},\n           'startsAt': '2026-07-23T10:11:12.123Z',\n           'status': 'firing'},\n 'meta': {'endpoint': 'alerts',\n          'headers': {'Host': 'localhost:5000'},\n          'hosts': ['web01'],\n          'source': {'name': 'alertmanager',\n                     'type': 'ansible.eda.alertmanager'},\n          'uuid': '3c1e5c1e-0000-4000-8000-000000000001'}}",
    );
  });

  it('leaves short values on one line, keys sorted by code point', () => {
    expect(pyPformat({ m_1: { i: 2 }, m_0: { i: 1 } })).toBe("{'m_0': {'i': 1}, 'm_1': {'i': 2}}");
    expect(pyPformat({ b: 1, a: 2, B: 3, _: 4, 'é': 5, '10': 6, '9': 7 })).toBe(
      "{'10': 6, '9': 7, 'B': 3, '_': 4, 'a': 2, 'b': 1, 'é': 5}",
    );
  });

  it('splits long strings into adjacent literals (in parentheses at top level)', () => {
    expect(pyPformat('word '.repeat(30))).toBe(
      "('word word word word word word word word word word word word word word word '\n 'word word word word word word word word word word word word word word word ')",
    );
    expect(pyPformat({ msg: 'line one\nline two is a bit longer than the first one, long enough to wrap\n' })).toBe(
      "{'msg': 'line one\\n'\n        'line two is a bit longer than the first one, long enough to wrap\\n'}",
    );
    expect(pyPformat({ x: ['a b c d e f g h i j k l m n o p q r s t u v w x y z '.repeat(2), 42] }, 60)).toBe(
      "{'x': ['a b c d e f g h i j k l m n o p q r s t u v w x y '\n       'z a b c d e f g h i j k l m n o p q r s t u v w x '\n       'y z ',\n       42]}",
    );
  });

  it('indents nested lists one column per level', () => {
    expect(pyPformat([1, [2, [3, [4, [5, 'x'.repeat(70)]]]]])).toBe(
      "[1,\n [2,\n  [3,\n   [4,\n    [5,\n     'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']]]]]",
    );
    expect(pyPformat({ events: { m_0: { alert: 'x'.repeat(30), i: 1 }, m_1: { alert: 'y'.repeat(30), i: 2 } } })).toBe(
      "{'events': {'m_0': {'alert': 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'i': 1},\n            'm_1': {'alert': 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', 'i': 2}}}",
    );
  });

  it('measures widths in code points, not UTF-16 units', () => {
    const value = { ['\u{1F600}'.repeat(10)]: 'é'.repeat(60) };
    expect(pyPformat(value)).toBe(`{'${'\u{1F600}'.repeat(10)}': '${'é'.repeat(60)}'}`);
  });

  it('does not split a single long word', () => {
    expect(pyPformat({ k: 'x'.repeat(80) }, 40)).toBe(`{'k': '${'x'.repeat(80)}'}`);
  });
});
