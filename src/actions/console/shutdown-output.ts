/**
 * @module What upstream's `shutdown` action prints (ansible_rulebook/action/shutdown.py,
 * shared/spec/rulebook-language.md §3.3): one `[ruleset]` banner announcing the shutdown.
 */
import { pyStr } from '../../rules/template/index.js';
import { banner, type BannerOptions } from './banner.js';

/** Upstream's defaults when the action omits them (the CLI default `--shutdown-delay` is 60). */
export const SHUTDOWN_DEFAULTS = { delay: 60, message: 'Default shutdown message', kind: 'graceful' } as const;

/** The shutdown as the action saw it; omitted fields take upstream's defaults. */
export interface ShutdownNotice {
  readonly ruleset: string;
  readonly rule: string;
  /** Seconds; a number as rendered (an int from YAML prints the same as a float). */
  readonly delay?: number | bigint;
  readonly message?: unknown;
  readonly kind?: unknown;
}

/**
 * `<ruleset> rule: <rule> has initiated shutdown of type: <kind>. Delay: <d.ddd> seconds,
 * Message: <msg>` in a `[ruleset]` banner. Accepts the engine's `ShutdownRequest`.
 */
export function shutdownOutput(notice: ShutdownNotice, options: BannerOptions): string {
  const delay = notice.delay ?? SHUTDOWN_DEFAULTS.delay;
  const message = notice.message ?? SHUTDOWN_DEFAULTS.message;
  const kind = notice.kind ?? SHUTDOWN_DEFAULTS.kind;
  const text =
    `${notice.ruleset} rule: ${notice.rule} has initiated shutdown of type: ${pyStr(kind)}.` +
    ` Delay: ${formatFixed3(delay)} seconds, Message: ${pyStr(message)}`;
  return banner('ruleset', text, options);
}

/**
 * Python `f"{x:.3f}"`. `toFixed` rounds exact ties away from zero where Python rounds half to
 * even. A tie at the 4th decimal needs x = odd/16 (x·1000 = n + ½ with a power-of-two
 * denominator), whose exact expansion has at most 4 decimals, so `toFixed(4)` shows it exactly.
 */
export function formatFixed3(x: number | bigint): string {
  if (typeof x === 'bigint') return `${x.toString()}.000`;
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Math.abs(x) >= 1e21) return `${BigInt(x).toString()}.000`;
  const four = x.toFixed(4);
  let out = x.toFixed(3);
  if (Number.isInteger(x * 16) && four.endsWith('5')) {
    // Exact tie: keep the 3rd decimal if even, else step away from zero to make it even.
    const truncated = four.slice(0, -1);
    const last = Number(truncated.at(-1));
    out = last % 2 === 0 ? truncated : x.toFixed(3);
  }
  if (Object.is(x, -0) || (x < 0 && !out.startsWith('-'))) out = `-${out}`;
  return out;
}
