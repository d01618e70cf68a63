/**
 * @module One ruleset's working memory and upstream's engine model
 * (shared/spec/rulebook-language.md §2.4–2.5):
 * - an event is matched against the rules in declaration order; the first rule it completes
 *   wins (unless `match_multiple_rules`), and every event taking part in a kept match is consumed;
 * - an event that completed nothing stays in memory only while it can still complete an `all`
 *   (until its TTL), otherwise it is discarded at once;
 * - a fact fires every rule it completes and is never consumed;
 * - a single-leaf `X is not defined` rule fires when memory turns into "no object has X";
 * - throttles (§2.6) and `not_all` windows hold their state here, and timer-driven firings
 *   happen in `advanceTime`, so a replay in virtual time behaves like real time.
 * Time comes from the injected clock only.
 */
import type { Clock } from '../../core/index.js';
import type { PathSegment } from '../condition/index.js';
import type { CompiledRule, CompiledRuleset } from './compile-ruleset.js';
import { MISSING, equalityKey, readPath } from './field-path.js';
import { MatchTrigger, MemoryKind, type MemoryObject, type RuleMatch } from './match.js';

type Data = Readonly<Record<string, unknown>>;
type Bindings = Record<string, Data>;

export interface RulesetSessionOptions {
  /** The only source of time. */
  readonly clock: Clock;
}

/** Why a rule matched but did not fire (yet), or why waiting state was dropped. */
export const DecisionKind = {
  /** `once_within`: the group already fired in the current window. */
  Throttled: 'throttled',
  /** `accumulate_within`: counted towards the threshold. */
  Accumulating: 'accumulating',
  /** `once_after`: collected; the rule fires when the window closes. */
  Collecting: 'collecting',
  /** `not_all`: a window is open or was completed in time. */
  Watching: 'watching',
  /** A waiting event or an accumulation window ran out of time. */
  Expired: 'expired',
} as const;
export type DecisionKind = (typeof DecisionKind)[keyof typeof DecisionKind];

export interface SessionDecision {
  readonly ruleIndex: number;
  readonly rule: string;
  readonly kind: DecisionKind;
  readonly reason: string;
}

/** What one operation on the session produced. */
export interface SessionResult {
  /** Fired matches, in the order their actions must run. */
  readonly matches: readonly RuleMatch[];
  /** For an event: whether it was kept in memory waiting for partners. */
  readonly retained: boolean;
  /** Rules that matched without firing, and state that expired. */
  readonly decisions: readonly SessionDecision[];
}

/** The part of a session's state that is not working-memory objects: small, stored whole. */
export interface SessionMeta {
  readonly version: 1;
  readonly nextId: number;
  readonly notExists: Readonly<Record<string, boolean>>;
  readonly groupWindows: ReadonlyArray<{ readonly rule: string; readonly group: string; readonly until: number; readonly count: number }>;
  readonly collectWindows: ReadonlyArray<{
    readonly rule: string;
    readonly until: number;
    readonly groups: ReadonlyArray<{ readonly key: string; readonly data: Data; readonly count: number }>;
  }>;
  readonly watchWindows: ReadonlyArray<{
    readonly rule: string;
    readonly until: number;
    readonly first: { readonly binding: string; readonly data: Data };
    readonly seen: readonly string[];
  }>;
}

/** A session's whole state: working memory plus windows and counters. */
export interface SessionState extends SessionMeta {
  readonly objects: readonly MemoryObject[];
}

/** What one or more operations changed, for a store to apply atomically. */
export interface SessionChanges {
  readonly put: readonly MemoryObject[];
  readonly removed: readonly number[];
  /** Present when windows or not-defined states changed (and on the first call). */
  readonly meta?: SessionMeta;
}

/** A throttle window of one group (`once_within`, `accumulate_within`). */
interface GroupWindow {
  readonly until: number;
  count: number;
}

/** A `once_after` window: one kept event per group, fired together when it closes. */
interface CollectWindow {
  readonly until: number;
  readonly groups: Map<string, { data: Data; count: number }>;
}

/** A `not_all` window, opened by the first entry to match. */
interface WatchWindow {
  readonly until: number;
  readonly first: { readonly binding: string; readonly data: Data };
  readonly seen: Set<string>;
}

export class RulesetSession {
  private readonly memory = new Map<number, MemoryObject>();
  private nextId = 1;
  /** Per `is not defined` rule: whether memory currently holds no object with the path. */
  private readonly noneHasPath = new Map<number, boolean>();
  /** `${ruleIndex}|${groupKey}` → window. */
  private readonly groupWindows = new Map<string, GroupWindow>();
  private readonly collectWindows = new Map<number, CollectWindow>();
  private readonly watchWindows = new Map<number, WatchWindow>();
  private readonly clock: Clock;
  /** Memory objects that took part in the matches of the operation under way. */
  private matchedObjects: MemoryObject[] = [];
  /** Decisions of the operation under way. */
  private decisions: SessionDecision[] = [];
  /** Unconsumed events in insertion order, which is expiry order (one TTL per ruleset). */
  private readonly eventsByAge = new Map<number, MemoryObject>();
  /** No event and no throttle window expires before this (a lower bound: checking is free). */
  private earliestExpiry = Number.POSITIVE_INFINITY;
  /** Join indexes of `all` rules: `${rule}|${pos}|${path}` → key → objects (beta memories). */
  private readonly joinIndexes = new Map<string, JoinIndex>();
  /** Per rule, its join keys with the two indexes they use (looked up once, not per event). */
  private readonly joinPlans = new Map<number, ReadonlyArray<{ readonly key: CompiledRule['joinKeys'][number]; readonly atPos: JoinIndex; readonly atOther: JoinIndex }>>();
  /** Where each object was filed, to unfile it on removal. */
  private readonly filedIn = new Map<number, Array<{ index: JoinIndex; key: unknown }>>();
  /** Whether windows or not-defined states changed since the last `takeChanges` (true at first). */
  private metaDirty = true;
  /** Objects added and ids removed since the last `takeChanges`, for incremental persistence. */
  private added = new Map<number, MemoryObject>();
  private removedIds = new Set<number>();

  constructor(
    readonly compiled: CompiledRuleset,
    options: RulesetSessionOptions,
  ) {
    this.clock = options.clock;
    for (const rule of compiled.rules) {
      // Upstream does not fire these for the empty memory it starts with, only on a change.
      if (rule.notExistsPath !== undefined) this.noneHasPath.set(rule.index, true);
      if (rule.joinKeys.length > 0) {
        this.joinPlans.set(
          rule.index,
          rule.joinKeys.map((key) => ({ key, atPos: this.joinIndex(rule, key.pos, key.path), atOther: this.joinIndex(rule, key.otherPos, key.otherPath) })),
        );
      }
    }
  }

  get name(): string {
    return this.compiled.ruleset.name;
  }

  /** Number of objects (unconsumed events and facts) in working memory. */
  get size(): number {
    return this.memory.size;
  }

  /** The facts currently asserted, oldest first. */
  facts(): Data[] {
    return [...this.memory.values()].filter((o) => o.kind === MemoryKind.Fact).map((o) => o.data);
  }

  /** Processes an event (from a source or `post_event`). Call `advanceTime` first to run due timers. */
  processEvent(data: Data): SessionResult {
    const now = this.clock.now();
    this.decisions = [];
    this.expire(now);
    const obj = this.insert(MemoryKind.Event, data, now + this.compiled.ruleset.defaultEventsTtlMs);
    const firstRuleWins = !this.compiled.ruleset.matchMultipleRules;
    const { matches, taken, objects } = this.matchObject(obj, firstRuleWins, MatchTrigger.Event, now);
    if (taken && firstRuleWins) {
      this.consume(objects);
      this.remove(obj.id);
    }
    let retained = this.memory.has(obj.id);
    if (retained && !taken && !this.canCompleteLater(obj)) {
      this.remove(obj.id);
      retained = false;
    }
    const notExists = this.noneHasPath.size === 0 ? NO_MATCHES : this.notExistsTransitions(undefined, now, taken && firstRuleWins);
    return { matches: notExists.length === 0 ? matches : [...matches, ...notExists], retained, decisions: this.decisions };
  }

  /**
   * Runs what time makes happen up to now: `once_after` and `not_all` windows that closed fire,
   * and expired events and accumulation windows are dropped.
   */
  advanceTime(): SessionResult {
    const now = this.clock.now();
    this.decisions = [];
    this.expire(now);
    const due: Array<{ at: number; ruleIndex: number; bindings: Bindings }> = [];
    for (const [ruleIndex, window] of this.collectWindows) {
      if (window.until > now) continue;
      this.collectWindows.delete(ruleIndex);
      this.metaDirty = true;
      const rule = this.compiled.rules[ruleIndex] as CompiledRule;
      const kept = [...window.groups.values()].map((g) =>
        tagRuleEngine(g.data, { once_after_time_window: windowLabel(rule), events_in_window: g.count }),
      );
      const bindings: Bindings = kept.length === 1 ? { m: kept[0] as Data } : Object.fromEntries(kept.map((d, i) => [`m_${i}`, d]));
      due.push({ at: window.until, ruleIndex, bindings });
    }
    for (const [ruleIndex, window] of this.watchWindows) {
      if (window.until > now) continue;
      this.watchWindows.delete(ruleIndex);
      this.metaDirty = true;
      const rule = this.compiled.rules[ruleIndex] as CompiledRule;
      if (window.seen.size < rule.patterns.length) due.push({ at: window.until, ruleIndex, bindings: { [window.first.binding]: window.first.data } });
    }
    due.sort((a, b) => a.at - b.at || a.ruleIndex - b.ruleIndex);
    const matches = due.map(({ at, ruleIndex, bindings }): RuleMatch => ({
      ruleset: this.name,
      rule: (this.compiled.rules[ruleIndex] as CompiledRule).rule.name,
      ruleIndex,
      bindings,
      trigger: MatchTrigger.Timer,
      at,
    }));
    return { matches, retained: false, decisions: this.decisions };
  }

  /** When `advanceTime` next has something to do (clock ms), or undefined. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const w of this.collectWindows.values()) next = next === undefined ? w.until : Math.min(next, w.until);
    for (const w of this.watchWindows.values()) next = next === undefined ? w.until : Math.min(next, w.until);
    return next;
  }

  /** Asserts a fact (`set_fact`, gathered facts): every rule it completes fires. */
  assertFact(data: Data): SessionResult {
    const now = this.clock.now();
    this.decisions = [];
    this.expire(now);
    const obj = this.insert(MemoryKind.Fact, data, Number.POSITIVE_INFINITY);
    const { matches, objects } = this.matchObject(obj, false, MatchTrigger.Fact, now);
    this.consume(objects);
    const notExists = this.notExistsTransitions(undefined, now, false);
    return { matches: [...matches, ...notExists], retained: true, decisions: this.decisions };
  }

  /**
   * Retracts facts: with `partial` every fact containing all given keys with deep-equal values,
   * otherwise facts whose keys other than `meta` equal the given ones exactly (§2.5 item 6).
   */
  retractFact(data: Data, partial: boolean): SessionResult & { readonly retracted: number } {
    const now = this.clock.now();
    this.decisions = [];
    this.expire(now);
    const removed: MemoryObject[] = [];
    for (const obj of this.memory.values()) {
      if (obj.kind === MemoryKind.Fact && factMatches(obj.data, data, partial)) removed.push(obj);
    }
    for (const obj of removed) this.remove(obj.id);
    const matches = this.notExistsTransitions(removed, now, false);
    return { matches, retained: false, retracted: removed.length, decisions: this.decisions };
  }

  /** Drops unconsumed events whose time to live has passed, and closed accumulation windows. */
  private expire(now: number): void {
    if (now < this.earliestExpiry) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const obj of this.eventsByAge.values()) {
      // Insertion order is expiry order: stop at the first event still alive.
      if (obj.expiresAt > now) {
        earliest = obj.expiresAt;
        break;
      }
      this.remove(obj.id);
      for (const index of this.waitingRules(obj)) {
        const rule = this.compiled.rules[index] as CompiledRule;
        this.decide(rule, DecisionKind.Expired, `an event waiting for its partners expired (default_events_ttl ${formatMs(this.compiled.ruleset.defaultEventsTtlMs)})`);
      }
    }
    for (const [key, window] of this.groupWindows) {
      if (window.until > now) {
        if (window.until < earliest) earliest = window.until;
        continue;
      }
      this.groupWindows.delete(key);
      this.metaDirty = true;
      const rule = this.compiled.rules[Number(key.slice(0, key.indexOf('|')))] as CompiledRule;
      if (rule.rule.throttle?.kind === 'accumulate_within') {
        this.decide(rule, DecisionKind.Expired, `accumulate_within ${rule.rule.throttle.windowText} passed with ${window.count} of ${rule.rule.throttle.threshold ?? 0} events; discarded`);
      }
    }
    this.earliestExpiry = earliest;
  }

  private setGroupWindow(slot: string, window: GroupWindow): void {
    this.groupWindows.set(slot, window);
    this.metaDirty = true;
    if (window.until < this.earliestExpiry) this.earliestExpiry = window.until;
  }

  private decide(rule: CompiledRule, kind: DecisionKind, reason: string): void {
    this.decisions.push({ ruleIndex: rule.index, rule: rule.rule.name, kind, reason });
  }

  private put(obj: MemoryObject): void {
    this.memory.set(obj.id, obj);
    this.added.set(obj.id, obj);
    this.file(obj);
  }

  private remove(id: number): void {
    const obj = this.memory.get(id);
    if (obj === undefined) return;
    this.memory.delete(id);
    this.unfile(obj);
    // An object born and gone within one operation never reaches the store.
    if (!this.added.delete(id)) this.removedIds.add(id);
  }

  private joinIndex(rule: CompiledRule, pos: number, path: readonly PathSegment[]): JoinIndex {
    const id = `${rule.index}|${pos}|${JSON.stringify(path)}`;
    let index = this.joinIndexes.get(id);
    if (index === undefined) {
      index = { rule, pos, path, byKey: new Map(), unkeyed: new Set() };
      this.joinIndexes.set(id, index);
    }
    return index;
  }

  /** Adds an object to memory's side structures: age order and the join indexes it qualifies for. */
  private file(obj: MemoryObject): void {
    if (obj.kind === MemoryKind.Event) {
      this.eventsByAge.set(obj.id, obj);
      if (obj.expiresAt < this.earliestExpiry) this.earliestExpiry = obj.expiresAt;
    }
    if (this.joinIndexes.size === 0) return;
    const filed: Array<{ index: JoinIndex; key: unknown }> = [];
    for (const index of this.joinIndexes.values()) {
      const pattern = index.rule.patterns[index.pos];
      if (pattern === undefined || !pattern.alpha(obj.data, EMPTY_BINDINGS)) continue;
      const value = readPath(obj.data, index.path);
      if (value === MISSING) continue; // a missing attribute never equals anything
      const key = equalityKey(value);
      if (key === undefined) {
        index.unkeyed.add(obj); // lists and mappings: compared by the predicate itself
        filed.push({ index, key: UNKEYED });
        continue;
      }
      let set = index.byKey.get(key);
      if (set === undefined) {
        set = new Set();
        index.byKey.set(key, set);
      }
      set.add(obj);
      filed.push({ index, key });
    }
    if (filed.length > 0) this.filedIn.set(obj.id, filed);
  }

  private unfile(obj: MemoryObject): void {
    this.eventsByAge.delete(obj.id);
    const filed = this.filedIn.get(obj.id);
    if (filed === undefined) return;
    this.filedIn.delete(obj.id);
    for (const { index, key } of filed) {
      if (key === UNKEYED) {
        index.unkeyed.delete(obj);
        continue;
      }
      const set = index.byKey.get(key);
      set?.delete(obj);
      if (set?.size === 0) index.byKey.delete(key);
    }
  }

  /**
   * Everything needed to rebuild this session after a restart. Windows are keyed by rule name,
   * not position, so state survives a rulebook edit that reorders rules (windows of rules that
   * no longer exist are dropped on import).
   */
  exportState(): SessionState {
    return { ...this.exportMeta(), objects: [...this.memory.values()] };
  }

  /**
   * What changed since the last call: objects to store and drop, and the (small) rest in full
   * when it changed. The stored `nextId` may lag behind; import takes the largest object id
   * into account, so ids stay unique.
   */
  takeChanges(): SessionChanges {
    const meta = this.metaDirty ? { meta: this.exportMeta() } : {};
    this.metaDirty = false;
    const changes: SessionChanges = { put: [...this.added.values()], removed: [...this.removedIds], ...meta };
    this.added = new Map();
    this.removedIds = new Set();
    return changes;
  }

  /** Replaces this session's state with `state` (from `exportState` or a store). */
  importState(state: SessionState): void {
    const byName = new Map(this.compiled.rules.map((r) => [r.rule.name, r]));
    for (const obj of [...this.memory.values()]) this.unfile(obj);
    this.memory.clear();
    for (const obj of [...state.objects].sort((a, b) => a.id - b.id)) {
      this.memory.set(obj.id, obj);
      this.file(obj);
    }
    // A loop, not Math.max(...ids): a large memory would overflow the argument list.
    let nextId = Math.max(state.nextId, 1);
    for (const obj of state.objects) if (obj.id >= nextId) nextId = obj.id + 1;
    this.nextId = nextId;
    for (const [name, none] of Object.entries(state.notExists)) {
      const rule = byName.get(name);
      if (rule?.notExistsPath !== undefined) this.noneHasPath.set(rule.index, none);
    }
    this.groupWindows.clear();
    for (const w of state.groupWindows) {
      const rule = byName.get(w.rule);
      if (rule?.rule.throttle !== undefined) this.setGroupWindow(`${rule.index}|${w.group}`, { until: w.until, count: w.count });
    }
    this.collectWindows.clear();
    for (const w of state.collectWindows) {
      const rule = byName.get(w.rule);
      if (rule?.rule.throttle?.kind === 'once_after') {
        this.collectWindows.set(rule.index, { until: w.until, groups: new Map(w.groups.map((g) => [g.key, { data: g.data, count: g.count }])) });
      }
    }
    this.watchWindows.clear();
    for (const w of state.watchWindows) {
      const rule = byName.get(w.rule);
      if (rule?.rule.condition.kind === 'not_all') this.watchWindows.set(rule.index, { until: w.until, first: w.first, seen: new Set(w.seen) });
    }
    this.added = new Map();
    this.removedIds = new Set();
    this.metaDirty = false;
  }

  private exportMeta(): SessionMeta {
    const name = (index: number): string => (this.compiled.rules[index] as CompiledRule).rule.name;
    return {
      version: 1,
      nextId: this.nextId,
      notExists: Object.fromEntries([...this.noneHasPath].map(([index, none]) => [name(index), none])),
      groupWindows: [...this.groupWindows].map(([slot, w]) => {
        const bar = slot.indexOf('|');
        return { rule: name(Number(slot.slice(0, bar))), group: slot.slice(bar + 1), until: w.until, count: w.count };
      }),
      collectWindows: [...this.collectWindows].map(([index, w]) => ({
        rule: name(index),
        until: w.until,
        groups: [...w.groups].map(([key, g]) => ({ key, data: g.data, count: g.count })),
      })),
      watchWindows: [...this.watchWindows].map(([index, w]) => ({ rule: name(index), until: w.until, first: w.first, seen: [...w.seen] })),
    };
  }

  private insert(kind: MemoryObject['kind'], data: Data, expiresAt: number): MemoryObject {
    const obj: MemoryObject = { id: this.nextId++, kind, data, insertedAt: this.clock.now(), expiresAt };
    this.put(obj);
    return obj;
  }

  /**
   * Every match `obj` completes, rule by rule in declaration order. `taken` is true when some
   * rule claimed the object, even if a throttle then held its firing back.
   */
  private matchObject(
    obj: MemoryObject,
    firstRuleWins: boolean,
    trigger: MatchTrigger,
    now: number,
  ): { matches: RuleMatch[]; taken: boolean; objects: MemoryObject[] } {
    const { rules, singleIndex, multiRules } = this.compiled;
    this.matchedObjects = [];
    const singles = singleIndex.candidates(obj.data);
    const out: RuleMatch[] = [];
    let taken = false;
    // Walk the two ascending lists together so rules are tried in declaration order.
    let i = 0;
    let j = 0;
    while (i < singles.length || j < multiRules.length) {
      const a = singles[i];
      const b = multiRules[j];
      let index: number;
      if (b === undefined || (a !== undefined && a < b)) {
        index = a as number;
        i += 1;
      } else {
        index = b;
        j += 1;
      }
      const rule = rules[index] as CompiledRule;
      if (rule.rule.condition.kind === 'not_all') {
        this.watchNotAll(rule, obj, now);
        continue;
      }
      let found = rule.patterns.length === 1 ? this.matchSingle(rule, obj) : this.matchMulti(rule, obj);
      if (found.length === 0) continue;
      taken = true;
      if (rule.rule.throttle !== undefined) found = this.throttle(rule, found[0] as Bindings, now);
      for (const bindings of found) {
        out.push({ ruleset: this.name, rule: rule.rule.name, ruleIndex: index, bindings, trigger, at: now });
      }
      if (firstRuleWins) break;
    }
    return { matches: out, taken, objects: this.matchedObjects };
  }

  /** Applies a rule's throttle to a match; returns what fires now (possibly nothing). */
  private throttle(rule: CompiledRule, bindings: Bindings, now: number): Bindings[] {
    const throttle = rule.rule.throttle;
    // Every throttle decision changes a window or a count.
    this.metaDirty = true;
    const data = bindings.m ?? Object.values(bindings)[0];
    if (throttle === undefined || data === undefined) return [bindings];
    const key = groupKey(throttle.groupBy.map((ref) => readPath(data, ref.path)));
    const label = windowLabel(rule);
    switch (throttle.kind) {
      case 'once_within': {
        const slot = `${rule.index}|${key}`;
        const window = this.groupWindows.get(slot);
        if (window !== undefined && window.until > now) {
          window.count += 1;
          this.decide(rule, DecisionKind.Throttled, `once_within ${throttle.windowText}: group ${key} already fired ${formatMs(throttle.windowMs - (window.until - now))} ago`);
          return [];
        }
        this.setGroupWindow(slot, { until: now + throttle.windowMs, count: 1 });
        return [{ m: tagRuleEngine(data, { once_within_time_window: label }) }];
      }
      case 'accumulate_within': {
        const slot = `${rule.index}|${key}`;
        const threshold = throttle.threshold ?? 1;
        let window = this.groupWindows.get(slot);
        if (window === undefined || window.until <= now) {
          window = { until: now + throttle.windowMs, count: 0 };
          this.setGroupWindow(slot, window);
        }
        window.count += 1;
        if (window.count < threshold) {
          this.decide(rule, DecisionKind.Accumulating, `accumulate_within ${throttle.windowText}: ${window.count} of ${threshold} events for group ${key}`);
          return [];
        }
        this.groupWindows.delete(slot);
        return [{ m: tagRuleEngine(data, { accumulate_within_time_window: label, threshold }) }];
      }
      case 'once_after': {
        let window = this.collectWindows.get(rule.index);
        if (window === undefined) {
          window = { until: now + throttle.windowMs, groups: new Map() };
          this.collectWindows.set(rule.index, window);
        }
        const group = window.groups.get(key);
        if (group === undefined) window.groups.set(key, { data, count: 1 });
        else group.count += 1;
        this.decide(rule, DecisionKind.Collecting, `once_after ${throttle.windowText}: collected for group ${key}; fires in ${formatMs(window.until - now)}`);
        return [];
      }
    }
  }

  /** `not_all`: the first entry to match opens a window; it fires at the deadline unless all matched. */
  private watchNotAll(rule: CompiledRule, obj: MemoryObject, now: number): void {
    const timeoutMs = rule.rule.condition.timeoutMs ?? 0;
    for (const pattern of rule.patterns) {
      if (pattern.joins.size > 0 || !pattern.predicate(obj.data, EMPTY_BINDINGS)) continue;
      this.metaDirty = true;
      let window = this.watchWindows.get(rule.index);
      if (window === undefined) {
        window = { until: now + timeoutMs, first: { binding: pattern.binding, data: obj.data }, seen: new Set() };
        this.watchWindows.set(rule.index, window);
      }
      if (window.seen.has(pattern.binding)) continue;
      window.seen.add(pattern.binding);
      if (window.seen.size === rule.patterns.length) {
        this.watchWindows.delete(rule.index);
        this.decide(rule, DecisionKind.Watching, 'not_all: every condition matched within the timeout; nothing fires');
        return;
      }
      this.decide(rule, DecisionKind.Watching, `not_all: ${pattern.binding} matched; fires in ${formatMs(window.until - now)} unless the other conditions match`);
    }
  }

  private matchSingle(rule: CompiledRule, obj: MemoryObject): Bindings[] {
    const pattern = rule.patterns[0];
    if (pattern === undefined || !pattern.predicate(obj.data, EMPTY_BINDINGS)) return [];
    this.matchedObjects.push(obj);
    return [{ [pattern.binding]: obj.data }];
  }

  private matchMulti(rule: CompiledRule, obj: MemoryObject): Bindings[] {
    const { kind } = rule.rule.condition;
    if (kind === 'any') {
      // The first entry the object satisfies fires, bound under that entry's name.
      for (const pattern of rule.patterns) {
        if (pattern.joins.size === 0 && pattern.predicate(obj.data, EMPTY_BINDINGS)) {
          this.matchedObjects.push(obj);
          return [{ [pattern.binding]: obj.data }];
        }
      }
      return [];
    }
    if (kind !== 'all') return [];
    const results: Bindings[] = [];
    const timeoutMs = rule.rule.condition.timeoutMs;
    rule.patterns.forEach((pattern, position) => {
      if (!pattern.alpha(obj.data, EMPTY_BINDINGS)) return;
      this.join(rule, position, obj, 0, {}, [], timeoutMs, results);
    });
    return results;
  }

  /**
   * Fills pattern `k` onwards with distinct memory objects (the new object fixed at
   * `position`), checking each pattern with the bindings made so far.
   */
  private join(
    rule: CompiledRule,
    position: number,
    fixed: MemoryObject,
    k: number,
    bindings: Bindings,
    used: MemoryObject[],
    timeoutMs: number | undefined,
    results: Bindings[],
  ): void {
    const pattern = rule.patterns[k];
    if (pattern === undefined) {
      results.push({ ...bindings });
      this.matchedObjects.push(...used);
      return;
    }
    const tryObject = (candidate: MemoryObject): void => {
      if (timeoutMs !== undefined && !withinWindow(candidate, used, timeoutMs)) return;
      if (!pattern.predicate(candidate.data, bindings)) return;
      bindings[pattern.binding] = candidate.data;
      used.push(candidate);
      this.join(rule, position, fixed, k + 1, bindings, used, timeoutMs, results);
      used.pop();
      delete bindings[pattern.binding];
    };
    if (k === position) {
      tryObject(fixed);
      return;
    }
    const candidates = this.joinCandidates(rule, k, position, fixed, bindings);
    if (candidates === NO_CANDIDATES) return;
    for (const candidate of candidates ?? this.memory.values()) {
      if (candidate === fixed || used.includes(candidate)) continue;
      if (!pattern.alpha(candidate.data, EMPTY_BINDINGS)) continue;
      tryObject(candidate);
    }
  }

  /**
   * Objects that can fill position `k` given the objects placed so far (positions before `k` and
   * the new object at `position`), through a join index; undefined means "scan memory".
   */
  private joinCandidates(rule: CompiledRule, k: number, position: number, fixed: MemoryObject, bindings: Bindings): Iterable<MemoryObject> | typeof NO_CANDIDATES | undefined {
    const placed = (pos: number): Data | undefined =>
      pos === position ? fixed.data : pos < k ? bindings[(rule.patterns[pos] as CompiledRule['patterns'][number]).binding] : undefined;
    for (const { key, atPos, atOther } of this.joinPlans.get(rule.index) ?? []) {
      let index: JoinIndex;
      let from: Data | undefined;
      let fromPath: readonly PathSegment[];
      if (key.pos === k) {
        index = atPos;
        from = placed(key.otherPos);
        fromPath = key.otherPath;
      } else if (key.otherPos === k) {
        index = atOther;
        from = placed(key.pos);
        fromPath = key.path;
      } else continue;
      if (from === undefined) continue;
      const value = readPath(from, fromPath);
      if (value === MISSING) return NO_CANDIDATES;
      const lookup = equalityKey(value);
      if (lookup === undefined) continue;
      const hits = index.byKey.get(lookup);
      if (index.unkeyed.size === 0) return hits ?? NO_CANDIDATES;
      return [...(hits ?? []), ...index.unkeyed];
    }
    return undefined;
  }

  /** Whether an unmatched event satisfies the stand-alone part of some `all` pattern. */
  private canCompleteLater(obj: MemoryObject): boolean {
    return this.waitingRules(obj).length > 0;
  }

  /** The `all` rules for which `obj` could still be a partner. */
  private waitingRules(obj: MemoryObject): number[] {
    const out: number[] = [];
    for (const index of this.compiled.multiRules) {
      const rule = this.compiled.rules[index] as CompiledRule;
      if (rule.rule.condition.kind !== 'all') continue;
      if (rule.patterns.some((p) => p.alpha(obj.data, EMPTY_BINDINGS))) out.push(index);
    }
    return out;
  }

  /** Removes the events (never facts) among the objects that took part in matches. */
  private consume(objects: readonly MemoryObject[]): void {
    for (const obj of objects) if (obj.kind === MemoryKind.Event) this.remove(obj.id);
  }

  /**
   * Fires the `is not defined` rules whose path no object in memory has any more. `removed`
   * are retracted facts: the one that had the path becomes the match, as upstream (example 20).
   */
  private notExistsTransitions(removed: readonly MemoryObject[] | undefined, now: number, suppressed: boolean): RuleMatch[] {
    const out: RuleMatch[] = [];
    for (const [index, wasNone] of this.noneHasPath) {
      const rule = this.compiled.rules[index] as CompiledRule;
      const path = rule.notExistsPath as NonNullable<CompiledRule['notExistsPath']>;
      let isNone = true;
      for (const obj of this.memory.values()) {
        if (readPath(obj.data, path) !== MISSING) {
          isNone = false;
          break;
        }
      }
      if (isNone !== wasNone) this.metaDirty = true;
      this.noneHasPath.set(index, isNone);
      if (!isNone || wasNone || suppressed) continue;
      const cause = removed?.find((o) => readPath(o.data, path) !== MISSING);
      const bindings: Bindings = cause === undefined ? {} : { m: cause.data };
      out.push({ ruleset: this.name, rule: rule.rule.name, ruleIndex: index, bindings, trigger: MatchTrigger.Retract, at: now });
    }
    return out.sort((a, b) => a.ruleIndex - b.ruleIndex);
  }
}

const EMPTY_BINDINGS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_MATCHES: readonly RuleMatch[] = Object.freeze([]);
const NO_CANDIDATES: unique symbol = Symbol('no candidates');
const UNKEYED: unique symbol = Symbol('unkeyed');

interface JoinIndex {
  readonly rule: CompiledRule;
  readonly pos: number;
  readonly path: readonly PathSegment[];
  readonly byKey: Map<unknown, Set<MemoryObject>>;
  readonly unkeyed: Set<MemoryObject>;
}

/** The throttle window as upstream writes it into `meta.rule_engine` (`"2 SECONDS"`). */
function windowLabel(rule: CompiledRule): string {
  return (rule.rule.throttle?.windowText ?? '').toUpperCase();
}

/** A copy of `data` with `meta.rule_engine` fields added, as upstream tags throttled events. */
function tagRuleEngine(data: Data, fields: Record<string, unknown>): Data {
  const meta = isRecord(data.meta) ? data.meta : {};
  const engine = isRecord(meta.rule_engine) ? meta.rule_engine : {};
  return { ...data, meta: { ...meta, rule_engine: { ...engine, ...fields } } };
}

/** The group a throttled event belongs to: its `group_by_attributes` values (missing → null). */
function groupKey(values: readonly unknown[]): string {
  // Readable, because it appears in decision messages; bigints keep their digits.
  return JSON.stringify(
    values.map((v) => (v === MISSING ? null : v)),
    (_k, x: unknown) => (typeof x === 'bigint' ? `${x.toString()}n` : x),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `90s`, `5m`, `2h`, `250ms`: for decision messages. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 100) / 10}s`;
}

function withinWindow(candidate: MemoryObject, used: readonly MemoryObject[], timeoutMs: number): boolean {
  for (const other of used) {
    if (Math.abs(candidate.insertedAt - other.insertedAt) > timeoutMs) return false;
  }
  return true;
}

function factMatches(stored: Data, given: Data, partial: boolean): boolean {
  for (const [key, value] of Object.entries(given)) {
    if (key === 'meta') continue;
    if (!Object.prototype.hasOwnProperty.call(stored, key) || !deepEqual(stored[key], value)) return false;
  }
  if (partial) return true;
  const storedKeys = Object.keys(stored).filter((k) => k !== 'meta');
  const givenKeys = Object.keys(given).filter((k) => k !== 'meta');
  return storedKeys.length === givenKeys.length;
}

/** Structural equality of JSON-like values (numbers across number/bigint). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // eslint-disable-next-line eqeqeq -- loose equality compares number and bigint by value
    return a == b;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
