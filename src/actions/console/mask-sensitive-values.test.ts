import { describe, expect, it } from 'vitest';
import { maskSensitiveValues } from './mask-sensitive-values.js';

describe('maskSensitiveValues', () => {
  it('masks string values of sensitive keys, case-insensitively, through dicts and lists', () => {
    const input = {
      TOWER_OAUTH_TOKEN: 'abc',
      db: { Password: 'x', user: 'u', ssh_keys: ['k1'], nested: [{ passphrase: 'p', ok: 'ok' }] },
      client_secret: 's',
      api_key: 42,
      plain: 'visible',
    };
    expect(maskSensitiveValues(input)).toEqual({
      TOWER_OAUTH_TOKEN: '******',
      db: { Password: '******', user: 'u', ssh_keys: ['k1'], nested: [{ passphrase: '******', ok: 'ok' }] },
      client_secret: '******',
      api_key: 42,
      plain: 'visible',
    });
  });

  it('leaves the input untouched and scalars as they are', () => {
    const input = { password: 'x' };
    maskSensitiveValues(input);
    expect(input.password).toBe('x');
    expect(maskSensitiveValues('password')).toBe('password');
  });
});
