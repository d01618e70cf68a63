/**
 * @module Event files for the dry-run: one JSON/YAML document (an event, or a list of events)
 * with `--event`, or JSON lines with `--events`. A line may be `{"at": "+30s", "event": {…}}`
 * to place the event in virtual time (relative to the previous event, or absolute from the start
 * with `"at": "30s"`), so timeouts and TTLs behave as they would in real time, instantly.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { AutohealError, ErrorCode } from '../core/index.js';
import { parseJson } from '../core/json.js';

export interface TimedEvent {
  /** Where the event came from: `file:line` or `file[index]`. */
  readonly origin: string;
  /** Milliseconds of virtual time to move forward before this event. */
  readonly delayMs: number;
  /** Absolute offset from the start, when the line gave one (`"at": "30s"`). */
  readonly atMs?: number;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Reads `--event` files: JSON or YAML, one event or a list of events. */
export async function readEventFile(file: string): Promise<TimedEvent[]> {
  const text = await readText(file);
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : parseJson(text);
  } catch (err) {
    throw new AutohealError(ErrorCode.EventInvalid, `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${messageOf(err)}`);
  }
  const items = Array.isArray(doc) ? doc : [doc];
  return items.map((item, i) => toTimedEvent(item, Array.isArray(doc) ? `${file}[${i}]` : file));
}

/** Reads `--events` JSON-lines files; blank lines and lines starting with `#` are skipped. */
export async function readEventLines(file: string): Promise<TimedEvent[]> {
  const text = await readText(file);
  const out: TimedEvent[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    let value: unknown;
    try {
      value = parseJson(trimmed);
    } catch (err) {
      throw new AutohealError(ErrorCode.EventInvalid, `${file}:${i + 1}: not valid JSON: ${messageOf(err)}`);
    }
    out.push(toTimedEvent(value, `${file}:${i + 1}`));
  });
  return out;
}

function toTimedEvent(value: unknown, origin: string): TimedEvent {
  if (!isObject(value)) throw new AutohealError(ErrorCode.EventInvalid, `${origin}: an event must be a JSON object, found ${describe(value)}`);
  const keys = Object.keys(value);
  const timed = 'event' in value && keys.every((k) => k === 'event' || k === 'at');
  if (!timed) return { origin, delayMs: 0, event: value };
  const event = value.event;
  if (!isObject(event)) throw new AutohealError(ErrorCode.EventInvalid, `${origin}: "event" must be a JSON object, found ${describe(event)}`);
  if (value.at === undefined) return { origin, delayMs: 0, event };
  if (typeof value.at !== 'string') throw new AutohealError(ErrorCode.EventInvalid, `${origin}: "at" must be a string such as "+30s" or "2m", found ${describe(value.at)}`);
  const relative = value.at.startsWith('+');
  const ms = parseDuration(relative ? value.at.slice(1) : value.at);
  if (ms === undefined) {
    throw new AutohealError(ErrorCode.EventInvalid, `${origin}: cannot read "at": "${value.at}"; expected a duration such as "+30s", "+5m", "1h", "250ms"`);
  }
  return relative ? { origin, delayMs: ms, event } : { origin, delayMs: 0, atMs: ms, event };
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `5m`, `2h`, `1d` (a bare number is seconds). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] ?? 's'] as number));
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new AutohealError(ErrorCode.EventInvalid, `cannot read event file ${file}: ${messageOf(err)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
