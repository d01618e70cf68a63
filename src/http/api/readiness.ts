/**
 * @module Readiness checks of `GET /readyz`: each part that must work before the engine can take
 * traffic (queue connected, consumers running, outcome store open) contributes a named check.
 * Checks run in parallel, each bounded, so one hanging dependency makes the probe answer
 * "not ready" in time rather than time out itself.
 */

/** What one check found. `detail` is shown to whoever can reach `/readyz`: never a secret. */
export interface ReadinessStatus {
  readonly ok: boolean;
  /** One line on why (e.g. `redis: connecting`). */
  readonly detail?: string;
}

/** One named readiness check. */
export interface ReadinessCheck {
  /** Stable, short (`queue`, `consumers`, `outcome-store`); shown in `/readyz`. */
  readonly name: string;
  /** Aborted when the check runs out of time. A throw counts as not ready. */
  readonly check: (signal: AbortSignal) => Promise<ReadinessStatus>;
}

export interface ReadinessCheckResult extends ReadinessStatus {
  readonly name: string;
}

export interface ReadinessReport {
  /** True when every check passed (also when there are none). */
  readonly ready: boolean;
  /** In the order given. */
  readonly checks: readonly ReadinessCheckResult[];
}

/** Bound of `detail`, in characters. */
export const MAX_READINESS_DETAIL_CHARS = 300;

const bound = (detail: string): string =>
  detail.length > MAX_READINESS_DETAIL_CHARS ? `${detail.slice(0, MAX_READINESS_DETAIL_CHARS)}…` : detail;

/**
 * Runs every check at once, each bounded by `timeoutMs`.
 * @param onError called with a check's name and what it threw (the report shows only a
 *   constant detail and the error's code, as error messages may hold connection strings).
 */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
  onError: (name: string, err: unknown) => void = () => undefined,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs, onError)));
  return { ready: results.every((r) => r.ok), checks: results };
}

async function runOne(c: ReadinessCheck, timeoutMs: number, onError: (name: string, err: unknown) => void): Promise<ReadinessCheckResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ReadinessStatus>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    const status = await Promise.race([c.check(controller.signal), timedOut]);
    const ok = status.ok === true;
    return { name: c.name, ok, ...(typeof status.detail === 'string' && status.detail !== '' ? { detail: bound(status.detail) } : {}) };
  } catch (err: unknown) {
    onError(c.name, err);
    const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
    return { name: c.name, ok: false, detail: typeof code === 'string' ? `check failed (${bound(code)})` : 'check failed' };
  } finally {
    clearTimeout(timer);
  }
}
