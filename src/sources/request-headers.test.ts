import { describe, expect, it } from 'vitest';
import { eventHeaders, headerValue } from './request-headers.js';

describe('request headers', () => {
  const headers = {
    Host: 'autoheal',
    Authorization: 'Bearer s3cret',
    'proxy-authorization': 'Basic x',
    'X-Gitlab-Token': 'tok',
    'set-cookie': ['a=1', 'b=2'],
    absent: undefined,
  };

  it('looks headers up case-insensitively and joins repeated values', () => {
    expect(headerValue(headers, 'host')).toBe('autoheal');
    expect(headerValue(headers, 'SET-COOKIE')).toBe('a=1, b=2');
    expect(headerValue(headers, 'absent')).toBeUndefined();
    expect(headerValue({}, 'x')).toBeUndefined();
  });

  it('copies headers for events without credentials, keeping capitalisation', () => {
    expect(eventHeaders(headers)).toEqual({ Host: 'autoheal', 'X-Gitlab-Token': 'tok', 'set-cookie': 'a=1, b=2' });
    expect(eventHeaders(headers, ['x-gitlab-token'])).toEqual({ Host: 'autoheal', 'set-cookie': 'a=1, b=2' });
  });
});
