import { describe, expect, it } from 'vitest';
import { compilePythonRegex, pythonRegexSub } from './python-regex.js';

// [pattern, replacement, input, count, ignoreCase, multiline, [result, replacements]]: each row
// is the output of CPython 3.11's re.subn(pattern, replacement, input, count=…, flags=…).
const CASES: [string, string, string, number, boolean, boolean, [string, number]][] = [
  ['(\\w+)@(\\w+)', '\\2 at \\1', 'user@host and admin@web', 0, false, false, ['host at user and web at admin', 2]],
  ['(?P<user>\\w+)@(?P<host>\\w+)', '\\g<host>/\\g<user> [\\g<0>]', 'user@host', 0, false, false, ['host/user [user@host]', 1]],
  ['\\d+', '#', 'a1b22c333', 2, false, false, ['a#b#c333', 2]],
  ['^', '> ', 'a\nb\nc', 0, false, true, ['> a\n> b\n> c', 3]],
  ['^', '> ', 'a\nb\nc', 0, false, false, ['> a\nb\nc', 1]],
  ['$', '!', 'ab\n', 0, false, false, ['ab!\n!', 2]],
  ['x*', '-', 'abxd', 0, false, false, ['-a-b--d-', 5]],
  ['a*?', '-', 'baac', 0, false, false, ['-b-----c-', 7]],
  ['HELLO', 'bye', 'Hello hello', 0, true, false, ['bye bye', 2]],
  ['\\w+', 'W', 'h\u00e9llo w\u00f6rld \u0663\u0664', 0, false, false, ['W W W', 3]],
  ['\\bb', 'B', 'foo bar baz', 0, false, false, ['foo Bar Baz', 2]],
  ['[\\W_]+', '', 'a-b_c d!', 0, false, false, ['abcd', 4]],
  ['(a)(x)?', '[\\2]', 'abc', 0, false, false, ['[]bc', 1]],
  ['x{a}', 'Z', 'x{a}y', 0, false, false, ['Zy', 1]],
  ['a{,2}', 'X', 'aaa', 0, false, false, ['XXX', 3]],
  ['.', '.', 'a\nb', 0, false, false, ['.\n.', 2]],
  ['(?s).', '.', 'a\nb', 0, false, false, ['...', 3]],
  ['\\.', '\\\\', 'a.b', 0, false, false, ['a\\b', 1]],
  ['\\s+', ' ', 'a \t\n\u00a0 b', 0, false, false, ['a b', 1]],
  ['(?x) a  b  # spaced', 'X', 'ab a b', 0, false, false, ['X a b', 1]],
  ['(\\d)(\\d)', '\\2\\1\\n', '12', 0, false, false, ['21\n', 1]],
];

describe('pythonRegexSub', () => {
  it.each(CASES)('re.subn(%j, %j, %j)', (pattern, repl, input, count, ignoreCase, multiline, [text, replaced]) => {
    const compiled = compilePythonRegex(pattern, { ignoreCase, multiline });
    expect(pythonRegexSub(compiled, repl, input, count, 1_000_000)).toEqual({ text, replaced });
  });

  it('gives the same result on repeated use of a cached pattern', () => {
    const compiled = compilePythonRegex('o');
    expect(pythonRegexSub(compiled, '0', 'foo', 0, 100).text).toBe('f00');
    expect(pythonRegexSub(compiled, '0', 'boo', 1, 100).text).toBe('b0o');
    expect(compilePythonRegex('o')).toBe(compiled);
  });

  it('refuses results above the size limit', () => {
    const compiled = compilePythonRegex('a');
    expect(() => pythonRegexSub(compiled, 'x'.repeat(100), 'aaaa', 0, 300)).toThrow('size limit');
  });
});

describe('errors worded as Python re.error', () => {
  it.each([
    ['(', 'x', 'missing ), unterminated subpattern at position 0'],
    ['a', '\\3', 'invalid group reference 3 at position 1'],
    ['a', '\\q', 'bad escape \\q at position 0'],
    ['\\q', 'x', 'bad escape \\q at position 0'],
    ['(?P<n>a)', '\\g<m>', "unknown group name 'm'"],
    ['a{2,1}', 'x', 'min repeat greater than max repeat at position 2'],
    ['a)', 'x', 'unbalanced parenthesis at position 1'],
  ])('%j / %j', (pattern, repl, message) => {
    expect(() => pythonRegexSub(compilePythonRegex(pattern), repl, 'a', 0, 100)).toThrow(message);
  });

  it('names Python features JS cannot express instead of changing their meaning', () => {
    expect(() => compilePythonRegex('(?>a)')).toThrow('atomic group');
    expect(() => compilePythonRegex('a++')).toThrow('possessive');
    expect(() => compilePythonRegex('(a)(?(1)b|c)')).toThrow('conditional');
  });
});
