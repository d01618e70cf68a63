import { describe, expect, it } from 'vitest';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_DRAIN_TIMEOUT_MS, resolveEngineOptions } from './engine-options.js';

describe('resolveEngineOptions', () => {
  it('defaults everything but the rulebook, and treats an empty Redis URL as none', () => {
    expect(resolveEngineOptions({ rulebook: 'rb.yml', redisUrl: '', envVars: ['A,B', ' C '] }, '/work')).toEqual({
      rulebook: 'rb.yml',
      varsFiles: [],
      envVars: ['A', 'B', 'C'],
      inventory: undefined,
      redisUrl: undefined,
      verbosity: 0,
      projectDir: '/work',
      drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
      closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
    });
  });

  it('names every problem at once and never echoes the Redis URL', () => {
    let message = '';
    try {
      resolveEngineOptions({ rulebook: ' ', redisUrl: 'http://user:hunter2@host', closeTimeoutMs: 0 });
    } catch (err) {
      message = (err as Error).message;
      expect((err as { code: string }).code).toBe('AH_USAGE');
    }
    expect(message).toContain('a rulebook file is required');
    expect(message).toContain('redis:// or rediss://');
    expect(message).toContain('closeTimeoutMs');
    expect(message).not.toContain('hunter2');
  });
});
