import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { loadVars } from './load-vars.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autoheal-vars-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<{ message: string; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    expect(hasErrorCode(err, ErrorCode.VarsInvalid)).toBe(true);
    return err as { message: string; details: Record<string, unknown> };
  }
  throw new Error('expected loadVars to fail');
}

describe('loadVars', () => {
  it('returns no variables when given nothing', async () => {
    expect(await loadVars({ env: {} })).toEqual({});
  });

  it('reads typed YAML and JSON files, later files winning', async () => {
    const a = await file('a.yml', 'threshold: 5\nenabled: yes\nanswer: y\nmode: 0755\nhosts: [a, b]\nname: first\n');
    const b = await file('b.json', '{"name": "second", "nested": {"x": 1.5}}');
    expect(await loadVars({ varsFiles: [a, b], env: {} })).toEqual({
      threshold: 5,
      enabled: true,
      answer: 'y',
      mode: 493,
      hosts: ['a', 'b'],
      name: 'second',
      nested: { x: 1.5 },
    });
  });

  it('treats an empty file as no variables', async () => {
    expect(await loadVars({ varsFiles: [await file('empty.yml', '# nothing\n')], env: {} })).toEqual({});
  });

  it('keeps vaulted values as markers', async () => {
    const path = await file('v.yml', 'token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\n');
    expect(await loadVars({ varsFiles: [path], env: {} })).toEqual({
      token: { __vault__: '$ANSIBLE_VAULT;1.1;AES256\n3132\n' },
    });
  });

  it('imports env vars as strings, overriding file vars, accepting comma lists', async () => {
    const path = await file('a.yml', 'PORT: 5050\nother: 1\n');
    expect(
      await loadVars({ varsFiles: [path], envVars: ['PORT,TOKEN', 'EMPTY'], env: { PORT: '6060', TOKEN: 's3cret', EMPTY: '' } }),
    ).toEqual({ PORT: '6060', other: 1, TOKEN: 's3cret', EMPTY: '' });
  });

  it('names every missing env var at once', async () => {
    const err = await failure(loadVars({ envVars: ['A,B', 'C'], env: { B: 'x' } }));
    expect(err.message).toBe('environment variables named by --env-vars not set: A, C');
    expect(err.details.missingEnvVars).toEqual(['A', 'C']);
  });

  it('reports a YAML syntax error with file:line:col', async () => {
    const path = await file('bad.yml', 'a: 1\nb: [1, 2\n');
    const err = await failure(loadVars({ varsFiles: [path], env: {} }));
    expect(err.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:1: invalid YAML: `));
  });

  it('rejects a file that is not a mapping', async () => {
    const path = await file('list.yml', '- a\n- b\n');
    const err = await failure(loadVars({ varsFiles: [path], env: {} }));
    expect(err.message).toBe(`${path}:1:1: a vars file must hold a mapping of variable names to values, found a list`);
  });

  it('reports an unreadable file and a missing env var together', async () => {
    const missing = join(dir, 'nope.yml');
    const err = await failure(loadVars({ varsFiles: [missing], envVars: ['NOPE'], env: {} }));
    expect(err.details.problems).toEqual([
      expect.stringMatching(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the vars file: ENOENT`)),
      'environment variable named by --env-vars not set: NOPE',
    ]);
  });
});
