import { describe, expect, it } from 'vitest';
import type { ActionRequest } from '../action-handler.js';
import { DISPATCH_DEFAULTS, resolveDispatchPolicy, worstCaseMs } from './dispatch-policy.js';

function request(action: string, args: Record<string, unknown>): ActionRequest {
  return { dispatchKey: 'k', ruleset: 'rs', rule: 'r', action, args, hosts: ['web01'], bindings: {}, eventIds: ['e'] };
}

describe('worstCaseMs', () => {
  it('adds every attempt to its timeout and the retry delays between them', () => {
    // 3 attempts of 10 s; `delay` alone is upstream's fixed delay: 5 s before each retry.
    const fixed = resolveDispatchPolicy(request('notify', { retries: 2, timeout: 10, delay: 5 }));
    expect(fixed.attempts).toBe(3);
    expect(worstCaseMs(fixed)).toBe(3 * 10_000 + 5_000 + 5_000);
    // Exponential: 5 s, then 10 s.
    const exponential = resolveDispatchPolicy(request('notify', { retries: 2, timeout: 10, delay: 5, retry_backoff: 'exponential' }));
    expect(worstCaseMs(exponential)).toBe(3 * 10_000 + 5_000 + 10_000);
  });

  it('counts the lock wait of a remediation that queues behind another one on its host', () => {
    const policy = resolveDispatchPolicy(request('run_playbook', { name: 'p.yml', timeout: 60 }));
    expect(policy.lock).toBeDefined();
    expect(worstCaseMs(policy)).toBe(DISPATCH_DEFAULTS.lockWaitMs + 60_000);
    expect(worstCaseMs(resolveDispatchPolicy(request('run_playbook', { name: 'p.yml', timeout: 60, lock: false })))).toBe(60_000);
  });
});
