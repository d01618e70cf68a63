import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, type AutohealError } from '../../core/index.js';
import { IcingaStreamDecoder } from './icinga-stream-decoder.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const stream = readFileSync(FIXTURES + 'icinga-stream-sample.jsonl');
const expected = stream.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);

/** A small deterministic PRNG (mulberry32), so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function decode(chunks: readonly Uint8Array[], maxLineBytes?: number) {
  const events: unknown[] = [];
  const errors: AutohealError[] = [];
  const decoder = new IcingaStreamDecoder({ onEvent: (e) => events.push(e), onError: (e) => errors.push(e), maxLineBytes });
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { events, errors };
}

function randomChunks(data: Uint8Array, seed: number, max: number): Uint8Array[] {
  const rand = prng(seed);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(rand() * max);
    chunks.push(data.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

describe('IcingaStreamDecoder', () => {
  it('decodes the recorded stream of 47 events whatever the chunk sizes', () => {
    expect(expected).toHaveLength(47);
    for (const [seed, max] of [[1, 1], [2, 7], [3, 64], [4, 700], [5, 5000], [6, 40000]] as const) {
      const { events, errors } = decode(randomChunks(stream, seed, max));
      expect(errors).toEqual([]);
      expect(events).toEqual(expected);
    }
  });

  it('reassembles multi-byte characters split across chunks at every byte position', () => {
    const line = Buffer.from(`${JSON.stringify({ type: 'CheckResult', output: 'Störung ✓ 🚀 größer' })}\n`, 'utf8');
    for (let cut = 1; cut < line.length; cut += 1) {
      const { events, errors } = decode([line.subarray(0, cut), line.subarray(cut)]);
      expect(errors).toEqual([]);
      expect(events).toEqual([{ type: 'CheckResult', output: 'Störung ✓ 🚀 größer' }]);
    }
  });

  it('reports a malformed line and goes on with the next ones, without quoting it', () => {
    const data = Buffer.from('{"type":"A"}\n{"type": secret-garbage\n[1,2]\n{"type":"B"}\n', 'utf8');
    const { events, errors } = decode(randomChunks(data, 9, 5));
    expect(events).toEqual([{ type: 'A' }, { type: 'B' }]);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.IcingaStreamBadLine, ErrorCode.IcingaStreamBadLine]);
    expect(errors[0]!.message).toContain('line 2');
    expect(errors[1]!.message).toContain('line 3');
    for (const e of errors) expect(e.message).not.toContain('secret');
  });

  it('reports invalid UTF-8 as a bad line', () => {
    const data = Buffer.concat([Buffer.from('{"o":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"type":"ok"}\n')]);
    const { events, errors } = decode([data]);
    expect(events).toEqual([{ type: 'ok' }]);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.IcingaStreamBadLine]);
  });

  it('skips an oversize line with one error and resumes at the next line', () => {
    const big = `{"type":"X","output":"${'a'.repeat(300)}"}`;
    const data = Buffer.from(`{"type":"A"}\n${big}\n{"type":"B"}\n`);
    const { events, errors } = decode(randomChunks(data, 11, 17), 100);
    expect(events).toEqual([{ type: 'A' }, { type: 'B' }]);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.IcingaStreamLineTooLong]);
    expect(errors[0]!.message).toContain('line 2');
  });

  it('accepts a line of exactly the limit', () => {
    const line = '{"t":"1234567"}';
    expect(decode([Buffer.from(`${line}\n`)], line.length).events).toEqual([{ t: '1234567' }]);
  });

  it('ignores empty lines and tolerates CRLF', () => {
    const { events, errors } = decode([Buffer.from('\n\n{"a":1}\r\n  \n{"b":2}\n')]);
    expect(errors).toEqual([]);
    expect(events).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('decodes a last line without newline at end(), and reports a cut one', () => {
    expect(decode([Buffer.from('{"a":1}\n{"b":2}')]).events).toEqual([{ a: 1 }, { b: 2 }]);
    const cut = decode([Buffer.from('{"a":1}\n{"b":')]);
    expect(cut.events).toEqual([{ a: 1 }]);
    expect(cut.errors.map((e) => e.code)).toEqual([ErrorCode.IcingaStreamBadLine]);
  });

  it('does not keep references to the caller\'s chunk buffers', () => {
    const events: unknown[] = [];
    const decoder = new IcingaStreamDecoder({ onEvent: (e) => events.push(e), onError: () => undefined });
    const buf = Buffer.from('{"a":"xy');
    decoder.push(buf);
    buf.fill(0x20);
    decoder.push(Buffer.from('z"}\n'));
    expect(events).toEqual([{ a: 'xyz' }]);
  });

  it('uses an injected parser', () => {
    const events: unknown[] = [];
    const decoder = new IcingaStreamDecoder({
      onEvent: (e) => events.push(e),
      onError: () => undefined,
      parse: (text) => ({ raw: text }),
    });
    decoder.push(Buffer.from('{"n":12345678901234567890}\n'));
    expect(events).toEqual([{ raw: '{"n":12345678901234567890}' }]);
  });

  it('rejects a non-positive line limit', () => {
    expect(() => new IcingaStreamDecoder({ onEvent: () => undefined, onError: () => undefined, maxLineBytes: 0 })).toThrow(/maxLineBytes/);
  });
});
