/**
 * @module Reads `ansible-playbook` output line by line: parses the `ansible.posix.jsonl`
 * callback's events (shared/spec/wire-formats.md §5.3) into per-host stats and set_stats /
 * set_fact artifacts, renders each event as the human line the default callback would print,
 * and falls back to the PLAY RECAP when the default callback is used.
 */

/** Which output stream a line came from. */
export const OutputStream = {
  Stdout: 'stdout',
  Stderr: 'stderr',
} as const;
export type OutputStream = (typeof OutputStream)[keyof typeof OutputStream];

/** Per-host counters of the play recap. */
export interface HostStats {
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly skipped: number;
  readonly rescued: number;
  readonly ignored: number;
}

/** Where artifacts for `set_facts` / `post_events` came from. */
export const ArtifactSource = {
  /** `ansible_stats.data` of a `set_stats` task. */
  SetStats: 'set_stats',
  /** `ansible_facts` of a `set_fact` task. */
  SetFact: 'set_fact',
  /** The registered result of the module of a `run_module` run. */
  ModuleResult: 'module_result',
} as const;
export type ArtifactSource = (typeof ArtifactSource)[keyof typeof ArtifactSource];

/** The data a run hands back to the rule engine (upstream's `set_facts` / `post_events`). */
export interface AnsibleArtifacts {
  readonly source: ArtifactSource;
  /** The host whose task result carried the data (the last one when several did). */
  readonly host: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** One event of the `ansible.posix.jsonl` callback, as parsed (fields not validated further). */
export interface AnsibleJsonlEvent {
  /** `v2_playbook_on_play_start`, `v2_playbook_on_task_start`, `v2_runner_on_ok`, … */
  readonly _event: string;
  readonly [key: string]: unknown;
}

/** One line of output, as handed to `onLine`. */
export interface AnsibleOutputLine {
  readonly stream: OutputStream;
  /** The line as printed (a JSON document for jsonl events). */
  readonly raw: string;
  /** Human-readable rendering; several lines joined by `\n` for the stats event. */
  readonly text: string;
  /** The parsed jsonl event, when the line was one. */
  readonly event?: AnsibleJsonlEvent;
  /** True when the line exceeded the line-length bound and was cut. */
  readonly truncated: boolean;
}

type JsonObject = Readonly<Record<string, unknown>>;

const RECAP_HEADER = /^PLAY RECAP\b/;
const RECAP_LINE =
  /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)/;
const SET_STATS_ACTION = /(^|\.)set_stats$/;
const SET_FACT_ACTION = /(^|\.)set_fact$/;
/** Failure details longer than this are cut in the rendered line; the raw event keeps them. */
const MAX_DETAIL_CHARS = 500;

/** Accumulates what a run printed into stats and artifacts. */
export class AnsibleOutputCollector {
  private jsonlStats: Record<string, HostStats> | undefined;
  private readonly recapStats: Record<string, HostStats> = {};
  private inRecap = false;
  private lastArtifacts: AnsibleArtifacts | undefined;

  /** Reads one line; returns it classified and rendered. */
  ingest(stream: OutputStream, raw: string, truncated = false): AnsibleOutputLine {
    const event = stream === OutputStream.Stdout ? parseJsonlEvent(raw) : undefined;
    if (event === undefined) {
      if (stream === OutputStream.Stdout) this.readRecap(raw);
      return { stream, raw, text: raw, truncated };
    }
    this.readEvent(event);
    return { stream, raw, text: renderJsonlEvent(event).join('\n'), event, truncated };
  }

  /** Per-host recap: from the jsonl stats event, else from a PLAY RECAP; undefined if neither. */
  stats(): Readonly<Record<string, HostStats>> | undefined {
    if (this.jsonlStats !== undefined) return this.jsonlStats;
    return Object.keys(this.recapStats).length > 0 ? this.recapStats : undefined;
  }

  /** Data of the last `set_stats` or facts of the last `set_fact` task result, whichever came last. */
  artifacts(): AnsibleArtifacts | undefined {
    return this.lastArtifacts;
  }

  private readEvent(event: AnsibleJsonlEvent): void {
    if (event._event === 'v2_playbook_on_stats') {
      const stats = asObject(event['stats']);
      if (stats !== undefined) this.jsonlStats = statsFromJsonl(stats);
      return;
    }
    if (event._event !== 'v2_runner_on_ok') return;
    for (const [host, result] of hostResults(event)) {
      const action = typeof result['action'] === 'string' ? result['action'] : '';
      if (SET_STATS_ACTION.test(action)) {
        const data = asObject(asObject(result['ansible_stats'])?.['data']);
        if (data !== undefined) this.lastArtifacts = { source: ArtifactSource.SetStats, host, data };
      } else if (SET_FACT_ACTION.test(action)) {
        const data = asObject(result['ansible_facts']);
        if (data !== undefined) this.lastArtifacts = { source: ArtifactSource.SetFact, host, data };
      }
    }
  }

  private readRecap(line: string): void {
    if (RECAP_HEADER.test(line)) {
      this.inRecap = true;
      return;
    }
    if (!this.inRecap) return;
    const m = RECAP_LINE.exec(line);
    if (m === null) {
      if (line.trim() !== '') this.inRecap = false;
      return;
    }
    const n = (i: number): number => Number(m[i]);
    this.recapStats[m[1] ?? ''] = {
      ok: n(2),
      changed: n(3),
      unreachable: n(4),
      failed: n(5),
      skipped: n(6),
      rescued: n(7),
      ignored: n(8),
    };
  }
}

/** The jsonl event on this line, or undefined when the line is not one (warnings, `-v` text). */
export function parseJsonlEvent(line: string): AnsibleJsonlEvent | undefined {
  if (!line.startsWith('{') || !line.endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const obj = asObject(value);
  if (obj === undefined || typeof obj['_event'] !== 'string') return undefined;
  return obj as AnsibleJsonlEvent;
}

/** The lines the default callback would print for this event (close, not byte-identical). */
export function renderJsonlEvent(event: AnsibleJsonlEvent): string[] {
  const name = (key: string): string => {
    const v = asObject(event[key])?.['name'];
    return typeof v === 'string' ? v : '';
  };
  switch (event._event) {
    case 'v2_playbook_on_play_start':
      return [`PLAY [${name('play')}]`];
    case 'v2_playbook_on_task_start':
    case 'v2_runner_on_start':
      return [`TASK [${name('task')}]`];
    case 'v2_playbook_on_handler_task_start':
      return [`RUNNING HANDLER [${name('task')}]`];
    case 'v2_runner_on_ok':
      return hostResults(event).map(([host, r]) => `${r['changed'] === true ? 'changed' : 'ok'}: [${host}]${detail(r, false)}`);
    case 'v2_runner_on_failed':
      return hostResults(event).map(([host, r]) => `fatal: [${host}]: FAILED!${detail(r, true)}`);
    case 'v2_runner_on_unreachable':
      return hostResults(event).map(([host, r]) => `fatal: [${host}]: UNREACHABLE!${detail(r, true)}`);
    case 'v2_runner_on_skipped':
      return hostResults(event).map(([host]) => `skipping: [${host}]`);
    case 'v2_playbook_on_stats': {
      const stats = statsFromJsonl(asObject(event['stats']) ?? {});
      return [
        'PLAY RECAP',
        ...Object.entries(stats).map(
          ([host, s]) =>
            `${host} : ok=${s.ok} changed=${s.changed} unreachable=${s.unreachable} failed=${s.failed} ` +
            `skipped=${s.skipped} rescued=${s.rescued} ignored=${s.ignored}`,
        ),
      ];
    }
    default:
      return [event._event];
  }
}

function detail(result: JsonObject, failure: boolean): string {
  const parts: string[] = [];
  const msg = result['msg'];
  if (typeof msg === 'string' && msg !== '') parts.push(msg);
  if (failure) {
    if (typeof result['rc'] === 'number') parts.push(`rc=${result['rc']}`);
    const stderr = result['stderr'];
    if (typeof stderr === 'string' && stderr !== '') parts.push(`stderr: ${stderr}`);
  }
  if (parts.length === 0) return '';
  const text = parts.join(' ').replace(/\s*\n\s*/g, ' ');
  return ` => ${text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text}`;
}

function hostResults(event: AnsibleJsonlEvent): Array<[string, JsonObject]> {
  const hosts = asObject(event['hosts']);
  if (hosts === undefined) return [];
  const out: Array<[string, JsonObject]> = [];
  for (const [host, result] of Object.entries(hosts)) {
    const r = asObject(result);
    if (r !== undefined) out.push([host, r]);
  }
  return out;
}

function statsFromJsonl(stats: JsonObject): Record<string, HostStats> {
  const out: Record<string, HostStats> = {};
  for (const [host, value] of Object.entries(stats)) {
    const s = asObject(value) ?? {};
    const n = (key: string): number => (typeof s[key] === 'number' ? (s[key] as number) : 0);
    out[host] = {
      ok: n('ok'),
      changed: n('changed'),
      failed: n('failures'),
      unreachable: n('unreachable'),
      skipped: n('skipped'),
      rescued: n('rescued'),
      ignored: n('ignored'),
    };
  }
  return out;
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}
