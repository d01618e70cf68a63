import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, RulebookError, formatProblem, hasErrorCode } from './errors.js';

describe('errors', () => {
  it('formats a rulebook problem as file:line:col', () => {
    expect(formatProblem({ file: 'r.yml', line: 3, col: 7, message: 'bad' })).toBe('r.yml:3:7: bad');
  });

  it('lists every problem in the message of a RulebookError', () => {
    const err = new RulebookError([
      { file: 'a.yml', line: 1, col: 1, message: 'one' },
      { file: 'a.yml', line: 2, col: 5, message: 'two' },
    ]);
    expect(err.message).toBe('a.yml:1:1: one\na.yml:2:5: two');
    expect(err.code).toBe(ErrorCode.RulebookInvalid);
  });

  it('matches errors on their code, not their class', () => {
    const err = new AutohealError(ErrorCode.Usage, 'x');
    expect(hasErrorCode(err, ErrorCode.Usage)).toBe(true);
    expect(hasErrorCode({ code: 'AH_USAGE' }, ErrorCode.Usage)).toBe(true);
    expect(hasErrorCode(new Error('x'), ErrorCode.Usage)).toBe(false);
  });
});
