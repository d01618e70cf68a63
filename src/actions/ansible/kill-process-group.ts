/**
 * @module Signals a whole process group. execa signals only its direct child, and ansible-playbook
 * forks workers that hold the output pipes, so the runner starts it `detached` (its own group,
 * pgid = pid) and signals `-pid` instead (shared/spec/stack.md §5).
 */

/**
 * Sends `signal` to every process of the group `pgid`. Returns false when the group no longer
 * exists (ESRCH) or is not ours (EPERM); other errors are not expected and also return false,
 * because this runs from timers where a throw would take the whole process down.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // A pgid ≤ 1 would address our own group or every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
