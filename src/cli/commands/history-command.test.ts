import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutcomeStatus } from '../../actions/action-handler.js';
import { ManualClock } from '../../core/index.js';
import { DecisionKind, MemoryOutcomeStore, summarizeEvent, type OutcomeStore } from '../../outcomes/index.js';
import type { CliIo } from '../cli-io.js';
import { historyCommand, parseSince, type HistoryFlags, type HistorySource } from './history-command.js';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

let dir: string;
let file: string;
let clock: ManualClock;

/** Prepares a history file: three actions of two rulesets, one retried, one running. */
async function prepare(): Promise<void> {
  clock = new ManualClock(T0);
  const store = new MemoryOutcomeStore({ file }, { clock });
  await store.start();
  const fire = async (n: number, ruleset: string, rule: string, host: string | undefined, action: string): Promise<string> => {
    await store.recordEvent({ eventId: `e${n}`, ruleset, source: 'am', receivedAt: clock.now(), summary: summarizeEvent('am', { alertname: 'NginxDown' }) });
    await store.recordDecision({ decisionId: `d${n}`, eventId: `e${n}`, ruleset, rule, kind: DecisionKind.Fired, at: clock.now(), matchedEventIds: [`e${n}`] });
    await store.startAction({ actionId: `a${n}`, decisionId: `d${n}`, ruleset, rule, action, ...(host !== undefined ? { host } : {}) });
    return `a${n}`;
  };
  const a1 = await fire(1, 'web', 'restart nginx', 'web01', 'run_playbook');
  await store.startAttempt(a1, 1);
  clock.advance(800);
  await store.finishAttempt(a1, 1, { status: OutcomeStatus.Failed, summary: 'ssh: connect to host web01 port 22: Connection refused', rc: 4 });
  await store.startAttempt(a1, 2);
  clock.advance(64_200);
  await store.finishAttempt(a1, 2, { status: OutcomeStatus.Succeeded, summary: 'ok=3 changed=1 failed=0', rc: 0 });
  await store.finishAction(a1, OutcomeStatus.Succeeded);
  clock.advance(60_000);
  const a2 = await fire(2, 'db', 'vacuum', 'db01', 'run_job_template');
  await store.startAttempt(a2, 1);
  clock.advance(60_000);
  await fire(3, 'web', 'notify', undefined, 'post_event');
  await store.close();
}

function capture(env: NodeJS.ProcessEnv = {}): { io: CliIo; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return { io: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env }, out: () => stdout, err: () => stderr };
}

async function history(flags: HistoryFlags, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capture(env);
  const code = await historyCommand({ historyFile: file, ...flags }, c.io, { clock });
  return { code, stdout: c.out(), stderr: c.err() };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autoheal-history-'));
  file = join(dir, 'history.jsonl');
  await prepare();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('autoheal history', () => {
  it('prints a table, newest first, with rule, host, status, attempts, duration and the last summary', async () => {
    const { code, stdout, stderr } = await history({});
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'TIME                  RULE                ACTION            HOST   STATUS     ATTEMPTS  DURATION  SUMMARY',
        '2026-11-22 10:03:05Z  web::notify         post_event        -      pending    0         -',
        '2026-11-22 10:02:05Z  db::vacuum          run_job_template  db01   running    1         -',
        '2026-11-22 10:00:00Z  web::restart nginx  run_playbook      web01  succeeded  2         1m05s     ok=3 changed=1 failed=0',
        '',
      ].join('\n'),
    );
  });

  it('filters by ruleset, rule, host, status and since', async () => {
    const ids = async (flags: HistoryFlags): Promise<string[]> => JSON.parse((await history({ ...flags, json: true })).stdout).items.map((a: { actionId: string }) => a.actionId);
    expect(await ids({ ruleset: 'web' })).toEqual(['a3', 'a1']);
    expect(await ids({ rule: 'vacuum' })).toEqual(['a2']);
    expect(await ids({ host: 'web01' })).toEqual(['a1']);
    expect(await ids({ status: 'running' })).toEqual(['a2']);
    expect(await ids({ since: '90s' })).toEqual(['a3', 'a2']);
    expect(await ids({ since: '2026-11-22T10:03:00Z' })).toEqual(['a3']);
  });

  it('prints a stable JSON shape with linked decision and event, and pages with --cursor', async () => {
    const first = await history({ json: true, limit: '2' });
    expect(first.code).toBe(0);
    const page = JSON.parse(first.stdout) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
    expect(Object.keys(page)).toEqual(['items', 'nextCursor']);
    expect(page.items.map((a) => a.actionId)).toEqual(['a3', 'a2']);
    expect(page.items[1]).toMatchObject({
      actionId: 'a2',
      decisionId: 'd2',
      ruleset: 'db',
      rule: 'vacuum',
      action: 'run_job_template',
      host: 'db01',
      status: 'running',
      createdAt: T0 + 125_000,
      attempts: [{ attempt: 1, startedAt: T0 + 125_000, status: 'running' }],
      decision: { decisionId: 'd2', eventId: 'e2', kind: 'fired' },
      event: { eventId: 'e2', source: 'am', summary: { fields: { alertname: 'NginxDown' } } },
    });
    expect(typeof page.nextCursor).toBe('string');
    const rest = JSON.parse((await history({ json: true, limit: '2', cursor: page.nextCursor as string })).stdout);
    expect(rest.items.map((a: { actionId: string }) => a.actionId)).toEqual(['a1']);
    expect(rest.nextCursor).toBeNull();
    expect((await history({ limit: '1' })).stdout).toContain('more: add --cursor ');
  });

  it('says so when nothing matches', async () => {
    const { code, stdout } = await history({ rule: 'nothing' });
    expect(code).toBe(0);
    expect(stdout).toBe('no actions recorded that match\n');
  });

  it('does not modify the history file it reads', async () => {
    const before = await readFile(file, 'utf8');
    await history({});
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it.each([
    [{ limit: '0' }, '--limit must be a whole number from 1 to 1000, got "0"'],
    [{ limit: 'ten' }, '--limit must be a whole number'],
    [{ status: 'done' }, '--status must be one of succeeded, failed, timed_out, interrupted, skipped, pending, running, got "done"'],
    [{ since: 'yesterday' }, '--since must be a duration ago (30s, 15m, 2h, 7d, 1w) or an ISO-8601 time, got "yesterday"'],
    [{ redisUrl: 'redis://x:6379' }, 'give either --redis-url or --history-file, not both'],
    [{ cursor: 'nope' }, 'cursor is not one this store returned'],
  ] satisfies Array<[HistoryFlags, string]>)('exits 1 with a clear message for bad flags (%o)', async (flags, message) => {
    const { code, stdout, stderr } = await history(flags);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`error: ${message}`);
  });

  it('needs a store: --redis-url, $AUTOHEAL_REDIS_URL or --history-file', async () => {
    const c = capture();
    expect(await historyCommand({}, c.io, { clock })).toBe(1);
    expect(c.err()).toBe('error: history needs --redis-url URL (or $AUTOHEAL_REDIS_URL) or --history-file PATH\n');
    const bad = capture();
    expect(await historyCommand({ redisUrl: 'http://x' }, bad.io, { clock })).toBe(1);
    expect(bad.err()).toContain('--redis-url must start with redis://');
  });

  it('reads Redis from $AUTOHEAL_REDIS_URL when no flag names a store', async () => {
    const opened: HistorySource[] = [];
    const empty = new MemoryOutcomeStore({}, { clock });
    const c = capture({ AUTOHEAL_REDIS_URL: 'redis://127.0.0.1:6390/2' });
    const openStore = async (source: HistorySource): Promise<OutcomeStore> => {
      opened.push(source);
      return empty;
    };
    expect(await historyCommand({ json: true }, c.io, { clock, openStore })).toBe(0);
    expect(opened).toEqual([{ kind: 'redis', url: 'redis://127.0.0.1:6390/2' }]);
    expect(JSON.parse(c.out())).toEqual({ items: [], nextCursor: null });
  });

  it('exits 1 with the reason when the history file cannot be read', async () => {
    const { code, stderr } = await history({ historyFile: join(dir, 'missing.jsonl') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: cannot read history file .*missing\.jsonl\n$/);
  });
});

describe('parseSince', () => {
  it('reads durations ago and ISO times', () => {
    expect(parseSince('2h', T0)).toBe(T0 - 7_200_000);
    expect(parseSince('30s', T0)).toBe(T0 - 30_000);
    expect(parseSince('1w', T0)).toBe(T0 - 7 * 86_400_000);
    expect(parseSince('2026-11-22', T0)).toBe(Date.UTC(2026, 10, 22));
    expect(parseSince('2026-11-22T09:00:00+01:00', T0)).toBe(Date.UTC(2026, 10, 22, 8));
    expect(() => parseSince('2026-13-45', T0)).toThrow(/--since/);
  });
});
