import { describe, expect, it } from 'vitest';
import { literalEval } from './literal-eval.js';
import { TemplateRuntimeError } from './python-values.js';

// Expectations checked against CPython 3.11's ast.literal_eval(ast.parse(text, mode="eval")).
const value = (text: string): unknown => {
  const r = literalEval(text);
  return r.ok ? r.value : 'NOT A LITERAL';
};

describe('literalEval accepts what literal_eval accepts', () => {
  it.each([
    ['86', 86],
    ['-86', -86],
    ['+5', 5],
    ['-(5)', -5],
    ['-((5))', -5],
    ['1_000', 1000],
    ['0', 0],
    ['00', 0],
    ['0x1F', 31],
    ['0X_1f', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1.', 1],
    ['.5', 0.5],
    ['1.5e-3', 0.0015],
    ['1e400', Infinity],
    ['True', true],
    ['False ', false],
    ['None', null],
    ['\nTrue', true],
    ['1\n', 1],
    ['1 # comment', 1],
    ['# comment\n1', 1],
    ['[1, 2]', [1, 2]],
    ['[1, 2,]', [1, 2]],
    ['[1,\n2]', [1, 2]],
    ['[1, # c\n 2]', [1, 2]],
    ['(1)', 1],
    ['(1,)', [1]],
    ['()', []],
    ['1, 2', [1, 2]],
    ['1,', [1]],
    ['{}', {}],
    ["{'a': 1,}", { a: 1 }],
    ['{"a": [1, {\'b\': None}]}', { a: [1, { b: null }] }],
    ["{'a': 1, 'a': 2}", { a: 2 }],
    ["'a' 'b'", 'ab'],
    ["'a' \"b\"", 'ab'],
    ["'''x\ny'''", 'x\ny'],
    ["'a\\nb'", 'a\nb'],
    ["'\\x41\\u00e9\\101'", 'A\u00e9A'],
    ["'\\q'", '\\q'],
    ["r'\\n'", '\\n'],
    ["u'x'", 'x'],
    ["'é'", 'é'],
    ['12345678901234567890123', 12345678901234567890123n],
    ['0xffffffffffffffffffff', 0xffffffffffffffffffffn],
  ])('%s', (text, expected) => {
    expect(value(text)).toEqual(expected);
  });
});

describe('literalEval rejects what literal_eval rejects (the string is kept)', () => {
  it.each([
    '--5',
    '-(-5)',
    '1__0',
    '1_',
    '007',
    '0b2',
    '1e',
    '1+2',
    'true',
    'null',
    ' True', // leading indentation is an IndentationError
    '\n 1',
    '\t1',
    '1\n2',
    '[,]',
    '[1 2]',
    "{**{}}",
    '[*[1]]',
    '[1] [0]',
    "'a'[0]",
    'x',
    '1 if 2 else 3',
    'not 1',
    '~1',
    '1.5.2',
    '1 \\\n',
    "'a\nb'",
    "'\\x4'",
    'é',
    '1\x00',
    '',
    ' ',
    '\n',
    '#',
    ';',
    '1 ; 2',
    'None.x',
    'True()',
    '1'.repeat(4301), // beyond Python's int string conversion limit
    '['.repeat(201) + ']'.repeat(201), // beyond the tokenizer's nesting limit
  ])('%j', (text) => {
    expect(literalEval(text)).toEqual({ ok: false });
  });

  it('keeps the string for values JSON cannot hold: complex, bytes, Ellipsis, \\N{}', () => {
    for (const text of ['1j', '1+2j', "b'x'", "Rb'x'", "f'x'", '...', "'\\N{BULLET}'"]) {
      expect(literalEval(text)).toEqual({ ok: false });
    }
  });

  it('accepts deep but legal nesting', () => {
    expect(literalEval('['.repeat(199) + ']'.repeat(199)).ok).toBe(true);
  });
});

describe('literalEval conversions', () => {
  it('turns sets and tuples into arrays and non-string keys into JSON key text', () => {
    expect(value('{1, 2, 2}')).toEqual([1, 2]);
    expect(value('{1: 2, 1.5: 3, True: 4, None: 5, (1, 2): 6}')).toEqual({ '1': 2, '1.5': 3, true: 4, null: 5, '(1, 2)': 6 });
  });

  it('raises TypeError for unhashable keys, as literal_eval does', () => {
    expect(() => literalEval('{[1]: 2}')).toThrow(TemplateRuntimeError);
    expect(() => literalEval('{[1]}')).toThrow("unhashable type: 'list'");
  });
});
