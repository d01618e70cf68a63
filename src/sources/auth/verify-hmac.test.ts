import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import type { AuthResult } from './auth-result.js';
import { resolveHmacAlgo, verifyHmac } from './verify-hmac.js';

const code = (r: AuthResult) => (r.ok ? 'ok' : r.code);
const message = (r: AuthResult) => (r.ok ? '' : r.message);

describe('verifyHmac', () => {
  const body = '{"message":"hi"}';
  const hex = createHmac('sha256', 'secret').update(body).digest('hex');
  const b64 = createHmac('sha256', 'secret').update(body).digest('base64');

  it('accepts a hex digest with or without the algo= prefix, in either case', () => {
    expect(code(verifyHmac({ rawBody: body, header: hex, secret: 'secret' }))).toBe('ok');
    expect(code(verifyHmac({ rawBody: Buffer.from(body), header: ` sha256=${hex} `, secret: 'secret' }))).toBe('ok');
    expect(code(verifyHmac({ rawBody: body, header: hex.toUpperCase(), secret: 'secret' }))).toBe('ok');
  });

  it('refuses the prefix when not allowed', () => {
    expect(code(verifyHmac({ rawBody: body, header: `sha256=${hex}`, secret: 'secret', prefixAllowed: false }))).toBe(
      ErrorCode.WebhookBadSignature,
    );
  });

  it('accepts base64 and other algorithms, named as in hashlib', () => {
    expect(code(verifyHmac({ rawBody: body, header: b64, secret: 'secret', format: 'base64' }))).toBe('ok');
    const sha512 = createHmac('sha512', 'secret').update(body).digest('hex');
    expect(code(verifyHmac({ rawBody: body, header: `sha512=${sha512}`, secret: 'secret', algo: 'sha512' }))).toBe('ok');
    const sha3 = createHmac('sha3-256', 'secret').update(body).digest('hex');
    expect(code(verifyHmac({ rawBody: body, header: `sha3_256=${sha3}`, secret: 'secret', algo: 'sha3_256' }))).toBe('ok');
  });

  it('refuses a wrong digest, another body or a truncated digest; a missing header is its own code', () => {
    expect(code(verifyHmac({ rawBody: `${body} `, header: hex, secret: 'secret' }))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyHmac({ rawBody: body, header: hex.slice(0, 10), secret: 'secret' }))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyHmac({ rawBody: body, header: hex, secret: 'other' }))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyHmac({ rawBody: body, header: b64, secret: 'secret' }))).toBe(ErrorCode.WebhookBadSignature);
    expect(code(verifyHmac({ rawBody: body, header: undefined, secret: 'secret' }))).toBe(ErrorCode.WebhookMissingSignature);
    expect(message(verifyHmac({ rawBody: body, header: 'deadbeef', secret: 'secret' }))).not.toMatch(/deadbeef|secret/);
  });

  it('treats an unknown algorithm as a configuration error', () => {
    expect(() => resolveHmacAlgo('rot13')).toThrow(/unsupported HMAC algorithm/);
    let caught: unknown;
    try {
      verifyHmac({ rawBody: body, header: hex, secret: 's', algo: 'nope' });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.SourceConfigInvalid)).toBe(true);
  });
});
