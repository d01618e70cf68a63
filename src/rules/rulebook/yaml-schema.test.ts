import { describe, expect, it } from 'vitest';
import { isVaultMarker, parseYaml } from './yaml-schema.js';

function load(text: string): unknown {
  const { doc } = parseYaml(text);
  expect(doc.errors).toEqual([]);
  return doc.toJS();
}

describe('parseYaml (PyYAML safe_load compatibility)', () => {
  it('reads YAML 1.1 booleans but not y/n', () => {
    expect(load('a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: n\ng: Y\nh: true\n')).toEqual({
      a: true,
      b: false,
      c: true,
      d: false,
      e: 'y',
      f: 'n',
      g: 'Y',
      h: true,
    });
  });

  it('keeps a key named n a string key', () => {
    expect(load('n: 3\ny: 4\n')).toEqual({ n: 3, y: 4 });
  });

  it('reads integers as PyYAML does', () => {
    expect(load('oct: 0755\nund: 1_000\nhex: 0x1F\nbin: 0b101\nsexa: 190:20:30\nneg: -12\nzero: 0\nlead: 09\n')).toEqual({
      oct: 493,
      und: 1000,
      hex: 31,
      bin: 5,
      sexa: 685230,
      neg: -12,
      zero: 0,
      lead: '09',
    });
  });

  it('keeps integers beyond 2^53 exact as bigint', () => {
    expect(load('big: 12345678901234567890123\n')).toEqual({ big: 12345678901234567890123n });
  });

  it('reads floats only with a dot, as PyYAML does', () => {
    expect(load('a: 1.5\nb: 1e3\nc: 1.0e+3\nd: .5\ne: .inf\nf: -.inf\ng: 3.\n')).toEqual({
      a: 1.5,
      b: '1e3',
      c: 1000,
      d: 0.5,
      e: Number.POSITIVE_INFINITY,
      f: Number.NEGATIVE_INFINITY,
      g: 3,
    });
  });

  it('reads null forms and keeps timestamps as strings', () => {
    expect(load('a: ~\nb: null\nc:\nd: 2001-12-14\n')).toEqual({ a: null, b: null, c: null, d: '2001-12-14' });
  });

  it('applies merge keys', () => {
    expect(load('base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n')).toEqual({
      base: { x: 1, y: 2 },
      other: { x: 1, y: 3 },
    });
  });

  it('turns !vault into a marker object', () => {
    const value = load('secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\n') as { secret: unknown };
    expect(isVaultMarker(value.secret)).toBe(true);
    expect(value.secret).toEqual({ __vault__: '$ANSIBLE_VAULT;1.1;AES256\n6162\n' });
  });

  it('reports duplicate keys as errors with a position', () => {
    const { doc, lineCounter } = parseYaml('a: 1\nb: 2\na: 3\n');
    expect(doc.errors.map((e) => e.code)).toEqual(['DUPLICATE_KEY']);
    expect(lineCounter.linePos(doc.errors[0]!.pos[0])).toEqual({ line: 3, col: 1 });
  });

  it('flags unknown tags, which PyYAML safe_load rejects', () => {
    const { doc } = parseYaml('a: !python/object foo\n');
    expect(doc.warnings.map((w) => w.code)).toEqual(['TAG_RESOLVE_FAILED']);
  });
});
