/**
 * @module Coordination for one process (the embedded default). Same semantics as the Redis
 * store, with time from the injected clock.
 */
import type { Clock } from '../../core/index.js';
import { BeginResult, type CoordinationStore } from './coordination-store.js';

export class MemoryCoordinationStore implements CoordinationStore {
  private readonly started = new Map<string, string>();
  private readonly finished = new Set<string>();
  private readonly completed = new Set<string>();
  private readonly locks = new Map<string, { owner: string; until: number }>();
  private readonly runs = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  async begin(key: string, attempt: number, owner: string): Promise<BeginResult> {
    if (this.completed.has(key)) return BeginResult.Finished;
    const id = `${key}#${attempt}`;
    if (this.finished.has(id)) return BeginResult.Finished;
    if (this.started.has(id)) return BeginResult.Interrupted;
    this.started.set(id, owner);
    return BeginResult.Started;
  }

  async finish(key: string, attempt: number): Promise<void> {
    this.finished.add(`${key}#${attempt}`);
  }

  async complete(key: string): Promise<void> {
    this.completed.add(key);
  }

  async isComplete(key: string): Promise<boolean> {
    return this.completed.has(key);
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const held = this.locks.get(name);
    if (held !== undefined && held.until > now && held.owner !== owner) return false;
    this.locks.set(name, { owner, until: now + ttlMs });
    return true;
  }

  async renewLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(name);
    if (held === undefined || held.owner !== owner) return false;
    held.until = this.clock.now() + ttlMs;
    return true;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    if (this.locks.get(name)?.owner === owner) this.locks.delete(name);
  }

  async countRun(target: string, now: number, windowMs: number, record: boolean): Promise<number> {
    const kept = (this.runs.get(target) ?? []).filter((t) => t > now - windowMs);
    if (record) kept.push(now);
    this.runs.set(target, kept);
    return kept.length;
  }

  async close(): Promise<void> {}
}
