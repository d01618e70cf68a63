/**
 * @module The arguments of `eda.builtin.generic` (aliases `ansible.eda.generic`, `generic`;
 * rulebook-language.md §4.4, upstream's `event_source/generic.py`), validated once into
 * GenericOptions. Upstream ignores unknown and ill-typed arguments (a string `loop_count` loops
 * forever there); here every problem is reported at load time with `AH_SOURCE_CONFIG_INVALID`.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { findNonJson, isPlainObject, type JsonObject } from '../json-value.js';
import { PluginArgs, secondsToMs } from '../plugin-source.js';

export const GENERIC_PLUGIN = 'eda.builtin.generic';

export const TimeFormat = { Local: 'local', Iso8601: 'iso8601', Epoch: 'epoch' } as const;
export type TimeFormat = (typeof TimeFormat)[keyof typeof TimeFormat];

/** `blob_size` cap: a bigger event would not be a sensible test payload nor fit a queue entry. */
export const MAX_BLOB_SIZE = 64 * 1024 * 1024;

/** Where the events come from: inline `payload`, or `payload_file` read at start. */
export type GenericPayload =
  | { readonly kind: 'inline'; readonly items: readonly JsonObject[] }
  | { readonly kind: 'file'; readonly path: string };

export interface GenericOptions {
  readonly payload: GenericPayload;
  /** Sent once after all loops (upstream: only when it is a mapping). */
  readonly finalPayload: JsonObject | undefined;
  /** Print each event on stdout (`display`, default false). */
  readonly display: boolean;
  /** Field receiving a running 0-based index (`create_index`, default "" = none). */
  readonly createIndex: string;
  /** Shuffle the payload before each loop (`randomize`, default false). */
  readonly randomize: boolean;
  /** Add a `timestamp` field (`timestamp`, default false) in `timeFormat` (default local). */
  readonly timestamp: boolean;
  readonly timeFormat: TimeFormat;
  /** Length of the `blob` field of "x" characters (`blob_size`, default 0 = none). */
  readonly blobSize: number;
  /** Passes over the payload (`loop_count`, default 1; -1 = forever; 0 = none). */
  readonly loopCount: number;
  /** Times each item is sent per pass (`repeat_count`, default 1). */
  readonly repeatCount: number;
  /** Env vars that must be set to these values, else the source fails (`check_env_vars`). */
  readonly checkEnvVars: Readonly<Record<string, string>>;
  /** Delays in milliseconds (rulebook: seconds, default 0). */
  readonly startupDelayMs: number;
  readonly eventDelayMs: number;
  readonly repeatDelayMs: number;
  readonly loopDelayMs: number;
  readonly shutdownAfterMs: number;
}

/**
 * True for what Python treats as false (`if not event: continue` skips it): null, `{}`, `[]`,
 * `""`, 0, false.
 */
function isFalsy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

/**
 * The events of a payload (a list, or a single mapping meaning a list of one), empty items
 * dropped as upstream skips them; problems are reported under `where`.
 */
export function readPayloadItems(value: unknown, where: string, problem: (path: string, message: string) => void): readonly JsonObject[] {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  const items: JsonObject[] = [];
  list.forEach((item: unknown, i: number) => {
    const path = Array.isArray(value) ? `${where}[${i}]` : where;
    if (isFalsy(item)) return;
    if (!isPlainObject(item)) {
      problem(path, 'must be a mapping (an event)');
      return;
    }
    const bad = findNonJson(item, path);
    if (bad !== undefined) {
      problem(bad, 'is not JSON data');
      return;
    }
    items.push(item as JsonObject);
  });
  return items;
}

/**
 * Validates generic's rulebook arguments. `payload` (list or mapping) or `payload_file` (a YAML
 * file, read at start) is required, not both.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` listing every problem.
 */
export function resolveGenericOptions(args: unknown): GenericOptions {
  const a = new PluginArgs(GENERIC_PLUGIN, args);
  let payload: GenericPayload = { kind: 'inline', items: [] };
  const hasFile = a.has('payload_file');
  // `payload: null` is a valid (empty) payload upstream, so presence is the key, not a value.
  const hasPayload = isPlainObject(args) && 'payload' in args;
  a.raw('payload');
  if (hasFile && hasPayload) {
    a.problem('payload', 'give either payload or payload_file, not both');
  } else if (hasFile) {
    const path = a.nonEmptyString('payload_file');
    if (path !== undefined) payload = { kind: 'file', path };
  } else if (hasPayload) {
    payload = { kind: 'inline', items: readPayloadItems(a.raw('payload'), 'payload', (p, m) => a.problem(p, m)) };
  } else {
    a.problem('payload', 'is required (a list of events, or payload_file)');
  }

  let finalPayload: JsonObject | undefined;
  if (a.has('final_payload')) finalPayload = a.mapping('final_payload');

  const checkEnvVars: Record<string, string> = {};
  const env = a.mapping('check_env_vars') ?? {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' || typeof value === 'number') checkEnvVars[name] = String(value);
    else a.problem(`check_env_vars.${name}`, 'must be a string (the expected value)');
  }

  const options: GenericOptions = {
    payload,
    finalPayload,
    display: a.boolean('display', false),
    createIndex: a.string('create_index', ''),
    randomize: a.boolean('randomize', false),
    timestamp: a.boolean('timestamp', false),
    timeFormat: a.choice('time_format', Object.values(TimeFormat), TimeFormat.Local),
    blobSize: a.integer('blob_size', 0, { min: 0, max: MAX_BLOB_SIZE }),
    loopCount: a.integer('loop_count', 1, { min: -1 }),
    repeatCount: a.integer('repeat_count', 1, { min: 0 }),
    checkEnvVars,
    startupDelayMs: secondsToMs(a.number('startup_delay', 0, { min: 0 })),
    eventDelayMs: secondsToMs(a.number('event_delay', 0, { min: 0 })),
    repeatDelayMs: secondsToMs(a.number('repeat_delay', 0, { min: 0 })),
    loopDelayMs: secondsToMs(a.number('loop_delay', 0, { min: 0 })),
    shutdownAfterMs: secondsToMs(a.number('shutdown_after', 0, { min: 0 })),
  };
  a.finish();
  return options;
}

/**
 * Checks `check_env_vars` against `env`, with upstream's messages.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` for the first missing or different variable.
 */
export function checkGenericEnvVars(expected: Readonly<Record<string, string>>, env: Readonly<Record<string, string | undefined>>): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = env[name];
    if (actual === undefined) {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `${GENERIC_PLUGIN}: Env Var ${name} is required`, { details: { envVar: name } });
    }
    if (actual !== value) {
      // Upstream also prints the value found; it may be a secret, so it stays out of the message.
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `${GENERIC_PLUGIN}: Env Var ${name} expected: ${value} passed in: a different value`, {
        details: { envVar: name },
      });
    }
  }
}
