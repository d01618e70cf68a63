/**
 * Waits until `probe` returns something other than undefined, polling every `intervalMs`, and
 * fails with a message naming what was awaited after `ms`. For state that has no event to wait
 * on (a file written by a playbook, a fake server's request list).
 */
export async function until<T>(what: string, probe: () => T | undefined, ms = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
