/**
 * @module ansible-rulebook's `Display.banner`, byte for byte: the console output of the
 * engine's own actions is what upstream's e2e tests grep (shared/spec/rulebook-language.md §3.5).
 */
import type { Clock } from '../../core/index.js';

/** Width of the `*` rules when the terminal width is unknown, as upstream's fallback. */
export const DEFAULT_BANNER_WIDTH = 80;

/** How banners are drawn; shared by every console output function of this folder. */
export interface BannerOptions {
  /** Source of the banner timestamp (read once per banner, as upstream calls `now()` per banner). */
  readonly clock: Clock;
  /** Terminal width in columns; the rules are padded with `*` to it. Default 80. */
  readonly width?: number;
  /**
   * Offset of local time from UTC in minutes for the timestamp (upstream prints
   * `datetime.now()`, i.e. local time). Default: the process time zone at that instant.
   */
  readonly utcOffsetMinutes?: number;
}

/**
 * One banner as upstream prints it: an empty line, `** <local time> [name] ***…` padded to
 * `width`, then — unless `content` is `null` (Python `None`) — the content lines and a closing
 * line of `*`. Every line ends with `\n`. An array gives one content line per element; content
 * is printed as is (convert values with `pyStr`/`pyPformat` first).
 */
export function banner(name: string, content: string | readonly string[] | null, options: BannerOptions): string {
  const width = options.width ?? DEFAULT_BANNER_WIDTH;
  const title = name.trim();
  // Upstream skips the leading empty line and the timestamp only for an empty name.
  let out = title === '' ? `${rule(width, 0)}\n` : `\n${embed(`${bannerTimestamp(options)} [${title}]`, width)}\n`;
  if (content === null) return out;
  const lines = typeof content === 'string' ? [content] : content;
  for (const line of lines) out += `${line}\n`;
  return out + `${rule(width, 0)}\n`;
}

/** `** <text> ` followed by `*` up to `width` (none when the text is longer). */
function embed(text: string, width: number): string {
  const prefixed = `** ${text} `;
  return prefixed + rule(width, codePointLength(prefixed));
}

function rule(width: number, used: number): string {
  return '*'.repeat(Math.max(0, width - used));
}

/** Python `len()`: code points, not UTF-16 units. */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/**
 * Python `datetime.now().isoformat(' ')` at the clock's instant: `YYYY-MM-DD HH:MM:SS.ffffff`,
 * without the fraction when the microseconds are 0 (Python's quirk, kept for byte parity).
 */
export function bannerTimestamp(options: Pick<BannerOptions, 'clock' | 'utcOffsetMinutes'>): string {
  const ms = options.clock.now();
  const offset = options.utcOffsetMinutes ?? -new Date(ms).getTimezoneOffset();
  return pythonIsoFormat(ms + offset * 60_000, ' ');
}

/**
 * Python `datetime.now(timezone.utc).isoformat()` with `+00:00` replaced by `Z`, as upstream's
 * `run_at()` (the `rule_run_at` that `debug` prints): `2026-07-23T10:11:12.123000Z`.
 */
export function pythonRunAt(ms: number): string {
  return `${pythonIsoFormat(ms, 'T')}Z`;
}

/** The wall time `ms` (already shifted to the wanted zone) read as UTC, in Python's isoformat. */
function pythonIsoFormat(ms: number, sep: string): string {
  const d = new Date(ms);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  const micros = d.getUTCMilliseconds() * 1000;
  return `${date}${sep}${time}${micros === 0 ? '' : `.${pad(micros, 6)}`}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
