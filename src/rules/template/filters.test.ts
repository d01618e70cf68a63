import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { compileTemplate, type TemplateContext } from './compile-template.js';
import { FILTERS, edaBool, posixBasename, posixDirname, posixNormpath } from './filters.js';

const CONTEXT: TemplateContext = { "event": { "i": 3, "s": "Hello World", "f": 2.5, "b": true, "n": null, "l": [3, 1, 2], "d": { "b": 2, "a": 1 }, "name": "web01.example.com", "alert": { "labels": { "alertname": "HighCPU", "instance": "web01:9100", "severity": "critical" } }, "alerts": [{ "labels": { "name": "a", "sev": "high" }, "v": 1 }, { "labels": { "name": "b", "sev": "low" }, "v": 2 }, { "labels": { "name": "c", "sev": "high" }, "v": 3 }], "path": "/etc/certs//../certs/./cert.pem", "num": "42", "ws": "  padded  " }, "E2E_AGENT_ID": "86", "zip": "12345", "flag": "True", "listy": "[1, 2]", "dicty": "{'a': 1}", "nonestr": "None", "lead": " 5", "trail": "5 ", "word": "hello" };

const ERROR = Symbol('error');

// Each row: a template and what Jinja2 3.1 (NativeEnvironment, StrictUndefined, EDA's filters)
// returned for it with CONTEXT, generated with Python and pasted. Tuples come back as arrays and
// integral floats as JS numbers, by design.
const JINJA_CASES: [string, unknown, string?][] = [
  ["{{ event.s | lower }}|{{ event.s | upper }}|{{ 'hELLO wORLD' | capitalize }}|{{ 'hello WORLD-foo bar(baz' | title }}", "hello world|HELLO WORLD|Hello world|Hello World-Foo Bar(Baz"],
  ["{{ event.ws | trim }}|{{ 'xxhixx' | trim('x') }}", "padded|hi"],
  ["{{ event.s | replace('l', 'L') }}|{{ event.s | replace('l', 'L', 2) }}|{{ 'abc' | replace('', '-') }}", "HeLLo WorLd|HeLLo World|-a-b-c-"],
  ["{{ event.num | int }}", 42],
  ["{{ '42.7' | int }}", 42],
  ["{{ 'abc' | int }}", 0],
  ["{{ 'abc' | int(7) }}", 7],
  ["{{ '0x1A' | int(base=16) }}", 26],
  ["{{ ' 1_000 ' | int }}", 1000],
  ["{{ none | int }}", 0],
  ["{{ event.f | int }}", 2],
  ["x{{ event.num | float }}", "x42.0"],
  ["{{ '1e3' | float }}", 1000],
  ["{{ 'abc' | float(default=-1) }}", -1],
  ["{{ event.i | string }}", 3],
  ["{{ event.d | string }}", { "b": 2, "a": 1 }],
  ["{{ 'Yes' | bool }} {{ 'off' | bool }} {{ 't' | bool }} {{ 'N' | bool }} {{ '' | bool }} {{ ' ON ' | bool }} {{ 0 | bool }} {{ [1] | bool }} {{ none | bool }}", "True False True False False True False True False"],
  ["{{ event.l | length }} {{ event.s | length }} {{ event.d | count }} {{ 'héllo 😀' | length }}", "3 11 2 7"],
  ["{{ event.l | first }} {{ event.l | last }} {{ event.s | first }} {{ event.d | first }}", "3 2 H b"],
  ["x{{ [] | first }}", ERROR, "No first item, sequence was empty."],
  ["{{ event.l | join(',') }}|{{ event.l | join }}|{{ event.alerts | join(', ', attribute='v') }}", "3,1,2|312|1, 2, 3"],
  ["{{ event.alerts | map(attribute='labels.name') | join(',') }}", "a,b,c"],
  ["{{ event.alerts | map(attribute='nope', default='z') | list }}", ["z", "z", "z"]],
  ["{{ ['a', 'b'] | map('upper') | list }}", ["A", "B"]],
  ["{{ ['a', 'b'] | map('replace', 'a', 'x') | list }}", ["x", "b"]],
  ["{{ event.s | list }}", ["H", "e", "l", "l", "o", " ", "W", "o", "r", "l", "d"]],
  ["{{ event.d | list }}", ["b", "a"]],
  ["{{ event.l | sort }}", [1, 2, 3]],
  ["{{ event.l | sort(reverse=true) }}", [3, 2, 1]],
  ["{{ ['b', 'A', 'c'] | sort }}", ["A", "b", "c"]],
  ["{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", ["A", "b", "c"]],
  ["{{ event.alerts | sort(attribute='labels.sev,v', reverse=true) | map(attribute='v') | list }}", [2, 3, 1]],
  ["{{ [1, 2, 1, 3, 2] | unique | list }}", [1, 2, 3]],
  ["{{ ['a', 'A', 'b'] | unique | list }}", ["a", "b"]],
  ["{{ event.alerts | map(attribute='labels.sev') | unique | list }}", ["high", "low"]],
  ["{{ event.l | select('odd') | list }}", [3, 1]],
  ["{{ event.l | reject('odd') | list }}", [2]],
  ["{{ [0, 1, '', 'a', none] | select | list }}", [1, "a"]],
  ["{{ event.l | select('gt', 1) | list }}", [3, 2]],
  ["{{ event.l | select('in', [1, 2]) | list }}", [1, 2]],
  ["{{ event.alerts | selectattr('labels.sev', 'equalto', 'high') | map(attribute='v') | list }}", [1, 3]],
  ["{{ event.alerts | rejectattr('labels.sev', '==', 'high') | map(attribute='labels.name') | list }}", ["b"]],
  ["{{ event.alerts | selectattr('nope', 'defined') | list }}", []],
  ["{{ event.d | tojson }}", { "a": 1, "b": 2 }],
  ["{{ {'a': \"<'&>\", 'b': [1.0, none, true], 'c': 'hé'} | tojson }}", "{\"a\": \"\\u003c\\u0027\\u0026\\u003e\", \"b\": [1.0, null, true], \"c\": \"h\\u00e9\"}"],
  ["x{{ event.d | tojson(indent=2) }}", "x{\n  \"a\": 1,\n  \"b\": 2\n}"],
  ["{{ event.path | basename }}|{{ event.path | dirname }}|{{ event.path | normpath }}", "cert.pem|/etc/certs//../certs/.|/etc/certs/cert.pem"],
  ["{{ '//a//b/' | normpath }}|{{ '///a/../..' | normpath }}|{{ '../a/./b/..' | normpath }}|{{ '' | normpath }}|{{ 'a/b/' | dirname }}|{{ '/' | dirname }}|{{ '//a' | dirname }}|{{ 'file' | dirname }}|{{ 'dir/' | basename }}", "//a/b|/|../a|.|a/b|/|//||"],
  ["{{ none | basename }}{{ none | dirname }}{{ none | normpath }}", ""],
  ["{{ event.s | regex_replace('o', '0') }}", "Hell0 W0rld"],
  ["{{ event.s | regex_replace('O', '0', ignore_case=true) }}", "Hell0 W0rld"],
  ["{{ event.s | regex_replace('(\\\\w+) (\\\\w+)', '\\\\2 \\\\1') }}", "World Hello"],
  ["{{ event.s | regex_replace('(?P<a>\\\\w+) (?P<b>\\\\w+)', '\\\\g<b>-\\\\g<a>') }}", "World-Hello"],
  ["{{ 'a\\nb' | regex_replace('^', '> ', multiline=true) }}", "> a\n> b"],
  ["{{ 'aaa' | regex_replace('a', 'b', 2) }}", "bba"],
  ["{{ 'a1b22' | regex_replace('\\\\d', '#') }}", "a#b##"],
  ["{{ 123 | regex_replace('2', 'x') }}", "1x3"],
  ["{{ none | regex_replace('2', 'x') }}", ""],
  ["{{ 'abc' | regex_replace('b', 'x', mandatory_count=1) }}", "axc"],
  ["{{ event.l | max }} {{ event.l | min }} {{ event.alerts | max(attribute='v') | tojson }} {{ event.l | sum }} {{ event.alerts | sum(attribute='v') }}", "3 1 {\"labels\": {\"name\": \"c\", \"sev\": \"high\"}, \"v\": 3} 6 6"],
  ["x{{ [1.5, 2] | sum }}", "x3.5"],
  ["{{ event.l | reverse | list }}|{{ event.s | reverse }}", "[2, 1, 3]|dlroW olleH"],
  ["x{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 2.675 | round(2) }}|{{ 2.1 | round(0, 'ceil') }}|{{ 2.9 | round(method='floor') }}|{{ 1250 | round(-2) }}|{{ 1350 | round(-2) }}", "x2.0|4.0|2.67|3.0|2.0|1200|1400"],
  ["{{ event.d | dictsort }}", [["a", 1], ["b", 2]]],
  ["{{ event.d | dictsort(by='value', reverse=true) }}", [["b", 2], ["a", 1]]],
  ["{{ event.d | items | list }}", [["b", 2], ["a", 1]]],
  ["{{ foo | items | list }}", []],
  ["{{ 'hello world foo bar baz qux' | truncate(12, leeway=0) }}|{{ 'hello world foo bar baz qux' | truncate(12, true, '..', 0) }}|{{ 'short' | truncate(3) }}", "hello...|hello worl..|short"],
  ["{{ 'a\\nb' | indent }}|{{ 'a\\n\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}", "a\n    b|  a\n\n  b|a\n  \n  b"],
  ["{{ 'ab' | center(6) }}|{{ 'abc' | center(6) }}", "  ab  | abc  "],
  ["{{ '%s-%d' | format('a', 3) }}|{{ '%(x)s!' | format(x=1) }}", "a-3|1!"],
  ["{{ '<a & b>' | escape }}|{{ -3 | abs }}|{{ 'one two  three' | wordcount }}", "&lt;a &amp; b&gt;|3|3"],
  ["{{ [1, 2, 3, 4, 5] | batch(2) | list }}", [[1, 2], [3, 4], [5]]],
  ["{{ event.d | pprint }}", { "a": 1, "b": 2 }],
];

describe('filters render like Jinja2 + EDA', () => {
  it.each(JINJA_CASES)('%j', (source, expected, message) => {
    if (expected === ERROR) {
      expect(() => compileTemplate(source).render(CONTEXT)).toThrow(message);
    } else {
      expect(compileTemplate(source).render(CONTEXT)).toEqual(expected);
    }
  });
});

describe('EDA filters', () => {
  it('bool accepts the EDA words and rejects others', () => {
    for (const w of ['true', 'YES', '1', 'on', 't', 'Y', ' True ']) expect(edaBool(w)).toBe(true);
    for (const w of ['false', 'No', '0', 'OFF', 'f', 'n', '', '  ']) expect(edaBool(w)).toBe(false);
    expect(() => edaBool('maybe')).toThrow("Cannot convert 'maybe' to boolean");
    expect(edaBool(null)).toBe(false);
    expect(edaBool(2)).toBe(true);
    expect(edaBool([])).toBe(false);
  });

  it('path helpers follow POSIX os.path', () => {
    expect(posixBasename('/etc/certs/cert.pem')).toBe('cert.pem');
    expect(posixDirname('/etc/certs/cert.pem')).toBe('/etc/certs');
    expect(posixDirname('cert.pem')).toBe('');
    expect(posixDirname('///x')).toBe('///');
    expect(posixNormpath('/etc/certs//../certs/./cert.pem')).toBe('/etc/certs/cert.pem');
    expect(posixNormpath('a/../..')).toBe('..');
  });

  it('regex_replace enforces mandatory_count', () => {
    expect(() => compileTemplate("{{ 'abc' | regex_replace('z', 'y', mandatory_count=1) }}").render({})).toThrow(
      'Regex replace failed: expected at least 1 replacements, but only found 0.',
    );
  });

  it('rejects non-string paths like os.path does', () => {
    expect(() => compileTemplate('{{ 5 | basename }}').render({})).toThrow('expected str, bytes or os.PathLike object, not int');
  });
});

describe('autoheal extensions (Ansible filters, not available upstream)', () => {
  const d = { b: 2, a: 1 };

  it('to_json is json.dumps with its default separators, no sorting', () => {
    // json.dumps({'b': 2, 'a': 1}) and json.dumps({'x': 'é', 'y': [1.5, None]})
    expect(compileTemplate('x{{ d | to_json }}').render({ d })).toBe('x{"b": 2, "a": 1}');
    expect(compileTemplate('x{{ v | to_json }}').render({ v: { x: 'é', y: [1.5, null] } })).toBe('x{"x": "\\u00e9", "y": [1.5, null]}');
    expect(compileTemplate('x{{ v | to_json(ensure_ascii=false) }}').render({ v: { x: 'é' } })).toBe('x{"x": "é"}');
  });

  it('to_nice_json indents by 4 with sorted keys', () => {
    expect(compileTemplate('x{{ d | to_nice_json }}').render({ d })).toBe('x{\n    "a": 1,\n    "b": 2\n}');
  });

  it('dict2items turns a dict into key/value records', () => {
    expect(compileTemplate('{{ d | dict2items }}').render({ d })).toEqual([
      { key: 'b', value: 2 },
      { key: 'a', value: 1 },
    ]);
    expect(compileTemplate("{{ d | dict2items(key_name='k', value_name='v') }}").render({ d })).toEqual([
      { k: 'b', v: 2 },
      { k: 'a', v: 1 },
    ]);
  });
});

describe('filter arguments bind like Python', () => {
  it('accepts keyword arguments by their Python names', () => {
    expect(compileTemplate("{{ s | regex_replace(pattern='l+', replacement='L', count=1) }}").render({ s: 'hello well' })).toBe('heLo well');
    expect(compileTemplate("{{ x | default(default_value='d', boolean=true) }}").render({ x: 0 })).toBe('d');
  });

  it('reports a wrong call as a render error', () => {
    let caught: unknown;
    try {
      compileTemplate("{{ 'a' | replace('a') }}").render({});
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AutohealError);
    expect((caught as AutohealError).code).toBe(ErrorCode.TemplateRender);
    expect((caught as AutohealError).message).toContain("replace() missing 1 required positional argument: 'new'");
  });

  it('knows every filter the spec lists', () => {
    for (const name of ['default', 'd', 'lower', 'upper', 'capitalize', 'title', 'trim', 'replace', 'int', 'float', 'string', 'bool', 'length', 'count', 'first', 'last', 'join', 'list', 'sort', 'unique', 'map', 'select', 'reject', 'selectattr', 'rejectattr', 'tojson', 'to_json', 'regex_replace', 'basename', 'dirname', 'normpath', 'dict2items', 'items']) {
      expect(FILTERS.has(name)).toBe(true);
    }
  });
});
