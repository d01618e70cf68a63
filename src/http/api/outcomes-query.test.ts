import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/index.js';
import { parseOutcomesQuery } from './outcomes-query.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

const refusal = (query: Record<string, unknown>): string => {
  try {
    parseOutcomesQuery(query, NOW);
  } catch (err) {
    expect(err).toMatchObject({ code: ErrorCode.OutcomeQueryInvalid });
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('parseOutcomesQuery', () => {
  it('defaults to the first 50', () => {
    expect(parseOutcomesQuery({}, NOW)).toEqual({ limit: 50 });
    expect(parseOutcomesQuery(undefined, NOW)).toEqual({ limit: 50 });
  });

  it('passes the filters through', () => {
    expect(parseOutcomesQuery({ ruleset: 'web', rule: 'restart nginx', host: 'web01', status: 'failed', limit: '10' }, NOW)).toEqual({
      ruleset: 'web',
      rule: 'restart nginx',
      host: 'web01',
      status: 'failed',
      limit: 10,
    });
  });

  it('reads since and until as durations ago, ISO-8601 times or epoch ms', () => {
    expect(parseOutcomesQuery({ since: '2h' }, NOW).since).toBe(NOW - 2 * 3_600_000);
    expect(parseOutcomesQuery({ since: '1w' }, NOW).since).toBe(NOW - 7 * 86_400_000);
    expect(parseOutcomesQuery({ since: '2026-01-09T00:00:00Z' }, NOW).since).toBe(Date.UTC(2026, 0, 9));
    expect(parseOutcomesQuery({ until: '1767960000000' }, NOW).until).toBe(1_767_960_000_000);
  });

  it('refuses unknown, repeated and empty parameters', () => {
    expect(refusal({ rules: 'x' })).toBe('unknown query parameter "rules"; expected ruleset, rule, host, status, since, until, limit, cursor');
    expect(refusal({ rule: ['a', 'b'] })).toBe('query parameter "rule" must be given once');
    expect(refusal({ host: '' })).toBe('query parameter "host" must not be empty');
  });

  it('refuses bad values, naming what is accepted', () => {
    expect(refusal({ limit: 'ten' })).toBe('limit must be a whole number, got "ten"');
    expect(refusal({ limit: '0' })).toBe('limit must be an integer from 1 to 1000, got 0');
    expect(refusal({ limit: '1001' })).toBe('limit must be an integer from 1 to 1000, got 1001');
    expect(refusal({ status: 'done' })).toBe('status must be one of succeeded, failed, timed_out, interrupted, skipped, pending, running, got "done"');
    expect(refusal({ since: 'yesterday' })).toBe('since must be a duration ago (30s, 15m, 2h, 7d, 1w), an ISO-8601 time or ms since the epoch, got "yesterday"');
    expect(refusal({ since: '1h', until: '2h' })).toBe('since is after until');
    expect(refusal({ cursor: 'not-a-cursor' })).toBe('cursor is not one this store returned');
  });

  it('cuts long echoed values', () => {
    expect(refusal({ since: 'x'.repeat(500) }).length).toBeLessThan(250);
  });
});
