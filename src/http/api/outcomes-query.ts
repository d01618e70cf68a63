/**
 * @module The query string of `GET /api/outcomes`, validated once into an `OutcomeQuery`:
 *
 * | Parameter | Value | Default |
 * |---|---|---|
 * | `ruleset`, `rule`, `host` | exact match | any |
 * | `status` | `pending`, `running`, `succeeded`, `failed`, `timed_out`, `interrupted`, `skipped` | any |
 * | `since`, `until` | a duration ago (`30s`, `15m`, `2h`, `7d`, `1w`), an ISO-8601 time, or ms since the epoch | unbounded |
 * | `limit` | 1 … 1000 | 50 |
 * | `cursor` | `next_cursor` of the previous page | first page |
 *
 * Unknown or repeated parameters are refused, so a typo (`?rules=x`) is a 400 rather than an
 * unfiltered list.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { ACTION_STATUSES, DEFAULT_QUERY_LIMIT, checkOutcomeQuery, type ActionStatus, type OutcomeQuery } from '../../outcomes/index.js';

const PARAMS = ['ruleset', 'rule', 'host', 'status', 'since', 'until', 'limit', 'cursor'] as const;
type Param = (typeof PARAMS)[number];

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** Echoed values are cut to this length in messages. */
const MAX_ECHO_CHARS = 100;

const invalid = (message: string): AutohealError => new AutohealError(ErrorCode.OutcomeQueryInvalid, message);
const echo = (v: string): string => JSON.stringify(v.length > MAX_ECHO_CHARS ? `${v.slice(0, MAX_ECHO_CHARS)}…` : v);

/**
 * Validates the parsed query string (`request.query`) at `now` (clock ms, for relative times).
 * @throws AutohealError `AH_OUTCOME_QUERY_INVALID` naming the parameter and what it accepts.
 */
export function parseOutcomesQuery(query: unknown, now: number): OutcomeQuery {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const values: Partial<Record<Param, string>> = {};
  for (const key of Object.keys(raw)) {
    if (!(PARAMS as readonly string[]).includes(key)) {
      throw invalid(`unknown query parameter ${echo(key)}; expected ${PARAMS.join(', ')}`);
    }
    const value = raw[key];
    if (typeof value !== 'string') throw invalid(`query parameter "${key}" must be given once`);
    if (value === '') throw invalid(`query parameter "${key}" must not be empty`);
    values[key as Param] = value;
  }

  let limit = DEFAULT_QUERY_LIMIT;
  if (values.limit !== undefined) {
    if (!/^\d{1,7}$/.test(values.limit)) throw invalid(`limit must be a whole number, got ${echo(values.limit)}`);
    limit = Number(values.limit);
  }
  if (values.status !== undefined && !(ACTION_STATUSES as readonly string[]).includes(values.status)) {
    throw invalid(`status must be one of ${ACTION_STATUSES.join(', ')}, got ${echo(values.status)}`);
  }
  const result: OutcomeQuery = {
    limit,
    ...(values.ruleset === undefined ? {} : { ruleset: values.ruleset }),
    ...(values.rule === undefined ? {} : { rule: values.rule }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.status === undefined ? {} : { status: values.status as ActionStatus }),
    ...(values.since === undefined ? {} : { since: parseTime('since', values.since, now) }),
    ...(values.until === undefined ? {} : { until: parseTime('until', values.until, now) }),
    ...(values.cursor === undefined ? {} : { cursor: values.cursor }),
  };
  // The stores' own check: limit range, since ≤ until, a cursor they issued.
  checkOutcomeQuery(result);
  return result;
}

function parseTime(name: string, text: string, now: number): number {
  const relative = /^(\d{1,9})([smhdw])$/.exec(text);
  if (relative !== null) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (ISO_TIME.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at;
  }
  throw invalid(`${name} must be a duration ago (30s, 15m, 2h, 7d, 1w), an ISO-8601 time or ms since the epoch, got ${echo(text)}`);
}
