import { describe, expect, it } from 'vitest';
import { isMap, isScalar } from 'yaml';
import { scalarSourceOffset } from './scalar-offset.js';
import { parseYaml } from './yaml-schema.js';

/** Parses `c: <scalar>` and returns the source from where the value's `@` lands. */
function landing(text: string): string {
  const { doc } = parseYaml(text);
  const root = doc.contents;
  if (!isMap(root)) throw new Error('expected a map');
  const node = root.items[0]!.value;
  if (!isScalar(node)) throw new Error('expected a scalar');
  const value = String(node.value);
  const index = value.indexOf('@');
  expect(index).toBeGreaterThan(0);
  const at = scalarSourceOffset(text, node, index);
  // The source character found there, and the value character we asked for, must agree.
  expect(text[at]).toBe(value[index]);
  return text.slice(at, at + 3);
}

describe('scalarSourceOffset', () => {
  it('maps a plain scalar directly', () => {
    expect(landing('c: event.i @ 1\n')).toBe('@ 1');
  });

  it('maps a multi-line plain scalar across the fold', () => {
    expect(landing('c: event.i == 1 and\n  event.j @ 2\n')).toBe('@ 2');
  });

  it('skips the opening quote and doubled quotes of a single-quoted scalar', () => {
    // value: it's @
    expect(landing("c: 'it''s @'\n")).toBe("@'\n");
  });

  it('skips escapes of a double-quoted scalar', () => {
    // value: a"b\tc @  (the escapes \" and \t are two source characters each)
    expect(landing('c: "a\\"b\\tc @"\n')).toBe('@"\n');
  });

  it('counts a \\x escape as one value character', () => {
    expect(landing('c: "\\x41\\u00e9 @"\n')).toBe('@"\n');
  });

  it('maps a folded double-quoted scalar with an escaped line break', () => {
    expect(landing('c: "event.i == 1 \\\n  and event.j @ 2"\n')).toBe('@ 2');
  });

  it('handles CRLF line ends', () => {
    expect(landing('c: event.i == 1 and\r\n  event.j @ 2\r\n')).toBe('@ 2');
  });

  it('maps the lines of a literal block scalar, skipping the header and indentation', () => {
    const text = 'c: |\n  event.i == 1 and\n  event.j @ 2\n';
    expect(landing(text)).toBe('@ 2');
  });

  it('maps a folded block scalar', () => {
    const text = 'c: >-\n    event.i == 1 and\n    event.j @ 2\n';
    expect(landing(text)).toBe('@ 2');
  });

  it('maps an index past the end to the end of the value', () => {
    const text = 'c: "abc"\n';
    const { doc } = parseYaml(text);
    const root = doc.contents;
    if (!isMap(root) || !isScalar(root.items[0]!.value)) throw new Error('shape');
    expect(scalarSourceOffset(text, root.items[0]!.value, 3)).toBe(7);
  });
});
