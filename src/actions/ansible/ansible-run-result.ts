/**
 * @module What one `ansible-playbook` run produced, as the action layer stores it.
 */
import type { AnsibleArtifacts, HostStats } from './ansible-output.js';

/** How a run ended. Values appear in outcome records and logs. */
export const AnsibleRunStatus = {
  /** ansible-playbook exited 0. */
  Succeeded: 'succeeded',
  /** It exited non-zero or was killed by someone else. */
  Failed: 'failed',
  /** We killed it because `timeoutMs` passed. */
  TimedOut: 'timed_out',
  /** We killed it (or never started it) because the caller's AbortSignal fired. */
  Cancelled: 'cancelled',
} as const;
export type AnsibleRunStatus = (typeof AnsibleRunStatus)[keyof typeof AnsibleRunStatus];

export interface AnsibleRunResult {
  /** Exit code of ansible-playbook; null when it was ended by a signal or never started. */
  readonly rc: number | null;
  readonly status: AnsibleRunStatus;
  /** One sentence: what the exit code means (wire-formats.md §5.2), prefixed by a timeout or cancel. */
  readonly rcMeaning: string;
  /** The signal that ended ansible-playbook (`SIGTERM`, `SIGKILL`), or null. */
  readonly signal: string | null;
  /** finishedAt − startedAt, in milliseconds of the injected clock. */
  readonly durationMs: number;
  /** The last lines of stdout and stderr (bounded; not strictly chronological across the two). */
  readonly outputTail: string;
  /** Per-host recap; absent when the run printed none (syntax error, killed early). */
  readonly stats?: Readonly<Record<string, HostStats>>;
  /**
   * For `set_facts` / `post_events`: the data of the last `set_stats` or the facts of the last
   * `set_fact` task (whichever came last); for a module run, the module's result. Absent when
   * there was none. Upstream uses it only when rc is 0; that decision is the caller's.
   */
  readonly artifacts?: AnsibleArtifacts;
  /** When the process was started, in epoch milliseconds of the injected clock. */
  readonly startedAt: number;
  /** When the run settled, in epoch milliseconds of the injected clock. */
  readonly finishedAt: number;
}
