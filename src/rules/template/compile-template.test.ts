import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, hasErrorCode } from '../../core/index.js';
import { compileTemplate, type TemplateContext } from './compile-template.js';

/** Renders, or returns the thrown AutohealError. */
function attempt(source: string, context: TemplateContext, limits?: { maxSteps?: number; maxOutputChars?: number }): unknown {
  try {
    return compileTemplate(source).render(context, limits);
  } catch (e) {
    if (e instanceof AutohealError) return e;
    throw e;
  }
}

function renderError(source: string, context: TemplateContext = {}): AutohealError {
  const r = attempt(source, context);
  if (!(r instanceof AutohealError)) throw new Error(`expected ${JSON.stringify(source)} to fail, got ${String(r)}`);
  return r;
}

const CONTEXT: TemplateContext = { "event": { "i": 3, "s": "Hello World", "f": 2.5, "b": true, "n": null, "l": [3, 1, 2], "d": { "b": 2, "a": 1 }, "name": "web01.example.com", "alert": { "labels": { "alertname": "HighCPU", "instance": "web01:9100", "severity": "critical" } }, "alerts": [{ "labels": { "name": "a", "sev": "high" }, "v": 1 }, { "labels": { "name": "b", "sev": "low" }, "v": 2 }, { "labels": { "name": "c", "sev": "high" }, "v": 3 }], "path": "/etc/certs//../certs/./cert.pem", "num": "42", "ws": "  padded  " }, "E2E_AGENT_ID": "86", "zip": "12345", "flag": "True", "listy": "[1, 2]", "dicty": "{'a': 1}", "nonestr": "None", "lead": " 5", "trail": "5 ", "word": "hello" };

// Each row: a template and what Jinja2 3.1 NativeEnvironment + StrictUndefined (plus EDA's
// filters) returned for it with CONTEXT, generated with Python and pasted. Python tuples and
// dict views come back as arrays, and integral floats as JS numbers, by design.
const JINJA_CASES: [string, unknown][] = [
  ["{{ event.i }}", 3],
  ["{{ event.l }}", [3, 1, 2]],
  ["x{{ 1 }}", "x1"],
  ["{{ 86 }}", 86],
  ["{{ E2E_AGENT_ID }}", 86],
  ["{{ zip }}", 12345],
  ["{{ flag }}", true],
  ["{{ listy }}", [1, 2]],
  ["{{ dicty }}", { "a": 1 }],
  ["{{ nonestr }}", null],
  ["{{ lead }}", " 5"],
  ["{{ trail }}", 5],
  ["{{ word }}", "hello"],
  ["{{ event.i }} ", 3],
  [" {{ event.i }}", " 3"],
  ["{{ event.i }}\n", 3],
  ["{{ event.i }}\n\n", 3],
  ["{{ event.d }} ", { "b": 2, "a": 1 }],
  ["{{ event.d }}x", "{'b': 2, 'a': 1}x"],
  ["{{ event.i }}{{ event.i }}", 33],
  ["[{{ event.i }}, {{ event.i }}]", [3, 3]],
  ["{{ event.i }}, {{ event.i }}", [3, 3]],
  ["{{ 'a' }}", "a"],
  ["{{ \"'a'\" }}", "a"],
  ["{{ '' }}", ""],
  ["{{ event.d | tojson }}", { "a": 1, "b": 2 }],
  ["{{ event.l | join(',') }}", [3, 1, 2]],
  ["{% if false %}{{ event.d }}{% endif %}", null],
  ["{% if true %}{{ event.d }}{% endif %}", { "b": 2, "a": 1 }],
  ["{% for x in [7] %}{{ x }}{% endfor %}", 7],
  ["{% for x in [1, 2] %}{{ x }}{% endfor %}", 12],
  ["x{{ 'yes' if event.n }}", "x"],
  ["x{{ 3 / 1 }}", "x3.0"],
  ["x{{ 1e20 }}", "x1e+20"],
  ["x{{ 0.1 + 0.2 }}", "x0.30000000000000004"],
  ["x{{ 1e-5 }}", "x1e-05"],
  ["x{{ event.f * 2 }}", "x5.0"],
  ["{{ 2 ** 100 }}", 1267650600228229401496703205376n],
  ["{{ 12345678901234567890 + 1 }}", 12345678901234567891n],
  ["a {{ event.alert }}", "a {'labels': {'alertname': 'HighCPU', 'instance': 'web01:9100', 'severity': 'critical'}}"],
  ["{{ [1, 'two', none, true, 2.5] ~ '' }}", [1, "two", null, true, 2.5]],
  ["{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ -7 % 3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", "3 -4 -2 2 3.0 0.5"],
  ["{{ 2 ** 3 ** 2 }}", 64],
  ["{{ -2 ** 2 }}", 4],
  ["{{ 10 - 2 - 3 }}|{{ 2 * 3 + 4 }}|{{ 7 / 2 }}", "5|10|3.5"],
  ["{{ event.s ~ '!' }}", "Hello World!"],
  ["{{ event.n ~ event.b ~ 1 }}", "NoneTrue1"],
  ["{{ 'ab' * 3 }}", "ababab"],
  ["{{ [1, 2] * 2 }}", [1, 2, 1, 2]],
  ["{{ [1] + [2] }}", [1, 2]],
  ["{{ true + 1 }}", 2],
  ["{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", "True False"],
  ["{{ event.i == 3.0 }}", true],
  ["{{ 'ell' in event.s }} {{ 1 in event.l }} {{ 'a' in event.d }} {{ 'z' not in event.d }}", "True True True True"],
  ["{{ event.n or 'fallback' }}", "fallback"],
  ["{{ event.b and event.i }}", 3],
  ["{{ 'yes' if event.b else 'no' }}", "yes"],
  ["{{ 'a' if false else 'b' if false else 'c' }}", "c"],
  ["{{ event.alert.labels['alertname'] }}", "HighCPU"],
  ["{{ event.alert.labels.instance.split(':')[0] }}", "web01"],
  ["{{ event.alerts[0].labels.name }}", "a"],
  ["{{ event.alerts.1.v }}", 2],
  ["{{ event.l[-1] }}", 2],
  ["{{ event.s[1:4] }}|{{ event.s[::-1] }}|{{ event.l[1:] }}", "ell|dlroW olleH|[1, 2]"],
  ["{{ event.foo is defined }} {{ event.foo is not defined }} {{ event.n is none }} {{ event.s is string }} {{ event.i is number }} {{ event.b is number }} {{ event.f is float }}", "False True True True True True True"],
  ["{{ foo is string }} {{ foo is number }} {{ foo is sequence }} {{ foo is none }}", "False False False False"],
  ["{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 2 is in [1, 2] }}", "True True True True"],
  ["{{ event.foo | default('d') }}", "d"],
  ["{{ event.n | default('d') }}", null],
  ["{{ event.n | default('d', true) }}", "d"],
  ["{{ '' | d('d', boolean=true) }}", "d"],
  ["{{ foo | default(event.i) }}", 3],
  ["{% if event.i > 2 %}big{% elif event.i > 1 %}mid{% else %}small{% endif %}", "big"],
  ["{% for x in event.l %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %}", "1:3,2:1,3:2"],
  ["{% for x in event.l %}{{ loop.index0 }}{{ loop.first }}{{ loop.revindex }}{{ loop.length }} {% endfor %}", "0True33 1False23 2False13 "],
  ["{% for k, v in event.d.items() %}{{ k }}={{ v }};{% endfor %}", "b=2;a=1;"],
  ["{% for k in event.d %}{{ k }}{% endfor %}", "ba"],
  ["{% for x in [] %}a{% else %}empty{% endfor %}", "empty"],
  ["{% for x in event.l if x > 1 %}{{ x }}@{{ loop.index }} {% endfor %}", "3@1 2@2 "],
  ["{% for x in event.l %}{{ loop.cycle('odd', 'even') }} {% endfor %}", "odd even odd "],
  ["{% set x = 5 %}{{ x * 2 }}", 10],
  ["{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{% endfor %}{{ x }}", 1],
  ["{% set a, b = 1, 2 %}{{ a }}-{{ b }}", "1-2"],
  ["{% set s %}hello {{ event.i }}{% endset %}{{ s }}", "hello 3"],
  ["{% for i in range(1, 10, 3) %}{{ i }} {% endfor %}", "1 4 7 "],
  ["{{ range(3) | list }}", [0, 1, 2]],
  ["{{ dict(a=1, b=[2]) }}", { "a": 1, "b": [2] }],
  ["a  {{- event.i -}}  b", "a3b"],
  ["a {%- if true -%}  x  {%- endif -%} b", "axb"],
  ["a {# comment #} b {#- trimmed -#} c", "a  bc"],
  ["{% raw %}{{ not a template }}{% endraw %}", "{{ not a template }}"],
  ["{% for x in event.l -%}\n  {{ x }}\n{%- endfor %}", 312],
  ["line1\r\nline2 {{ event.i }}\r\n", "line1\nline2 3"],
  ["{{ event.name.split('.') }}", ["web01", "example", "com"]],
  ["{{ event.name.split('.', 1) }}", ["web01", "example.com"]],
  ["{{ event.name.rsplit('.', 1)[0] }}", "web01.example"],
  ["{{ '  a  b  '.split() }}", ["a", "b"]],
  ["{{ event.s.lower() }}|{{ event.s.upper() }}|{{ event.ws.strip() }}|{{ 'xxaxx'.strip('x') }}", "hello world|HELLO WORLD|padded|a"],
  ["{{ event.s.replace('l', 'L', 1) }}", "HeLlo World"],
  ["{{ event.s.startswith('Hell') }} {{ event.s.endswith(('x', 'ld')) }}", "True True"],
  ["{{ ', '.join(['a', 'b']) }}", "a, b"],
  ["{{ event.s.find('o') }} {{ event.s.count('l') }} {{ 'ab'.zfill(5) }} {{ event.num.isdigit() }}", "4 3 000ab True"],
  ["{{ '{} and {}'.format(1, 'b') }}", "1 and b"],
  ["{{ '{x:>5}|{y:.2f}|{z:,}'.format(x='a', y=3.14159, z=1234567) }}", "    a|3.14|1,234,567"],
  ["{{ '%s-%05.1f' % ('a', 2.25) }}", "a-002.2"],
  ["{{ event.d.get('a') }} {{ event.d.get('z', 9) }} {{ event.d.get('z') }}", "1 9 None"],
  ["{{ event.d.keys() | list }}", ["b", "a"]],
  ["{{ {'a': 1, 'b': [1, 2]} }}", { "a": 1, "b": [1, 2] }],
  ["{{ (1, 2) }}", [1, 2]],
  ["{{ 'a' 'b' }}", "ab"],
  ["{{ \"\\x41\\u00e9\\t\" }}", "Aé\t"],
  ["{{ '\\1' }}", "\u0001"],
  ["{{ 0x1f }} {{ 0b101 }} {{ 1_000 }}", "31 5 1000"],
];

describe('compileTemplate renders like Jinja2 NativeEnvironment', () => {
  it.each(JINJA_CASES)('%j', (source, expected) => {
    expect(compileTemplate(source).render(CONTEXT)).toEqual(expected);
  });
});

describe('native results', () => {
  it('returns the context value itself for a lone expression', () => {
    const event = { i: 1, nested: { a: [1, 2] } };
    expect(compileTemplate('{{ event }}').render({ event })).toBe(event);
    expect(compileTemplate('{{ event.nested }}').render({ event })).toBe(event.nested);
  });

  it('parses once and renders many times with different contexts', () => {
    const t = compileTemplate('{{ event.i * 2 }}');
    expect(t.render({ event: { i: 1 } })).toBe(2);
    expect(t.render({ event: { i: 21 } })).toBe(42);
    expect(t.source).toBe('{{ event.i * 2 }}');
  });

  it('keeps integers beyond 2^53 exact', () => {
    const big = 2n ** 64n;
    expect(compileTemplate('{{ event.big + 1 }}').render({ event: { big } })).toBe(big + 1n);
    expect(compileTemplate('{{ event.big }}').render({ event: { big } })).toBe(big);
    expect(compileTemplate('id-{{ event.big }}').render({ event: { big } })).toBe('id-18446744073709551616');
    expect(compileTemplate('{{ event.big > 1e19 }}').render({ event: { big } })).toBe(true);
  });

  it('prints floats as Python does in text but returns plain numbers', () => {
    expect(compileTemplate('{{ 1.0 }}').render({})).toBe(1);
    expect(compileTemplate('v={{ 1.0 }}').render({})).toBe('v=1.0');
    expect(compileTemplate('v={{ 4 / 2 }}').render({})).toBe('v=2.0');
    expect(compileTemplate('v={{ [1.0, 2] }}').render({})).toBe('v=[1.0, 2]');
  });

  it('sees events of a multi-condition match under events', () => {
    const context = { events: { m_0: { i: 1 }, m_1: { host: 'web01' } } };
    expect(compileTemplate('{{ events.m_0.i }}-{{ events.m_1.host }}').render(context)).toBe('1-web01');
  });

  it('returns the materialised list for a lone generator (upstream would return a generator object)', () => {
    expect(compileTemplate("{{ event.l | map('string') }}").render({ event: { l: [1, 2] } })).toEqual(['1', '2']);
  });
});

describe('StrictUndefined', () => {
  it.each([
    ['{{ event.foo }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['x{{ event.foo }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{{ bar }}', "'bar' is undefined", 'bar'],
    ['{{ event.l[9] }}', 'list object has no element 9', 'event.l[9]'],
    ['{{ event.n.x }}', "'None' has no attribute 'x'", 'event.n.x'],
    ['{{ event.s.missing }}', "'str object' has no attribute 'missing'", 'event.s.missing'],
    ['{{ event.foo + 1 }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{{ event.foo == 1 }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{{ event.foo | lower }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{% for x in event.foo %}{% endfor %}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{% if event.foo %}{% endif %}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ['{{ event.foo.bar is defined }}', "'dict object' has no attribute 'foo'", 'event.foo'],
    ["{{ event.foo.bar | default('x') }}", "'dict object' has no attribute 'foo'", 'event.foo'],
  ])('%j fails with %j', (source, message, expression) => {
    const err = renderError(source, { event: { l: [], n: null, s: 'abc' } });
    expect(err.code).toBe(ErrorCode.TemplateRender);
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.message).toContain(JSON.stringify(expression));
    expect(err.details).toMatchObject({ kind: 'undefined', expression, offset: source.indexOf(expression) });
  });

  it('lets is defined, is undefined and default look at undefined values', () => {
    const context = { event: {} };
    expect(compileTemplate('{{ event.foo is defined }}').render(context)).toBe(false);
    expect(compileTemplate('{{ event.foo is undefined }}').render(context)).toBe(true);
    expect(compileTemplate("{{ event.foo | default('d') }}").render(context)).toBe('d');
    expect(compileTemplate("{{ bar | d('d') }}").render(context)).toBe('d');
    expect(compileTemplate("{{ 'y' if event.foo is defined else 'n' }}").render(context)).toBe('n');
  });
});

describe('syntax errors', () => {
  it.each([
    ['{{ event.i', "unexpected end of template, expected 'end of print statement'", 10],
    ['{{ }}', "Expected an expression, got 'end of print statement'", 3],
    ['{{ x | nofilter }}', "No filter named 'nofilter'.", 7],
    ['{{ x is notest }}', "No test named 'notest'.", 8],
    ['{% if true %}', "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.", 13],
    ['{% endif %}', "Encountered unknown tag 'endif'.", 3],
    ['{{ (1 }}', "unexpected '}', expected ')'", 6],
    ["{{ 'abc }}", 'unexpected char "\'"', 3],
    ['{# open', 'Missing end of comment tag', 0],
    ['{% macro m() %}{% endmacro %}', "the 'macro' tag is not supported", 3],
    ['line 1\n{{ 1 + }}', "unexpected 'end of print statement'", 14],
  ])('%j', (source, message, offset) => {
    let caught: unknown;
    try {
      compileTemplate(source);
    } catch (e) {
      caught = e;
    }
    expect(hasErrorCode(caught, ErrorCode.TemplateSyntax)).toBe(true);
    const err = caught as AutohealError;
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.details.offset).toBe(offset);
  });

  it('reports line and column', () => {
    expect(() => compileTemplate('ok\n  {{ 1 + }}')).toThrow('(at offset 12, line 2, column 10)');
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    const source = `{{ ${'('.repeat(50_000)}1${')'.repeat(50_000)} }}`;
    expect(() => compileTemplate(source)).toThrow(expect.objectContaining({ code: ErrorCode.TemplateSyntax }));
  });
});

describe('only own data is reachable', () => {
  const context = { event: { i: 1, l: [1, 2] } };

  it.each([
    '{{ event.constructor }}',
    '{{ "".constructor }}',
    '{{ event.__proto__ }}',
    "{{ event['__proto__'] }}",
    '{{ event.toString }}',
    '{{ event.hasOwnProperty }}',
    '{{ event.l.constructor }}',
    '{{ event.l.length }}',
    '{{ event.l.push }}',
    '{{ "".constructor.constructor }}',
    '{{ range.constructor }}',
    '{{ constructor }}',
    '{{ __proto__ }}',
    '{{ toString }}',
    "{{ ''.__class__ }}",
    '{{ event.__class__.__mro__ }}',
  ])('%s is undefined', (source) => {
    const err = renderError(source, context);
    expect(err.code).toBe(ErrorCode.TemplateRender);
    expect(err.details.kind).toBe('undefined');
  });

  it('cannot call into JavaScript', () => {
    expect(renderError('{{ "".constructor.constructor("return process")() }}', context).details.kind).toBe('undefined');
    expect(renderError('{{ event.i() }}', context).message).toContain("'int' object is not callable");
  });

  it('does not see functions, symbols or getters in the data', () => {
    let getterCalls = 0;
    const event: Record<string, unknown> = { fn: () => 'leak' };
    Object.defineProperty(event, 'secret', {
      enumerable: true,
      get: () => {
        getterCalls++;
        return 'leak';
      },
    });
    expect(renderError('{{ event.fn }}', { event }).details.kind).toBe('undefined');
    expect(renderError('{{ event.fn() }}', { event }).details.kind).toBe('undefined');
    expect(renderError('{{ event.secret }}', { event }).details.kind).toBe('undefined');
    expect(getterCalls).toBe(0);
  });

  it('reads a key named __proto__ when the data really has one', () => {
    const event = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(compileTemplate('{{ event.__proto__.x }}').render({ event })).toBe(1);
  });

  it('builds dicts whose keys cannot touch prototypes', () => {
    const out = compileTemplate("{{ {'__proto__': {'polluted': true}} }}").render({}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bounded time and size', () => {
  it('stops nested loops over big ranges with a budget error', () => {
    const err = renderError('{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}');
    expect(err.code).toBe(ErrorCode.TemplateRender);
    expect(err.details.kind).toBe('budget');
    expect(err.message).toContain('budget of 1000000 evaluation steps');
  });

  it('honours a smaller step budget', () => {
    expect(attempt('{% for i in range(10) %}{{ i }}{% endfor %}', {}, { maxSteps: 1000 })).toBe('0123456789');
    const r = attempt('{% for i in range(1000) %}{{ i }}{% endfor %}', {}, { maxSteps: 1000 });
    expect(r).toBeInstanceOf(AutohealError);
    expect((r as AutohealError).details.kind).toBe('budget');
  });

  it.each([
    "{{ 'x' * 10 ** 9 }}",
    '{{ [0] * 10 ** 9 }}',
    '{{ range(10 ** 12) | list }}',
    '{{ 2 ** (10 ** 9) }}',
    "{{ 'x'.center(10 ** 9) }}",
    "{{ 'x' | indent(10 ** 9, true) }}",
    '{{ [1] | tojson(indent=10 ** 9) }}',
    "{{ 'x' * 600000 ~ 'y' * 600000 }}",
    "{{ ('x' * 600000) + ('y' * 600000) }}",
    '{% for i in range(100000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}',
  ])('refuses %s', (source) => {
    const err = renderError(source);
    expect(err.code).toBe(ErrorCode.TemplateRender);
    expect(err.details.kind).toBe('budget');
  });

  it('rejects invalid limits', () => {
    expect(() => compileTemplate('{{ 1 }}').render({}, { maxSteps: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.Usage }));
  });
});

describe('runtime errors carry Python wording', () => {
  it.each([
    ["{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'", 'type_error'],
    ["{{ 'a' + 1 }}", 'can only concatenate str (not "int") to str', 'type_error'],
    ['{{ 1 / 0 }}', 'division by zero', 'zero_division'],
    ["{{ 1 < 'a' }}", "'<' not supported between instances of 'int' and 'str'", 'type_error'],
    ['{{ 5 | length }}', "object of type 'int' has no len()", 'type_error'],
    ["{{ 'maybe' | bool }}", "Cannot convert 'maybe' to boolean. Expected: true/false, yes/no, 1/0, on/off", 'value_error'],
    ['{% for a, b in [[1]] %}{% endfor %}', 'not enough values to unpack (expected 2, got 1)', 'value_error'],
    ["{{ '%s %s' % (1,) }}", 'not enough arguments for format string', 'type_error'],
    ["{{ event | default('a', 'b', 'c') }}", 'default() takes 3 positional arguments but 4 were given', 'type_error'],
  ])('%j', (source, message, kind) => {
    const err = renderError(source, { event: {} });
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.details.kind).toBe(kind);
  });
});
