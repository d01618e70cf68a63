import { describe, expect, it } from 'vitest';
import { rulesetQueueName } from './ruleset-queue-name.js';

describe('rulesetQueueName', () => {
  it('keeps a readable slug and never a colon', () => {
    const name = rulesetQueueName('Web servers: prod');
    expect(name).toMatch(/^rs-Web-servers-prod-[0-9a-f]{12}$/);
  });

  it('gives distinct names to names that slug alike, and stable names to the same name', () => {
    const names = ['a:b', 'a b', 'a/b', 'a-b', 'ä b', 'ａ b'].map(rulesetQueueName);
    expect(new Set(names).size).toBe(names.length);
    expect(rulesetQueueName('a:b')).toBe(names[0]);
  });

  it('handles names with no ASCII and very long names', () => {
    expect(rulesetQueueName('監視')).toMatch(/^rs-[0-9a-f]{12}$/);
    const long = rulesetQueueName('x'.repeat(500));
    expect(long.length).toBeLessThanOrEqual(3 + 40 + 1 + 12);
    for (const n of [rulesetQueueName('監視'), long, rulesetQueueName(' :: ')]) expect(n).not.toContain(':');
  });
});
