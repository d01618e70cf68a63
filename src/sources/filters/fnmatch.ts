/**
 * @module Python's `fnmatch.fnmatch` on POSIX (case-sensitive): `*` any run of characters,
 * `?` one character, `[seq]` / `[!seq]` a class; anything else matches itself. Used by
 * `json_filter`, whose key patterns are written for Python.
 */

const cache = new Map<string, RegExp>();

function escapeRegex(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** The regular expression for a pattern, translated as `fnmatch.translate` does. */
export function fnmatchRegex(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let out = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    i += 1;
    if (c === '*') {
      // Consecutive stars mean the same as one.
      while (pattern[i] === '*') i += 1;
      out += '[\\s\\S]*';
    } else if (c === '?') {
      out += '[\\s\\S]';
    } else if (c === '[') {
      let j = i;
      if (pattern[j] === '!') j += 1;
      if (pattern[j] === ']') j += 1;
      while (j < n && pattern[j] !== ']') j += 1;
      if (j >= n) {
        out += '\\[';
      } else {
        let stuff = pattern.slice(i, j);
        i = j + 1;
        const negate = stuff.startsWith('!');
        if (negate) stuff = stuff.slice(1);
        if (stuff === '') {
          // `[]` never matches, `[!]` matches any character (as Python).
          out += negate ? '[\\s\\S]' : '(?!)';
        } else {
          const body = stuff.replace(/[\\\]^]/g, (m) => `\\${m}`);
          out += `[${negate ? '^' : ''}${body}]`;
        }
      }
    } else {
      out += escapeRegex(c);
    }
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${out})$`, 'u');
  } catch {
    // An invalid class such as `[z-a]`: match the pattern as plain text rather than fail.
    re = new RegExp(`^${[...pattern].map(escapeRegex).join('')}$`, 'u');
  }
  cache.set(pattern, re);
  return re;
}

/** True when `name` matches the shell-style `pattern`. */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegex(pattern).test(name);
}
