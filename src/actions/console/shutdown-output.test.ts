import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { formatFixed3, shutdownOutput } from './shutdown-output.js';

const AT = Date.UTC(2026, 6, 23, 10, 11, 12);
const OPTS = { clock: new ManualClock(AT), utcOffsetMinutes: 120 };

describe('shutdownOutput', () => {
  it('prints the ruleset banner upstream e2e tests grep', () => {
    const text = shutdownOutput(
      { ruleset: 'Test actions sanity', rule: 'Test multiple actions in sequential order', kind: 'graceful', delay: 0, message: 'Sequential action #2: shutdown' },
      OPTS,
    );
    expect(text).toBe(
      '\n** 2026-07-23 12:11:12 [ruleset] ***********************************************\n' +
        'Test actions sanity rule: Test multiple actions in sequential order has initiated shutdown of type: graceful. ' +
        'Delay: 0.000 seconds, Message: Sequential action #2: shutdown\n' +
        '*'.repeat(80) +
        '\n',
    );
  });

  it('uses upstream defaults and Python str() for non-string values', () => {
    const text = shutdownOutput({ ruleset: 'rs', rule: 'r' }, OPTS);
    expect(text.split('\n')[2]).toBe('rs rule: r has initiated shutdown of type: graceful. Delay: 60.000 seconds, Message: Default shutdown message');
    const odd = shutdownOutput({ ruleset: 'rs', rule: 'r', kind: 'now', delay: 2.5, message: { a: true } }, OPTS);
    expect(odd.split('\n')[2]).toBe("rs rule: r has initiated shutdown of type: now. Delay: 2.500 seconds, Message: {'a': True}");
  });
});

describe('formatFixed3', () => {
  it.each([
    [0, '0.000'],
    [60, '60.000'],
    [0.0625, '0.062'],
    [0.1875, '0.188'],
    [-0.0625, '-0.062'],
    [1e-4, '0.000'],
    [-0, '-0.000'],
    [1.2345, '1.234'],
    [0.0005, '0.001'],
    [0.0015, '0.002'],
    [0.0025, '0.003'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
    [12n, '12.000'],
  ])('%s → %s as Python f"{x:.3f}"', (x, expected) => {
    expect(formatFixed3(x)).toBe(expected);
  });
});
