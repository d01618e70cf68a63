import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutcomeStatus } from '../actions/action-handler.js';
import { ErrorCode, ManualClock } from '../core/index.js';
import { MemoryOutcomeStore, type MemoryOutcomeStoreOptions } from './memory-outcome-store.js';
import { describeOutcomeStoreContract, seedAction, T0 } from './outcome-store-contract.test-kit.js';

describeOutcomeStoreContract('MemoryOutcomeStore', async ({ clock, retention }) => {
  const store = new MemoryOutcomeStore(retention === undefined ? {} : { retention }, { clock });
  await store.start();
  return store;
});

describe('MemoryOutcomeStore with a JSON-lines file', () => {
  let dir: string;
  let file: string;
  let opened: MemoryOutcomeStore[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autoheal-outcomes-'));
    file = join(dir, 'history.jsonl');
    opened = [];
  });

  afterEach(async () => {
    for (const s of opened.reverse()) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openStore(clock: ManualClock, options: Omit<MemoryOutcomeStoreOptions, 'file'> = {}): Promise<MemoryOutcomeStore> {
    const store = new MemoryOutcomeStore({ ...options, file }, { clock });
    opened.push(store);
    await store.start();
    return store;
  }

  async function fileLines(): Promise<string[]> {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  }

  it('rebuilds every record and link from the file after a restart', async () => {
    const clock = new ManualClock(T0);
    const first = await openStore(clock);
    await seedAction(first, 1, { host: 'web01' }, clock);
    await first.startAttempt('a001', 1);
    clock.advance(250);
    await first.finishAttempt('a001', 1, { status: OutcomeStatus.Succeeded, summary: 'restarted nginx', rc: 0 });
    await first.finishAction('a001', OutcomeStatus.Succeeded);
    await seedAction(first, 2, {}, clock);
    const before = await first.query({ limit: 10 });
    await first.close();

    const second = await openStore(clock);
    expect(await second.query({ limit: 10 })).toEqual(before);
    expect(await second.get('a001')).toMatchObject({ status: 'succeeded', attempts: [{ durationMs: 250, rc: 0 }], event: { host: 'web01' } });
    expect(second.skippedLines).toBe(0);
  });

  it('starts with an empty history when the file does not exist yet', async () => {
    const store = await openStore(new ManualClock(T0));
    expect((await store.query({ limit: 10 })).items).toEqual([]);
  });

  it('skips a torn last line, repairs the file and goes on appending', async () => {
    const clock = new ManualClock(T0);
    const first = await openStore(clock);
    await seedAction(first, 1, {}, clock);
    await first.close();
    // A crash in the middle of an append leaves half a line without its newline.
    await appendFile(file, '{"t":"action","r":{"actionId":"a002","decisionId":"d');

    const second = await openStore(clock);
    expect(second.skippedLines).toBe(1);
    expect((await second.query({ limit: 10 })).items.map((a) => a.actionId)).toEqual(['a001']);
    await seedAction(second, 3, {}, clock);
    await second.close();

    const third = await openStore(clock);
    expect(third.skippedLines).toBe(0);
    expect((await third.query({ limit: 10 })).items.map((a) => a.actionId)).toEqual(['a003', 'a001']);
  });

  it('skips a damaged line in the middle and keeps the rest', async () => {
    const clock = new ManualClock(T0);
    const first = await openStore(clock);
    await seedAction(first, 1, {}, clock);
    await first.close();
    const lines = await fileLines();
    await writeFile(file, [lines[0], 'not json', '{"t":"action","r":{"nope":1}}', ...lines.slice(1)].join('\n') + '\n');
    const second = await openStore(clock);
    expect(second.skippedLines).toBe(2);
    expect(await second.get('a001')).toMatchObject({ event: { eventId: 'e1' }, decision: { decisionId: 'd1' } });
  });

  it('applies retention to the replayed records with the clock of the restart', async () => {
    const clock = new ManualClock(T0);
    const first = await openStore(clock, { retention: { maxAgeMs: 60_000 } });
    await seedAction(first, 1, {}, clock);
    clock.advance(50_000);
    await seedAction(first, 2, {}, clock);
    await first.close();

    clock.advance(20_000);
    const second = await openStore(clock, { retention: { maxAgeMs: 60_000, maxCount: 5 } });
    expect((await second.query({ limit: 10 })).items.map((a) => a.actionId)).toEqual(['a002']);
    await second.close();
    const third = await openStore(clock, { retention: { maxAgeMs: 60_000, maxCount: 1 } });
    expect(await third.get('a002')).toMatchObject({ decision: { decisionId: 'd2' }, event: { eventId: 'e2' } });
  });

  it('compacts the file to the retained records once it holds twice as many lines', async () => {
    const clock = new ManualClock(T0);
    const store = await openStore(clock, { retention: { maxCount: 2 }, compactMinLines: 10 });
    for (let n = 1; n <= 20; n++) {
      await seedAction(store, n, {}, clock);
      await store.startAttempt(`a${String(n).padStart(3, '0')}`, 1);
      clock.advance(10);
    }
    // 2 retained of each kind = 6 records; the file never exceeds twice that (plus the line
    // that triggers the rewrite) and replays to the same records.
    const lines = await fileLines();
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    const before = await store.query({ limit: 10 });
    expect(before.items.map((a) => a.actionId)).toEqual(['a020', 'a019']);
    await store.close();
    const again = await openStore(clock, { retention: { maxCount: 2 }, compactMinLines: 10 });
    expect(await again.query({ limit: 10 })).toEqual(before);
  });

  it('does not rewrite a small file below compactMinLines', async () => {
    const clock = new ManualClock(T0);
    const store = await openStore(clock, { retention: { maxCount: 1 }, compactMinLines: 1_000 });
    for (let n = 1; n <= 5; n++) await seedAction(store, n, {}, clock);
    expect(await fileLines()).toHaveLength(15);
  });

  it('read-only: reads a file being appended to without creating, pruning or rewriting it', async () => {
    const clock = new ManualClock(T0);
    const missing = new MemoryOutcomeStore({ file, readOnly: true }, { clock });
    await expect(missing.start()).rejects.toMatchObject({ code: ErrorCode.OutcomeStoreFailed });
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });

    const writer = await openStore(clock, { compactMinLines: 1 });
    for (let n = 1; n <= 3; n++) await seedAction(writer, n, {}, clock);
    await writer.close();
    await appendFile(file, '{"torn');
    const before = await readFile(file, 'utf8');
    const reader = new MemoryOutcomeStore({ file, readOnly: true, retention: { maxCount: 1 } }, { clock });
    opened.push(reader);
    await reader.start();
    expect((await reader.query({ limit: 10 })).items.map((a) => a.actionId)).toEqual(['a003', 'a002', 'a001']);
    await expect(reader.startAction({ actionId: 'x', decisionId: 'd', ruleset: 'r', rule: 'r', action: 'a' })).rejects.toMatchObject({
      code: ErrorCode.OutcomeStoreFailed,
    });
    expect(await reader.get('x')).toBeUndefined();
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('rejects bad retention settings with AH_OUTCOME_STORE_CONFIG_INVALID', () => {
    expect(() => new MemoryOutcomeStore({ retention: { maxCount: 0 } })).toThrow(expect.objectContaining({ code: ErrorCode.OutcomeStoreConfigInvalid }));
    expect(() => new MemoryOutcomeStore({ retention: { maxAgeMs: -1 } })).toThrow(expect.objectContaining({ code: ErrorCode.OutcomeStoreConfigInvalid }));
  });
});
