/**
 * @module The behaviour every `OutcomeStore` must have, as one vitest suite run against each
 * implementation (memory beside the code, Redis in test/integration/outcomes-redis.test.ts).
 * Time is a `ManualClock`: retention is tested by moving it, never by waiting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OutcomeStatus } from '../actions/action-handler.js';
import { ErrorCode, ManualClock } from '../core/index.js';
import { ActionStatus, DecisionKind, OUTPUT_TAIL_MAX_BYTES, REDACTED, summarizeEvent, type NewActionRecord } from './outcome-records.js';
import type { OutcomeQuery, OutcomeRetention, OutcomeStore } from './outcome-store.js';

export interface ContractStoreOptions {
  readonly clock: ManualClock;
  readonly retention?: Partial<OutcomeRetention>;
}

/** Opens (and starts) a fresh, empty store; the suite closes it. */
export type OpenContractStore = (options: ContractStoreOptions) => Promise<OutcomeStore>;

export const T0 = 1_700_000_000_000;

/** Writes an event, its fired decision and one action for it; returns the action id. */
export async function seedAction(
  store: OutcomeStore,
  n: number,
  fields: Partial<Pick<NewActionRecord, 'ruleset' | 'rule' | 'host' | 'action'>> = {},
  clock?: ManualClock,
): Promise<string> {
  const ruleset = fields.ruleset ?? 'web';
  const rule = fields.rule ?? 'restart nginx';
  const at = clock?.now() ?? T0;
  await store.recordEvent({
    eventId: `e${n}`,
    ruleset,
    source: 'alertmanager',
    receivedAt: at,
    summary: summarizeEvent('alertmanager', { alert: { labels: { alertname: 'NginxDown', instance: `web0${n}` } } }),
    ...(fields.host !== undefined ? { host: fields.host } : {}),
  });
  await store.recordDecision({ decisionId: `d${n}`, eventId: `e${n}`, ruleset, rule, kind: DecisionKind.Fired, at, matchedEventIds: [`e${n}`] });
  const record: NewActionRecord = {
    actionId: `a${String(n).padStart(3, '0')}`,
    decisionId: `d${n}`,
    ruleset,
    rule,
    action: fields.action ?? 'run_playbook',
    ...(fields.host !== undefined ? { host: fields.host } : {}),
  };
  await store.startAction(record);
  return record.actionId;
}

async function allIds(store: OutcomeStore, query: Omit<OutcomeQuery, 'limit'> = {}): Promise<string[]> {
  return (await store.query({ ...query, limit: 1_000 })).items.map((a) => a.actionId);
}

export function describeOutcomeStoreContract(name: string, open: OpenContractStore): void {
  describe(`${name} (OutcomeStore contract)`, () => {
    let opened: OutcomeStore[] = [];
    let clock: ManualClock;

    afterEach(async () => {
      for (const s of opened.reverse()) await s.close();
      opened = [];
    });

    async function fresh(retention?: Partial<OutcomeRetention>): Promise<OutcomeStore> {
      clock = new ManualClock(T0);
      const store = await open(retention === undefined ? { clock } : { clock, retention });
      opened.push(store);
      return store;
    }

    it('lists decisions newest first, filtered by ruleset, rule, kind and time', async () => {
      const store = await fresh();
      const decide = async (id: string, rule: string, kind: string, reason?: string): Promise<void> => {
        await store.recordDecision({ decisionId: id, eventId: `e-${id}`, ruleset: 'web', rule, kind: kind as never, at: clock.now(), matchedEventIds: [`e-${id}`], ...(reason ? { reason } : {}) });
        clock.advance(1_000);
      };
      await decide('d1', 'restart', 'fired');
      await decide('d2', 'restart', 'throttled', 'once_within 10 minutes');
      await decide('d3', '(intake)', 'deduplicated', 'duplicate');
      await decide('d4', 'other', 'fired');
      expect((await store.queryDecisions({ limit: 10 })).map((d) => d.decisionId)).toEqual(['d4', 'd3', 'd2', 'd1']);
      expect((await store.queryDecisions({ limit: 10, rule: 'restart' })).map((d) => d.decisionId)).toEqual(['d2', 'd1']);
      expect(await store.queryDecisions({ limit: 10, kind: 'throttled' })).toEqual([expect.objectContaining({ decisionId: 'd2', reason: 'once_within 10 minutes' })]);
      expect((await store.queryDecisions({ limit: 10, since: T0 + 2_000 })).map((d) => d.decisionId)).toEqual(['d4', 'd3']);
      expect((await store.queryDecisions({ limit: 1 })).map((d) => d.decisionId)).toEqual(['d4']);
    });

    it('records the events and decisions of an evaluated batch together, each retrievable as if written alone', async () => {
      const store = await fresh();
      const event = (n: number) => ({ eventId: `be${n}`, ruleset: 'web', source: 'am', receivedAt: clock.now(), summary: summarizeEvent('am', { alert: { labels: { alertname: `A${n}` } } }) });
      await store.recordEvaluations(
        [event(1), event(2)],
        [
          { decisionId: 'bd1', eventId: 'be1', ruleset: 'web', rule: 'r', kind: DecisionKind.Fired, at: clock.now(), matchedEventIds: ['be1'] },
          { decisionId: 'bd2', eventId: 'be2', ruleset: 'web', rule: 'r', kind: DecisionKind.Throttled, reason: 'once_within 5m', at: clock.now(), matchedEventIds: ['be2'] },
        ],
      );
      await store.recordEvaluations([], []);
      expect((await store.queryDecisions({ limit: 10 })).map((d) => [d.decisionId, d.kind]).sort()).toEqual([
        ['bd1', 'fired'],
        ['bd2', 'throttled'],
      ]);
      await store.startAction({ actionId: 'ba1', decisionId: 'bd1', ruleset: 'web', rule: 'r', action: 'notify' });
      expect(await store.get('ba1')).toMatchObject({ decision: { decisionId: 'bd1' }, event: { eventId: 'be1', summary: { fields: { 'alert.labels.alertname': 'A1' } } } });
    });

    it('links an action to its decision and event in get and query', async () => {
      const store = await fresh();
      const id = await seedAction(store, 1, { host: 'web01' });
      const got = await store.get(id);
      expect(got).toMatchObject({
        actionId: 'a001',
        decisionId: 'd1',
        ruleset: 'web',
        rule: 'restart nginx',
        action: 'run_playbook',
        host: 'web01',
        status: ActionStatus.Pending,
        attempts: [],
        createdAt: T0,
        decision: { decisionId: 'd1', eventId: 'e1', kind: 'fired', matchedEventIds: ['e1'] },
        event: { eventId: 'e1', source: 'alertmanager', host: 'web01', summary: { fields: { 'alert.labels.alertname': 'NginxDown' } } },
      });
      expect((await store.query({ limit: 10 })).items).toEqual([got]);
      expect(await store.get('nope')).toBeUndefined();
    });

    it('keeps the first record when an action is started again (a redelivery)', async () => {
      const store = await fresh();
      const id = await seedAction(store, 1);
      await store.startAttempt(id, 1);
      clock.advance(500);
      const again = await store.startAction({ actionId: id, decisionId: 'other', ruleset: 'x', rule: 'y', action: 'z' });
      expect(again).toMatchObject({ actionId: id, decisionId: 'd1', status: 'running', createdAt: T0 });
      expect(await store.get(id)).toMatchObject({ decisionId: 'd1', status: 'running', createdAt: T0 });
    });

    it('records attempts with durations from the clock, bounded output and redacted details', async () => {
      const store = await fresh();
      const id = await seedAction(store, 1);
      await store.startAttempt(id, 1);
      expect(await store.get(id)).toMatchObject({ status: 'running', attempts: [{ attempt: 1, startedAt: T0, status: 'running' }] });
      clock.advance(1_200);
      await store.finishAttempt(id, 1, {
        status: OutcomeStatus.Failed,
        summary: 'playbook failed on web01',
        rc: 2,
        retryable: true,
        outputTail: `${'x'.repeat(OUTPUT_TAIL_MAX_BYTES)}THE END`,
        details: { jobId: 42, apiToken: 'hunter2', nested: { password: { value: 'p' }, url: 'https://x/jobs/42' } },
      });
      const afterFirst = await store.get(id);
      expect(afterFirst?.status).toBe(ActionStatus.Pending);
      const first = afterFirst?.attempts[0];
      expect(first).toMatchObject({ attempt: 1, startedAt: T0, finishedAt: T0 + 1_200, durationMs: 1_200, status: 'failed', summary: 'playbook failed on web01', rc: 2 });
      expect(Buffer.byteLength(first?.outputTail ?? '')).toBe(OUTPUT_TAIL_MAX_BYTES);
      expect(first?.outputTail?.endsWith('THE END')).toBe(true);
      expect(first?.details).toEqual({ jobId: 42, apiToken: REDACTED, nested: { password: REDACTED, url: 'https://x/jobs/42' } });
      expect(JSON.stringify(afterFirst)).not.toContain('hunter2');

      clock.advance(100);
      await store.startAttempt(id, 2);
      clock.advance(300);
      await store.finishAttempt(id, 2, { status: OutcomeStatus.Succeeded, summary: 'ok', httpStatus: 201 });
      await store.finishAction(id, OutcomeStatus.Succeeded);
      expect(await store.get(id)).toMatchObject({
        status: 'succeeded',
        finishedAt: T0 + 1_600,
        attempts: [{ attempt: 1, status: 'failed' }, { attempt: 2, startedAt: T0 + 1_300, durationMs: 300, status: 'succeeded', httpStatus: 201 }],
      });
    });

    it('ignores updates of an action it does not hold', async () => {
      const store = await fresh();
      await store.startAttempt('ghost', 1);
      await store.finishAttempt('ghost', 1, { status: OutcomeStatus.Failed, summary: 'x' });
      await store.finishAction('ghost', OutcomeStatus.Failed);
      expect(await store.get('ghost')).toBeUndefined();
      expect(await allIds(store)).toEqual([]);
    });

    it('filters by rule, ruleset, host, status and time range, newest first', async () => {
      const store = await fresh();
      await seedAction(store, 1, { ruleset: 'web', rule: 'restart', host: 'web01' }, clock);
      clock.advance(1_000);
      await seedAction(store, 2, { ruleset: 'web', rule: 'restart', host: 'web02' }, clock);
      clock.advance(1_000);
      await seedAction(store, 3, { ruleset: 'db', rule: 'vacuum', host: 'db01' }, clock);
      clock.advance(1_000);
      await seedAction(store, 4, { ruleset: 'db', rule: 'restart' }, clock);
      await store.startAttempt('a002', 1);
      await store.finishAction('a003', OutcomeStatus.Succeeded);

      expect(await allIds(store)).toEqual(['a004', 'a003', 'a002', 'a001']);
      expect(await allIds(store, { rule: 'restart' })).toEqual(['a004', 'a002', 'a001']);
      expect(await allIds(store, { ruleset: 'web' })).toEqual(['a002', 'a001']);
      expect(await allIds(store, { ruleset: 'db', rule: 'restart' })).toEqual(['a004']);
      expect(await allIds(store, { host: 'web02' })).toEqual(['a002']);
      expect(await allIds(store, { status: ActionStatus.Running })).toEqual(['a002']);
      expect(await allIds(store, { status: ActionStatus.Succeeded })).toEqual(['a003']);
      expect(await allIds(store, { status: ActionStatus.Pending })).toEqual(['a004', 'a001']);
      expect(await allIds(store, { since: T0 + 1_000 })).toEqual(['a004', 'a003', 'a002']);
      expect(await allIds(store, { since: T0 + 1_000, until: T0 + 3_000 })).toEqual(['a003', 'a002']);
      expect(await allIds(store, { ruleset: 'web', status: ActionStatus.Failed })).toEqual([]);

      // A status change moves the record between status filters.
      await store.finishAction('a002', OutcomeStatus.TimedOut);
      expect(await allIds(store, { status: ActionStatus.Running })).toEqual([]);
      expect(await allIds(store, { status: ActionStatus.TimedOut })).toEqual(['a002']);
    });

    it('pages with a cursor through records, ties in time included, until there is no next cursor', async () => {
      const store = await fresh();
      for (let n = 1; n <= 7; n++) {
        await seedAction(store, n, { rule: n % 2 === 0 ? 'even' : 'odd' }, clock);
        // Two records share each millisecond: the order falls back to the id.
        if (n % 2 === 0) clock.advance(10);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.query({ limit: 3, ...(cursor !== undefined ? { cursor } : {}) });
        seen.push(...page.items.map((a) => a.actionId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(seen).toEqual(['a007', 'a006', 'a005', 'a004', 'a003', 'a002', 'a001']);
      expect(pages).toBe(3);

      const odd = await store.query({ rule: 'odd', limit: 2 });
      expect(odd.items.map((a) => a.actionId)).toEqual(['a007', 'a005']);
      const oddRest = await store.query({ rule: 'odd', limit: 2, cursor: odd.nextCursor as string });
      expect(oddRest.items.map((a) => a.actionId)).toEqual(['a003', 'a001']);
      expect(oddRest.nextCursor).toBeUndefined();
    });

    it('rejects a bad limit, status or cursor with AH_OUTCOME_QUERY_INVALID', async () => {
      const store = await fresh();
      await expect(store.query({ limit: 0 })).rejects.toMatchObject({ code: ErrorCode.OutcomeQueryInvalid });
      await expect(store.query({ limit: 10, cursor: 'garbage' })).rejects.toMatchObject({ code: ErrorCode.OutcomeQueryInvalid });
      await expect(store.query({ limit: 10, status: 'done' as ActionStatus })).rejects.toMatchObject({ code: ErrorCode.OutcomeQueryInvalid });
    });

    it('keeps at most maxCount records of each kind, dropping the oldest on write', async () => {
      const store = await fresh({ maxCount: 3 });
      for (let n = 1; n <= 5; n++) {
        await seedAction(store, n, {}, clock);
        clock.advance(1);
      }
      expect(await allIds(store)).toEqual(['a005', 'a004', 'a003']);
      expect(await store.get('a001')).toBeUndefined();
      // The events and decisions of the dropped actions went too.
      expect(await store.get('a003')).toMatchObject({ decision: { decisionId: 'd3' }, event: { eventId: 'e3' } });
      await store.recordDecision({ decisionId: 'd9', ruleset: 'web', rule: 'r', kind: DecisionKind.Throttled, reason: 'once_within 5m', at: clock.now(), matchedEventIds: [] });
      expect((await store.get('a003'))?.decision).toBeUndefined();
      expect((await store.get('a004'))?.decision).toMatchObject({ decisionId: 'd4' });
    });

    it('drops records older than maxAgeMs on write and hides them from queries before that', async () => {
      const store = await fresh({ maxAgeMs: 60_000 });
      await seedAction(store, 1, {}, clock);
      clock.advance(30_000);
      await seedAction(store, 2, {}, clock);
      clock.advance(40_000);
      // a001 is 70 s old: past retention, hidden even though nothing was written since.
      expect(await allIds(store)).toEqual(['a002']);
      await seedAction(store, 3, {}, clock);
      expect(await allIds(store)).toEqual(['a003', 'a002']);
      expect(await store.get('a001')).toBeUndefined();
      expect(await store.get('a002')).toMatchObject({ event: { eventId: 'e2' } });
    });
  });
}
