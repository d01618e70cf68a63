/**
 * @module The embedded state store: keeps the latest state of each ruleset in this process
 * only. Nothing survives a restart; `durable` says so and `autoheal run` logs it.
 */
import type { MemoryObject, SessionMeta } from '../rules/engine/index.js';
import type { RulesetChanges, StateStore, StoredSession } from './state-store.js';

interface Entry {
  meta?: SessionMeta;
  objects: Map<number, MemoryObject>;
  lastEventId?: string;
}

export class MemoryStateStore implements StateStore {
  readonly durable = false;
  private readonly entries = new Map<string, Entry>();
  private readonly outbox: string[] = [];

  async load(ruleset: string): Promise<StoredSession> {
    const entry = this.entries.get(ruleset);
    if (entry?.meta === undefined) return entry?.lastEventId === undefined ? {} : { lastEventId: entry.lastEventId };
    const state = { ...entry.meta, objects: [...entry.objects.values()].sort((a, b) => a.id - b.id) };
    return entry.lastEventId === undefined ? { state } : { state, lastEventId: entry.lastEventId };
  }

  async save(batch: readonly RulesetChanges[], outbox: readonly string[] = []): Promise<void> {
    for (const { ruleset, changes, lastEventId } of batch) {
      const entry = this.entry(ruleset);
      for (const id of changes.removed) entry.objects.delete(id);
      for (const obj of changes.put) entry.objects.set(obj.id, obj);
      if (changes.meta !== undefined) entry.meta = changes.meta;
      if (lastEventId !== undefined) entry.lastEventId = lastEventId;
    }
    this.outbox.push(...outbox);
  }

  async peekOutbox(max: number): Promise<string[]> {
    return this.outbox.slice(0, max);
  }

  async ackOutbox(entries: readonly string[]): Promise<void> {
    for (const entry of entries) {
      const at = this.outbox.indexOf(entry);
      if (at >= 0) this.outbox.splice(at, 1);
    }
  }

  async close(): Promise<void> {}

  private entry(ruleset: string): Entry {
    let entry = this.entries.get(ruleset);
    if (entry === undefined) {
      entry = { objects: new Map() };
      this.entries.set(ruleset, entry);
    }
    return entry;
  }
}
