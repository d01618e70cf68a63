/**
 * @module `autoheal history`: lists what autoheal did — action records, newest first, with their
 * rule, host, status, attempts and last summary — read from Redis (`--redis-url`, or
 * `$AUTOHEAL_REDIS_URL`) or from the JSON-lines file of the embedded mode (`--history-file`).
 * Reads only: the file is neither created nor compacted, so it is safe while an engine runs.
 *
 * `--json` prints one object of a stable shape:
 *
 * ```json
 * { "items": [ActionRecord & { "decision"?: DecisionRecord, "event"?: EventRecord }],
 *   "nextCursor": "…" | null }
 * ```
 *
 * field names as in `src/outcomes/outcome-records.ts`, times in clock ms since the epoch;
 * pass `nextCursor` back with `--cursor` for the next page.
 */
import { AutohealError, ErrorCode, systemClock, type Clock } from '../../core/index.js';
import {
  ACTION_STATUSES,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
  MemoryOutcomeStore,
  RedisOutcomeStore,
  type ActionStatus,
  type LinkedActionRecord,
  type OutcomeQuery,
  type OutcomeStore,
  type DecisionRecord,
} from '../../outcomes/index.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { REDIS_URL_ENV } from './run-command.js';

/** Flags as commander passes them (all strings: they are validated here). */
export interface HistoryFlags {
  readonly rule?: string;
  readonly ruleset?: string;
  readonly host?: string;
  readonly status?: string;
  /** `30s`, `15m`, `2h`, `7d`, `1w` ago, or an ISO-8601 time. */
  readonly since?: string;
  readonly limit?: string;
  readonly cursor?: string;
  readonly json?: boolean;
  /** List rule decisions (fired, throttled, deduplicated, skipped) instead of actions. */
  readonly decisions?: boolean;
  /** With `--decisions`: only this kind. */
  readonly kind?: string;
  readonly redisUrl?: string;
  readonly historyFile?: string;
}

/** Where the records are read from. */
export type HistorySource = { readonly kind: 'redis'; readonly url: string } | { readonly kind: 'file'; readonly path: string };

export interface HistoryCommandDeps {
  /** Default: the system clock (for `--since 2h` and retention). */
  readonly clock?: Clock;
  /** Opens and starts the store; default a `RedisOutcomeStore` or a read-only `MemoryOutcomeStore`. */
  readonly openStore?: (source: HistorySource, clock: Clock) => Promise<OutcomeStore>;
}

const SUMMARY_COLUMN_MAX = 60;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Runs `autoheal history`; returns 0, or 1 with a message on stderr for bad flags or an unreadable store. */
export async function historyCommand(flags: HistoryFlags, io: CliIo, deps: HistoryCommandDeps = {}): Promise<ExitCode> {
  const clock = deps.clock ?? systemClock;
  let source: HistorySource;
  let query: OutcomeQuery;
  try {
    source = resolveSource(flags, io);
    query = resolveQuery(flags, clock.now());
  } catch (err) {
    if (!(err instanceof AutohealError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.InputError;
  }
  let store: OutcomeStore | undefined;
  try {
    store = await (deps.openStore ?? openDefaultStore)(source, clock);
    if (flags.decisions === true) {
      const decisions = await store.queryDecisions({
        limit: query.limit,
        ...(query.rule !== undefined ? { rule: query.rule } : {}),
        ...(query.ruleset !== undefined ? { ruleset: query.ruleset } : {}),
        ...(query.since !== undefined ? { since: query.since } : {}),
        ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
      });
      if (flags.json === true) io.stdout(`${JSON.stringify({ decisions }, null, 2)}\n`);
      else io.stdout(renderDecisions(decisions));
      return ExitCode.Ok;
    }
    const page = await store.query(query);
    if (flags.json === true) io.stdout(`${JSON.stringify({ items: page.items, nextCursor: page.nextCursor ?? null }, null, 2)}\n`);
    else io.stdout(renderTable(page.items, page.nextCursor));
    return ExitCode.Ok;
  } catch (err) {
    if (!(err instanceof AutohealError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.InputError;
  } finally {
    await store?.close();
  }
}

async function openDefaultStore(source: HistorySource, clock: Clock): Promise<OutcomeStore> {
  const store =
    source.kind === 'redis'
      ? new RedisOutcomeStore({ url: source.url, redis: { connectTimeout: 5_000, retryStrategy: () => null } }, { clock })
      : new MemoryOutcomeStore({ file: source.path, readOnly: true }, { clock });
  try {
    await store.start();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function resolveSource(flags: HistoryFlags, io: CliIo): HistorySource {
  if (flags.redisUrl !== undefined && flags.historyFile !== undefined) throw usage('give either --redis-url or --history-file, not both');
  if (flags.historyFile !== undefined) return { kind: 'file', path: flags.historyFile };
  const url = flags.redisUrl ?? io.env[REDIS_URL_ENV];
  if (url === undefined || url === '') throw usage(`history needs --redis-url URL (or $${REDIS_URL_ENV}) or --history-file PATH`);
  if (!/^rediss?:\/\//.test(url)) throw usage('--redis-url must start with redis:// or rediss://');
  return { kind: 'redis', url };
}

function resolveQuery(flags: HistoryFlags, now: number): OutcomeQuery {
  const limit = flags.limit === undefined ? DEFAULT_QUERY_LIMIT : Number(flags.limit);
  if (flags.limit !== undefined && (!/^\d+$/.test(flags.limit) || limit < 1 || limit > MAX_QUERY_LIMIT)) {
    throw usage(`--limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}, got "${flags.limit}"`);
  }
  if (flags.status !== undefined && !(ACTION_STATUSES as readonly string[]).includes(flags.status)) {
    throw usage(`--status must be one of ${ACTION_STATUSES.join(', ')}, got "${flags.status}"`);
  }
  return {
    limit,
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(flags.ruleset !== undefined ? { ruleset: flags.ruleset } : {}),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.status !== undefined ? { status: flags.status as ActionStatus } : {}),
    ...(flags.since !== undefined ? { since: parseSince(flags.since, now) } : {}),
    ...(flags.cursor !== undefined ? { cursor: flags.cursor } : {}),
  };
}

/** `2h` → now − 2 h; an ISO-8601 date or time → that instant. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (relative !== null) return now - Number(relative[1]) * (UNIT_MS[relative[2] as string] as number);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const at = Date.parse(text.trim());
    if (!Number.isNaN(at)) return at;
  }
  throw usage(`--since must be a duration ago (30s, 15m, 2h, 7d, 1w) or an ISO-8601 time, got "${text}"`);
}

const COLUMNS = ['TIME', 'RULE', 'ACTION', 'HOST', 'STATUS', 'ATTEMPTS', 'DURATION', 'SUMMARY'] as const;

/** The table of `autoheal history`: one row per action, columns padded to their widest cell. */
export function renderTable(items: readonly LinkedActionRecord[], nextCursor?: string): string {
  if (items.length === 0) return 'no actions recorded that match\n';
  const rows = items.map((a) => [
    formatTime(a.createdAt),
    `${a.ruleset}::${a.rule}`,
    a.action,
    a.host ?? '-',
    a.status,
    String(a.attempts.length),
    formatDuration(a),
    truncate(lastSummary(a), SUMMARY_COLUMN_MAX),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS), ...rows.map(line)];
  if (nextCursor !== undefined) out.push('', `more: add --cursor ${nextCursor}`);
  return `${out.join('\n')}\n`;
}

/** `2026-01-02 03:04:05Z` (UTC, seconds): sortable and unambiguous across hosts. */
function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Time spent running: the sum of the finished attempts; `-` before any finished. */
function formatDuration(a: LinkedActionRecord): string {
  const finished = a.attempts.filter((t) => t.durationMs !== undefined);
  if (finished.length === 0) return '-';
  const ms = finished.reduce((sum, t) => sum + (t.durationMs as number), 0);
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const s = Math.round(ms / 1_000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The last attempt's summary, or why the rule's decision held it back. */
function lastSummary(a: LinkedActionRecord): string {
  for (let i = a.attempts.length - 1; i >= 0; i--) {
    const summary = a.attempts[i]?.summary;
    if (summary !== undefined && summary !== '') return summary;
  }
  return a.decision?.reason ?? '';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function usage(message: string): AutohealError {
  return new AutohealError(ErrorCode.Usage, message);
}

/** `time  ruleset::rule  decision  reason` per line, newest first. */
function renderDecisions(decisions: readonly DecisionRecord[]): string {
  if (decisions.length === 0) return 'no decisions recorded\n';
  const rows = decisions.map((d) => [new Date(d.at).toISOString(), `${d.ruleset}::${d.rule}`, d.kind, d.reason ?? '']);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  return `${rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell)).join('  ').trimEnd()).join('\n')}\n`;
}
