/**
 * @module `eda.builtin.generic`: replays a payload of events with loops, repeats, delays, an
 * index, a timestamp and a blob, then ends (which shuts the rulebook down). Mirrors upstream's
 * `Generic.__call__` step for step, waits included, so a rulebook's timing is the same:
 * startup_delay → per loop (loop_delay between loops; shuffled if randomize) → per item
 * (repeat_count × [event, repeat_delay]) then event_delay → final_payload → shutdown_after.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { AutohealError, ErrorCode, systemClock, toJsonSafe, type Clock } from '../../core/index.js';
import { cloneJson, setOwn, type JsonObject, type JsonValue } from '../json-value.js';
import { systemTimers, taskSource, type PluginSource, type Timers } from '../plugin-source.js';
import { GENERIC_PLUGIN, TimeFormat, checkGenericEnvVars, readPayloadItems, resolveGenericOptions, type GenericOptions } from './generic-options.js';

export interface GenericSourceDeps {
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** Uniform in [0, 1), for `randomize`. Default Math.random. */
  readonly random?: () => number;
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads `payload_file` (UTF-8 text). Default fs.readFile. */
  readonly readFile?: (path: string) => Promise<string>;
  /** Where `display: true` prints an event. Default: one JSON line on stdout. */
  readonly print?: (event: JsonObject) => void;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Python's `str(datetime.now())` (`sep` " ") or `datetime.now().isoformat()` (`sep` "T") for a
 * time in ms: local time, microseconds only when not zero, no zone.
 */
export function formatLocalTimestamp(ms: number, sep: ' ' | 'T'): string {
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}${sep}${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const millis = d.getMilliseconds();
  return millis === 0 ? base : `${base}.${pad(millis, 3)}000`;
}

function timestampValue(format: TimeFormat, ms: number): string | number {
  switch (format) {
    case TimeFormat.Epoch:
      return Math.floor(ms / 1000);
    case TimeFormat.Iso8601:
      return formatLocalTimestamp(ms, 'T');
    default:
      return formatLocalTimestamp(ms, ' ');
  }
}

/** Fisher–Yates in place, as Python's random.shuffle. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

function printLine(event: JsonObject): void {
  process.stdout.write(`${JSON.stringify(toJsonSafe(event))}\n`);
}

async function loadPayloadFile(path: string, readFile: (path: string) => Promise<string>): Promise<readonly JsonObject[]> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (err: unknown) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `${GENERIC_PLUGIN}: File ${path} not found`, { cause: err, details: { path } });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `${GENERIC_PLUGIN}: File ${path} parsing error ${message}`, { cause: err, details: { path } });
  }
  const problems: string[] = [];
  const items = readPayloadItems(value, 'payload_file', (p, m) => problems.push(`${p}: ${m}`));
  if (problems.length > 0) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, `${GENERIC_PLUGIN}: File ${path} is invalid: ${problems.join('; ')}`, {
      details: { path, problems },
    });
  }
  return items;
}

/**
 * A generic source for the given rulebook arguments. `start()` checks `check_env_vars` and reads
 * `payload_file` first, and rejects (`AH_SOURCE_CONFIG_INVALID`) when either fails.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for bad arguments (see resolveGenericOptions).
 */
export function createGenericSource(args: unknown, deps: GenericSourceDeps = {}): PluginSource {
  return genericSource(resolveGenericOptions(args), deps);
}

/** A generic source for already resolved options. */
export function genericSource(options: GenericOptions, deps: GenericSourceDeps = {}): PluginSource {
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const random = deps.random ?? Math.random;
  const print = deps.print ?? printLine;
  const blob = options.blobSize > 0 ? 'x'.repeat(options.blobSize) : undefined;
  let items: JsonObject[] = options.payload.kind === 'inline' ? [...options.payload.items] : [];

  const build = (item: JsonObject, index: number): JsonObject => {
    const data: Record<string, JsonValue> = {};
    if (options.createIndex !== '') setOwn(data, options.createIndex, index);
    if (blob !== undefined) data.blob = blob;
    if (options.timestamp) data.timestamp = timestampValue(options.timeFormat, clock.now());
    // The item's own keys win, as with Python's dict.update.
    for (const [k, v] of Object.entries(cloneJson(item))) setOwn(data, k, v);
    return data;
  };

  return taskSource({
    async prepare() {
      checkGenericEnvVars(options.checkEnvVars, deps.env ?? process.env);
      if (options.payload.kind === 'file') {
        items = [...(await loadPayloadFile(options.payload.path, deps.readFile ?? ((p) => fsReadFile(p, 'utf8'))))];
      }
    },

    async run(emit, signal) {
      const post = async (item: JsonObject, index: number): Promise<void> => {
        const event = build(item, index);
        if (options.display) print(event);
        await emit([{ event }]);
      };

      let index = 0;
      await timers.sleep(options.startupDelayMs, signal);
      for (let iteration = 0; iteration !== options.loopCount; iteration += 1) {
        if (options.loopDelayMs > 0 && iteration > 0) await timers.sleep(options.loopDelayMs, signal);
        if (options.randomize) shuffle(items, random);
        for (const item of items) {
          for (let r = 0; r < options.repeatCount; r += 1) {
            await post(item, index);
            index += 1;
            await timers.sleep(options.repeatDelayMs, signal);
          }
          await timers.sleep(options.eventDelayMs, signal);
        }
        // An endless loop that posts nothing would otherwise never yield (upstream hangs there).
        if (items.length === 0 || options.repeatCount === 0) await timers.sleep(0, signal);
      }
      if (options.finalPayload !== undefined) await post(options.finalPayload, index);
      await timers.sleep(options.shutdownAfterMs, signal);
    },
  });
}
