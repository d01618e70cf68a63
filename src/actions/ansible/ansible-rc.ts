/**
 * @module Exit codes of `ansible-playbook` and what they mean, from ansible-core 2.14
 * (`cli/__init__.py`, `task_queue_manager.py`); see shared/spec/wire-formats.md §5.2.
 */

/** Exit codes of `ansible-playbook`. */
export const AnsibleRc = {
  /** All hosts ok. */
  Ok: 0,
  /** Generic `AnsibleError`: missing playbook file, no hosts matched, bad callback, … */
  Error: 1,
  /** One or more hosts failed; also an argparse usage error (unknown option). */
  HostFailed: 2,
  /** Reserved for unreachable hosts, unused by ansible-core. */
  Unreachable3: 3,
  /** One or more hosts unreachable (wins over failed); also a YAML/syntax/parser error. */
  HostUnreachable: 4,
  /** `AnsibleOptionsError`: bad option values. */
  BadOptions: 5,
  /** The command line was not valid UTF-8. */
  NonUtf8: 6,
  /** `RUN_FAILED_BREAK_PLAY`, internal; normally reported as 2. */
  FailedBreakPlay: 8,
  /** Interrupted by the user (SIGINT). */
  Interrupted: 99,
  /** Unexpected exception: a bug in ansible or a plugin. */
  Unexpected: 250,
  /** `RUN_UNKNOWN_ERROR`, internal. */
  Unknown: 255,
} as const;
export type AnsibleRc = (typeof AnsibleRc)[keyof typeof AnsibleRc];

const MEANINGS: Readonly<Record<number, string>> = {
  [AnsibleRc.Ok]: 'ok: all hosts succeeded',
  [AnsibleRc.Error]: 'error: ansible error (missing playbook, no hosts matched, bad configuration)',
  [AnsibleRc.HostFailed]: 'failed: one or more hosts failed, or a command-line usage error',
  [AnsibleRc.Unreachable3]: 'unreachable (reserved code)',
  [AnsibleRc.HostUnreachable]: 'unreachable: one or more hosts unreachable, or a playbook parse/syntax error',
  [AnsibleRc.BadOptions]: 'bad options: invalid option values',
  [AnsibleRc.NonUtf8]: 'bad command line: not valid UTF-8',
  [AnsibleRc.FailedBreakPlay]: 'failed: play stopped after a host failure',
  [AnsibleRc.Interrupted]: 'interrupted',
  [AnsibleRc.Unexpected]: 'unexpected error: ansible raised an unhandled exception',
  [AnsibleRc.Unknown]: 'unknown error',
};

/**
 * One sentence saying what an `ansible-playbook` exit means, for outcome records and logs.
 * `rc` is null when the process was ended by a signal (then `signal` names it).
 */
export function describeAnsibleRc(rc: number | null, signal: string | null = null): string {
  if (rc === null) return signal === null ? 'no exit code' : `killed by ${signal}`;
  return MEANINGS[rc] ?? `unknown exit code ${rc}`;
}
