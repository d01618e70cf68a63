import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../core/index.js';
import { InvalidPayloadError, jsonTypeName } from './invalid-payload-error.js';

describe('InvalidPayloadError', () => {
  it('lists every problem in its message and details, with a stable code', () => {
    const err = new InvalidPayloadError('body', [
      { path: '$.a', message: 'expected a string, got number' },
      { path: '$.b', message: 'expected an object, got null' },
    ]);
    expect(err.message).toBe('body is invalid: $.a: expected a string, got number; $.b: expected an object, got null');
    expect(hasErrorCode(err, ErrorCode.WebhookInvalidPayload)).toBe(true);
    expect(err.details).toEqual({ problems: err.problems });
    expect(new InvalidPayloadError('x', [], ErrorCode.IcingaEventInvalid).code).toBe('AH_ICINGA_EVENT_INVALID');
  });

  it('names JSON types', () => {
    expect([null, [], {}, 'x', 1, undefined, true].map(jsonTypeName)).toEqual(['null', 'array', 'object', 'string', 'number', 'nothing', 'boolean']);
  });
});
