/**
 * @module Maps an index into a YAML scalar's *value* (after unquoting, unescaping, folding and
 * de-indenting) back to an offset in the source text, so an error inside a condition string
 * points at the right column of the file whichever way the string was written.
 */
import { Scalar } from 'yaml';

/** The parts of a parsed `Scalar` this needs. */
export interface ScalarLike {
  readonly type?: string | undefined;
  readonly range?: readonly [number, number, number] | null | undefined;
  readonly value: unknown;
  readonly source?: string | undefined;
}

const LINE_BREAK = new Set(['\n', '\r']);

/** Source length and produced UTF-16 length of a double-quoted escape starting at `at` (a `\`). */
function escapeAt(text: string, at: number): { readonly length: number; readonly produces: number } {
  const kind = text[at + 1];
  if (kind === 'x') return { length: 4, produces: 1 };
  if (kind === 'u') return { length: 6, produces: 1 };
  if (kind === 'U') {
    const codePoint = Number.parseInt(text.slice(at + 2, at + 10), 16);
    return { length: 10, produces: codePoint > 0xffff ? 2 : 1 };
  }
  return { length: 2, produces: 1 };
}

/**
 * The source offset of `value[index]` for a scalar parsed from `text`. Exact for plain,
 * single- and double-quoted scalars (escapes, `''`, folded lines) and for block scalars
 * (`|`, `>`: indentation skipped). Whitespace produced by folding maps to the line break it came
 * from. An index at or past the end maps to the end of the value.
 */
export function scalarSourceOffset(text: string, node: ScalarLike, index: number): number {
  const range = node.range;
  if (!range) return 0;
  const [start, valueEnd] = range;
  const value = typeof node.source === 'string' ? node.source : String(node.value);
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  let j = start;
  if (quoted) j = start + 1;
  else if (block) {
    // The content starts on the line after the `|`/`>` header (which may carry a comment).
    const headerEnd = text.indexOf('\n', start);
    j = headerEnd === -1 || headerEnd >= valueEnd ? valueEnd : headerEnd + 1;
  }
  const end = quoted ? valueEnd - 1 : valueEnd;
  let i = 0;
  const target = Math.max(0, Math.min(index, value.length));
  while (j < end && i < value.length) {
    const c = text[j]!;
    if (node.type === Scalar.QUOTE_DOUBLE && c === '\\') {
      if (LINE_BREAK.has(text[j + 1] ?? '')) {
        // An escaped line break joins the lines: it and the next line's indentation produce nothing.
        j += 2;
        while (j < end && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n')) j++;
        continue;
      }
      const escape = escapeAt(text, j);
      if (target < i + escape.produces) return j;
      i += escape.produces;
      j += escape.length;
      continue;
    }
    if (node.type === Scalar.QUOTE_SINGLE && c === "'" && text[j + 1] === "'") {
      if (i === target) return j;
      i += 1;
      j += 2;
      continue;
    }
    const produces = c === value[i] || (LINE_BREAK.has(c) && (value[i] === ' ' || value[i] === '\n'));
    if (produces) {
      if (i === target) return j;
      i += 1;
    }
    // Anything else is source-only: indentation, whitespace folded away, a `\r` before `\n`.
    j += 1;
  }
  return Math.min(j, end);
}
