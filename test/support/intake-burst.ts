/**
 * @module A webhook burst for the intake crash tests: `total` numbered requests sent by
 * `concurrency` workers over keep-alive `fetch`, every outcome recorded per sequence number, each
 * request bounded by a timeout so a hung request shows up as `timeout` rather than hanging the test.
 */

/** What became of one request. */
export type BurstOutcome =
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'timeout' };

export interface BurstOptions {
  /** Requests are numbered 0 … total-1. */
  readonly total: number;
  readonly concurrency: number;
  /** Sends request `seq`; the burst adds the abort signal. */
  readonly send: (seq: number, signal: AbortSignal) => Promise<Response>;
  /** Bound of one request, ms. Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Awaited before every request (a test holds the burst while it restarts something). */
  readonly gate?: () => Promise<void> | void;
  /** Called with each outcome as it arrives, before the next request of that worker. */
  readonly onOutcome?: (seq: number, outcome: BurstOutcome) => void;
}

/** Runs the burst to its end; resolves with every request's outcome, indexed by sequence number. */
export async function runBurst(options: BurstOptions): Promise<BurstOutcome[]> {
  const outcomes: BurstOutcome[] = new Array<BurstOutcome>(options.total);
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      await options.gate?.();
      const seq = next;
      if (seq >= options.total) return;
      next += 1;
      const outcome = await sendOne(seq, options.send, timeoutMs);
      outcomes[seq] = outcome;
      options.onOutcome?.(seq, outcome);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcomes;
}

async function sendOne(seq: number, send: BurstOptions['send'], timeoutMs: number): Promise<BurstOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await send(seq, signal);
    return { kind: 'status', status: response.status, body: await response.text() };
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout' };
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    return { kind: 'error', message: String(cause?.code ?? cause?.message ?? (err as Error).message) };
  }
}

/** Sequence numbers whose request was answered with `status`. */
export function withStatus(outcomes: readonly BurstOutcome[], status: number): number[] {
  const out: number[] = [];
  outcomes.forEach((o, seq) => {
    if (o.kind === 'status' && o.status === status) out.push(seq);
  });
  return out;
}

/** How many requests ended in each way: `202`, `503`, `error`, `timeout`, … */
export function tally(outcomes: readonly BurstOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.kind === 'status' ? String(o.status) : o.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
