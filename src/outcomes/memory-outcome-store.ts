/**
 * @module The outcome store of the embedded (no Redis) mode: records in memory, optionally made
 * to survive restarts by an append-only JSON-lines file. Every change appends one line holding
 * the whole changed record; on start the file is replayed (last line of a record wins) to
 * rebuild memory. A torn last line (a crash mid-append) is skipped. Retention removes records
 * from memory only; when the file has grown past twice the retained records it is rewritten
 * with just those (temporary file + rename, so a crash leaves the old file or the new one).
 */
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import type { ActionResult, OutcomeStatus } from '../actions/action-handler.js';
import { AutohealError, ErrorCode, systemClock, type Clock } from '../core/index.js';
import {
  ActionStatus,
  finishedAttempt,
  type ActionRecord,
  type AttemptRecord,
  type DecisionRecord,
  type EventRecord,
  type LinkedActionRecord,
  type NewActionRecord,
} from './outcome-records.js';
import {
  checkOutcomeQuery,
  compareNewestFirst,
  decodeCursor,
  encodeCursor,
  eventKey,
  isAfterCursor,
  matchesOutcomeQuery,
  resolveOutcomeRetention,
  type OutcomePage,
  type OutcomeQuery,
  type OutcomeRetention,
  type OutcomeStore,
  decisionMatches,
  type DecisionQuery,
} from './outcome-store.js';

export interface MemoryOutcomeStoreOptions {
  readonly retention?: Partial<OutcomeRetention>;
  /** JSON-lines file that keeps the records across restarts. Default: none (memory only). */
  readonly file?: string;
  /**
   * The file is compacted when it holds more than twice as many lines as retained records, and
   * at least this many lines (so a small history is not rewritten over and over). Default 1 000.
   */
  readonly compactMinLines?: number;
  /**
   * Only read the file (for `autoheal history` while an engine appends to it): the file is
   * neither created nor compacted, writes throw, and nothing is pruned on load (queries still
   * hide records older than `maxAgeMs`). Default false.
   */
  readonly readOnly?: boolean;
}

export interface MemoryOutcomeStoreDeps {
  /** Default: the system clock. */
  readonly clock?: Clock;
}

/** One line of the file: a kind tag and the whole record as it is now. */
type FileLine = { readonly t: 'event'; readonly r: EventRecord } | { readonly t: 'decision'; readonly r: DecisionRecord } | { readonly t: 'action'; readonly r: ActionRecord };

const DEFAULT_COMPACT_MIN_LINES = 1_000;

export class MemoryOutcomeStore implements OutcomeStore {
  readonly retention: OutcomeRetention;
  private readonly clock: Clock;
  private readonly file: string | undefined;
  private readonly compactMinLines: number;
  private readonly readOnly: boolean;
  // Maps keep insertion order, which is time order for records written with a forward clock:
  // retention removes from the front, each record once, so its cost is amortised O(1) per write.
  private readonly events = new Map<string, EventRecord>();
  private readonly decisions = new Map<string, DecisionRecord>();
  private readonly actions = new Map<string, ActionRecord>();
  private handle: FileHandle | undefined;
  private fileLines = 0;
  /** Appends and compactions run one after the other, in call order. */
  private writes: Promise<void> = Promise.resolve();
  /** Lines of the file that could not be read at the last start (a torn last line, corruption). */
  skippedLines = 0;

  constructor(options: MemoryOutcomeStoreOptions = {}, deps: MemoryOutcomeStoreDeps = {}) {
    this.retention = resolveOutcomeRetention(options.retention);
    this.clock = deps.clock ?? systemClock;
    this.file = options.file;
    this.compactMinLines = options.compactMinLines ?? DEFAULT_COMPACT_MIN_LINES;
    this.readOnly = options.readOnly ?? false;
    if (!Number.isSafeInteger(this.compactMinLines) || this.compactMinLines < 1) {
      throw new AutohealError(ErrorCode.OutcomeStoreConfigInvalid, `compactMinLines must be a positive integer, got ${this.compactMinLines}`);
    }
  }

  /**
   * Replays the file (when there is one) and opens it for appending. Throws
   * `AH_OUTCOME_STORE_FAILED` when it cannot be read (or, read-only, does not exist).
   */
  async start(): Promise<void> {
    if (this.file === undefined || this.handle !== undefined) return;
    let text = '';
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || this.readOnly) throw storeError(`cannot read history file ${this.file}`, err);
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    this.skippedLines = 0;
    for (const line of lines) {
      const parsed = parseLine(line);
      if (parsed === undefined) this.skippedLines++;
      else this.apply(parsed);
    }
    this.fileLines = lines.length;
    if (this.readOnly) return;
    this.prune();
    try {
      this.handle = await open(this.file, 'a');
    } catch (err) {
      throw storeError(`cannot open history file ${this.file}`, err);
    }
    // A torn or unreadable line would corrupt the next append: rewrite the file without it.
    if (this.skippedLines > 0 || (text.length > 0 && !text.endsWith('\n'))) await this.serialized(() => this.compact());
    else await this.serialized(() => this.compactIfDue());
  }

  async recordEvent(record: EventRecord): Promise<void> {
    this.assertWritable();
    this.events.set(eventKey(record.ruleset, record.eventId), record);
    await this.persist({ t: 'event', r: record });
  }

  async queryDecisions(query: DecisionQuery): Promise<DecisionRecord[]> {
    const oldestKept = this.clock.now() - this.retention.maxAgeMs;
    return [...this.decisions.values()]
      .filter((d) => d.at >= oldestKept && decisionMatches(d, query))
      .sort((a, b) => b.at - a.at || (a.decisionId < b.decisionId ? 1 : -1))
      .slice(0, query.limit);
  }

  async recordDecision(record: DecisionRecord): Promise<void> {
    this.assertWritable();
    this.decisions.set(record.decisionId, record);
    await this.persist({ t: 'decision', r: record });
  }

  async recordEvaluations(events: readonly EventRecord[], decisions: readonly DecisionRecord[]): Promise<void> {
    for (const record of events) await this.recordEvent(record);
    for (const record of decisions) await this.recordDecision(record);
  }

  async startAction(record: NewActionRecord): Promise<ActionRecord> {
    this.assertWritable();
    const existing = this.actions.get(record.actionId);
    if (existing !== undefined) return existing;
    const created: ActionRecord = { ...record, status: ActionStatus.Pending, attempts: [], createdAt: this.clock.now() };
    this.actions.set(created.actionId, created);
    await this.persist({ t: 'action', r: created });
    return created;
  }

  async startAttempt(actionId: string, attempt: number): Promise<void> {
    const started: AttemptRecord = { attempt, startedAt: this.clock.now(), status: ActionStatus.Running, summary: '' };
    await this.update(actionId, (a) => ({ ...a, status: ActionStatus.Running, attempts: withAttempt(a.attempts, started) }));
  }

  async finishAttempt(actionId: string, attempt: number, result: ActionResult): Promise<void> {
    const now = this.clock.now();
    await this.update(actionId, (a) => {
      const started = a.attempts.find((x) => x.attempt === attempt) ?? { attempt, startedAt: now, status: ActionStatus.Running, summary: '' };
      return { ...a, status: ActionStatus.Pending, attempts: withAttempt(a.attempts, finishedAttempt(started, result, now)) };
    });
  }

  async finishAction(actionId: string, status: OutcomeStatus): Promise<void> {
    const now = this.clock.now();
    await this.update(actionId, (a) => ({ ...a, status, finishedAt: now }));
  }

  async query(query: OutcomeQuery): Promise<OutcomePage> {
    checkOutcomeQuery(query);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const oldestKept = this.clock.now() - this.retention.maxAgeMs;
    const matching = [...this.actions.values()]
      .filter((a) => matchesOutcomeQuery(a, query, oldestKept) && isAfterCursor(a, cursor))
      .sort(compareNewestFirst);
    const page = matching.slice(0, query.limit);
    const last = page[page.length - 1];
    const items = page.map((a) => this.link(a));
    return matching.length > query.limit && last !== undefined ? { items, nextCursor: encodeCursor(last) } : { items };
  }

  async get(actionId: string): Promise<LinkedActionRecord | undefined> {
    const found = this.actions.get(actionId);
    return found === undefined ? undefined : this.link(found);
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.writes;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private link(action: ActionRecord): LinkedActionRecord {
    const decision = this.decisions.get(action.decisionId);
    const event = decision?.eventId === undefined ? undefined : this.events.get(eventKey(decision.ruleset, decision.eventId));
    return { ...action, ...(decision !== undefined ? { decision } : {}), ...(event !== undefined ? { event } : {}) };
  }

  private assertWritable(): void {
    if (this.readOnly) throw storeError('the outcome store was opened read-only', undefined);
  }

  private async update(actionId: string, change: (a: ActionRecord) => ActionRecord): Promise<void> {
    this.assertWritable();
    const current = this.actions.get(actionId);
    if (current === undefined) return;
    const next = change(current);
    this.actions.set(actionId, next);
    await this.persist({ t: 'action', r: next });
  }

  private apply(line: FileLine): void {
    if (line.t === 'event') this.events.set(eventKey(line.r.ruleset, line.r.eventId), line.r);
    else if (line.t === 'decision') this.decisions.set(line.r.decisionId, line.r);
    else this.actions.set(line.r.actionId, line.r);
  }

  /** Enforces retention in memory, then appends the line (and compacts when due). */
  private async persist(line: FileLine): Promise<void> {
    this.prune();
    if (this.file === undefined) return;
    const text = `${JSON.stringify(line)}\n`;
    await this.serialized(async () => {
      if (this.handle === undefined) throw storeError('the outcome store is not started (or closed)', undefined);
      await this.handle.appendFile(text, 'utf8');
      this.fileLines++;
      await this.compactIfDue();
    });
  }

  private prune(): void {
    const oldestKept = this.clock.now() - this.retention.maxAgeMs;
    pruneMap(this.events, this.retention.maxCount, (r) => r.receivedAt < oldestKept);
    pruneMap(this.decisions, this.retention.maxCount, (r) => r.at < oldestKept);
    pruneMap(this.actions, this.retention.maxCount, (r) => r.createdAt < oldestKept);
  }

  private get retainedRecords(): number {
    return this.events.size + this.decisions.size + this.actions.size;
  }

  private async compactIfDue(): Promise<void> {
    if (this.fileLines > 2 * this.retainedRecords && this.fileLines >= this.compactMinLines) await this.compact();
  }

  /** Rewrites the file with the retained records only: temporary file, fsync, rename. */
  private async compact(): Promise<void> {
    const file = this.file as string;
    const tmp = `${file}.compacting`;
    const lines: string[] = [];
    for (const r of this.events.values()) lines.push(JSON.stringify({ t: 'event', r }));
    for (const r of this.decisions.values()) lines.push(JSON.stringify({ t: 'decision', r }));
    for (const r of this.actions.values()) lines.push(JSON.stringify({ t: 'action', r }));
    try {
      const out = await open(tmp, 'w');
      try {
        await out.writeFile(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
        await out.sync();
      } finally {
        await out.close();
      }
      await this.handle?.close();
      this.handle = undefined;
      await rename(tmp, file);
      this.handle = await open(file, 'a');
      this.fileLines = lines.length;
    } catch (err) {
      await rm(tmp, { force: true });
      this.handle ??= await open(file, 'a');
      throw storeError(`cannot compact history file ${file}`, err);
    }
  }

  private serialized(task: () => Promise<void>): Promise<void> {
    const run = this.writes.then(task);
    // The chain goes on after a failure; the failure reaches the caller of this write only.
    this.writes = run.catch(() => undefined);
    return run;
  }
}

function withAttempt(attempts: readonly AttemptRecord[], attempt: AttemptRecord): AttemptRecord[] {
  return [...attempts.filter((a) => a.attempt !== attempt.attempt), attempt].sort((a, b) => a.attempt - b.attempt);
}

function pruneMap<T>(map: Map<string, T>, maxCount: number, expired: (record: T) => boolean): void {
  for (const [key, record] of map) {
    if (map.size <= maxCount && !expired(record)) return;
    map.delete(key);
  }
}

function parseLine(line: string): FileLine | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { t, r } = parsed as { t?: unknown; r?: unknown };
  if (typeof r !== 'object' || r === null) return undefined;
  const record = r as Record<string, unknown>;
  // The file is ours; a shape check per kind is enough to skip a line damaged by hand or disk.
  if (t === 'event' && typeof record.eventId === 'string' && typeof record.ruleset === 'string') return { t, r: r as EventRecord };
  if (t === 'decision' && typeof record.decisionId === 'string') return { t, r: r as DecisionRecord };
  if (t === 'action' && typeof record.actionId === 'string' && Array.isArray(record.attempts)) return { t, r: r as ActionRecord };
  return undefined;
}

function storeError(message: string, cause: unknown): AutohealError {
  return new AutohealError(ErrorCode.OutcomeStoreFailed, message, { cause, retryable: true });
}
