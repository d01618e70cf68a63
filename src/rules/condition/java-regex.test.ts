import { describe, expect, it } from 'vitest';
import { compileJavaRegex, JavaRegexError, type JavaRegexFlags } from './java-regex.js';

// Each row: Java pattern, flags, subject, whether Java's Matcher.find() succeeds.
const FIND_CASES: ReadonlyArray<readonly [string, JavaRegexFlags, string, boolean]> = [
  ['(?i)ArRo', {}, 'arrokoth', true],
  ['h.{3}(-bo).', {}, 'hale-bopp', true],
  ['(?s)^AKA.*months\\.$', {}, "AKA the 'Great Comet\nof 1997'. It was visible\nfor a total of 18 months.\n", true],
  ['^AKA.*months\\.$', {}, 'AKA the\nmonths.\n', false],
  ['(?si)HeaRTH.*myTHology', {}, 'hearth and\nmythology', true],
  ['.', {}, '\n', false],
  ['.', {}, '\u0085', false],
  ['(?d).', {}, '\r', true],
  // possessive quantifiers and atomic groups never give back what they matched
  ['a++b', {}, 'aaab', true],
  ['a++a', {}, 'aaaa', false],
  ['x{2,3}+x', {}, 'xxxx', true],
  ['(?>a|ab)c', {}, 'abc', false],
  ['(?>ab|a)c', {}, 'abc', true],
  ['(a)(?>b)\\1', {}, 'aba', true],
  ['(a)(b)\\2', {}, 'abb', true],
  ['(a)\\11', {}, 'aa1', true],
  // classes: intersection, nested, POSIX and Unicode properties
  ['[a-z&&[^aeiou]]+', {}, 'bcd', true],
  ['^[a-z&&[^aeiou]]+$', {}, 'bad', false],
  ['[a[0-9]]', {}, '5', true],
  ['[]a]', {}, ']', true],
  ['[^\\S]', {}, ' ', true],
  ['[\\S]', {}, '\u00a0', true],
  ['\\s', {}, '\u00a0', false],
  ['\\p{Alpha}+', {}, 'abc', true],
  ['\\p{Alpha}', {}, 'é', false],
  ['\\p{Lu}', {}, 'É', true],
  ['\\p{IsLatin}', {}, 'a', true],
  ['\\P{Digit}', {}, '5', false],
  ['\\h', {}, '\u2003', true],
  ['\\R', {}, '\r\n', true],
  // case folding is ASCII-only unless UNICODE_CASE
  ['é', { ignoreCase: true }, 'É', false],
  ['(?iu)é', {}, 'É', true],
  ['[a-c]', { ignoreCase: true }, 'B', true],
  ['\\x41', { ignoreCase: true }, 'a', true],
  // scoped flags
  ['a(?i)b', {}, 'aB', true],
  ['a(?i)b', {}, 'AB', false],
  ['(?i:a)b', {}, 'AB', false],
  ['(?i:a)b', {}, 'Ab', true],
  ['(?i)a(?-i)b', {}, 'Ab', true],
  ['(?i)a(?-i)b', {}, 'AB', false],
  ['(?:(?i)a)b', {}, 'AB', false],
  ['(?:(?i)a)b', {}, 'Ab', true],
  ['a(?i)b|c', {}, 'C', true],
  // quoting and comments
  ['\\Qa.b\\E', {}, 'axb', false],
  ['\\Qa.b\\E', {}, 'a.b', true],
  ['(?x) a b # comment\n c', {}, 'abc', true],
  ['(?x)a\\ b', {}, 'a b', true],
  // anchors
  ['^b', { multiline: true }, 'a\nb', true],
  ['^b', {}, 'a\nb', false],
  ['a$', {}, 'a\n', true],
  ['a$', {}, 'a\nb', false],
  ['a$', { multiline: true }, 'a\nb', true],
  ['a\\Z', {}, 'a\r\n', true],
  ['a\\z', {}, 'a\n', false],
  ['\\Aa', {}, 'a', true],
  ['(?m)^$', {}, 'a\r\nb', false],
  // escapes
  ['\\t\\u0041\\x{1F600}\\0101', {}, '\tA\u{1F600}A', true],
  ['\\.', {}, 'a', false],
  ['[\\-x]', {}, '-', true],
  ['\\cA', {}, '\u0001', true],
  ['(?<year>\\d{4})-\\k<year>', {}, '2024-2024', true],
];

describe('compileJavaRegex', () => {
  it.each(FIND_CASES)('%j with %j on %j finds: %s', (pattern, flags, subject, expected) => {
    expect(compileJavaRegex(pattern, flags).test(subject)).toBe(expected);
  });

  it.each([
    ['\\G', '\\G is not supported'],
    ['(?U)a', '(?U)'],
    ['\\p{InGreek}', 'Unicode blocks'],
    ['a{', 'illegal repetition'],
    ['*a', 'dangling meta character'],
    ['(a', 'unclosed group'],
    ['a)', "unmatched closing ')'"],
    ['\\y', 'illegal or unsupported escape sequence \\y'],
    ['[a', 'unclosed character class'],
    ['[z-a]', 'illegal character range'],
  ])('rejects %j with a message naming the problem', (pattern, fragment) => {
    let caught: unknown;
    try {
      compileJavaRegex(pattern);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JavaRegexError);
    expect((caught as Error).message).toContain(fragment);
  });
});
