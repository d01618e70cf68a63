import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../core/index.js';
import { HandleOutcome, retryInPlace } from './handle-with-retries.js';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined, debug: () => undefined };
const policy = { attempts: 3, backoffMs: 1, maxBackoffMs: 4 };
const noSleep = async (): Promise<void> => undefined;

describe('retryInPlace', () => {
  it('gives a poison event up after its attempts', async () => {
    let calls = 0;
    const result = await retryInPlace({
      attempt: async () => {
        calls += 1;
        throw new TypeError('bad event');
      },
      logFields: { ruleset: 'rs', eventId: 'e1' },
      policy,
      sleep: noSleep,
      signal: new AbortController().signal,
      logger: silent as never,
    });
    expect(result.outcome).toBe(HandleOutcome.Failed);
    expect(calls).toBe(3);
  });

  it('keeps an event through an outage longer than its attempts (retryable errors do not count)', async () => {
    let calls = 0;
    const result = await retryInPlace({
      attempt: async () => {
        calls += 1;
        // Ten failures in a row while "Redis is away", then it is back.
        if (calls <= 10) throw new AutohealError(ErrorCode.QueueUnavailable, 'redis down', { retryable: true });
      },
      logFields: { ruleset: 'rs', eventId: 'e1' },
      policy,
      sleep: noSleep,
      signal: new AbortController().signal,
      logger: silent as never,
    });
    expect(result).toMatchObject({ outcome: HandleOutcome.Done, attempts: 11 });
  });

  it('stops retrying an outage at shutdown, leaving the event to the queue', async () => {
    const abort = new AbortController();
    let calls = 0;
    const result = await retryInPlace({
      attempt: async () => {
        calls += 1;
        if (calls === 5) abort.abort();
        throw new AutohealError(ErrorCode.QueueUnavailable, 'redis down', { retryable: true });
      },
      logFields: { ruleset: 'rs', eventId: 'e1' },
      policy,
      sleep: noSleep,
      signal: abort.signal,
      logger: silent as never,
    });
    expect(result.outcome).toBe(HandleOutcome.Aborted);
  });
});
