import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../core/index.js';
import { InvalidPayloadError } from '../sources/index.js';
import { errorBody, mapHttpError } from './error-handler.js';

const options = { retryAfterSeconds: 7 };
const fastifyError = (code: string, statusCode: number): Error => Object.assign(new Error(`fastify says ${code}`), { code, statusCode });

describe('mapHttpError', () => {
  it.each([
    [ErrorCode.WebhookMissingSignature, 400],
    [ErrorCode.WebhookMissingCredentials, 401],
    [ErrorCode.WebhookBadToken, 401],
    [ErrorCode.WebhookBadSignature, 401],
    [ErrorCode.WebhookStaleSignature, 401],
    [ErrorCode.HttpNotFound, 404],
    [ErrorCode.FilterFailed, 422],
    [ErrorCode.QueueUnavailable, 503],
    [ErrorCode.HttpClosing, 503],
  ])('maps %s to %i with its own message', (code, status) => {
    const mapped = mapHttpError(new AutohealError(code, 'why it failed'), options);
    expect(mapped).toMatchObject({ status, code, message: 'why it failed' });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, ErrorCode.WebhookUnsupportedMediaType, 415],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, ErrorCode.WebhookBodyTooLarge, 413],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, ErrorCode.WebhookEmptyBody, 400],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, ErrorCode.WebhookMalformedJson, 400],
    ['FST_ERR_HANDLER_TIMEOUT', 503, ErrorCode.HttpHandlerTimeout, 503],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, ErrorCode.HttpBadRequest, 400],
    ['FST_ERR_BAD_URL', 400, ErrorCode.HttpBadRequest, 400],
  ])('maps Fastify %s to a stable code and a constant message', (fst, given, code, status) => {
    const mapped = mapHttpError(fastifyError(fst, given), options);
    expect(mapped).toMatchObject({ status, code });
    expect(mapped.message).not.toContain('fastify says');
  });

  it('adds Retry-After to every 503 and Connection: close while closing', () => {
    expect(mapHttpError(new AutohealError(ErrorCode.QueueUnavailable, 'down'), options).headers).toEqual({ 'retry-after': '7' });
    expect(mapHttpError(new AutohealError(ErrorCode.HttpClosing, 'bye'), options).headers).toEqual({ 'retry-after': '7', connection: 'close' });
    expect(mapHttpError(fastifyError('FST_ERR_HANDLER_TIMEOUT', 503), options).headers).toEqual({ 'retry-after': '7' });
  });

  it('puts Allow on a 405', () => {
    const mapped = mapHttpError(new AutohealError(ErrorCode.HttpMethodNotAllowed, 'use POST', { details: { allow: 'POST' } }), options);
    expect(mapped).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });

  it('lists at most 20 payload problems in a 422', () => {
    const problems = Array.from({ length: 30 }, (_, i) => ({ path: `$.alerts[${i}]`, message: 'expected an object, got string' }));
    const mapped = mapHttpError(new InvalidPayloadError('Alertmanager webhook body', problems), options);
    expect(mapped.status).toBe(422);
    expect(mapped.problems).toHaveLength(20);
    expect(mapped.message.length).toBeLessThanOrEqual(1001);
    expect(errorBody(mapped).error.problems).toHaveLength(20);
  });

  it('hides anything unexpected behind a constant 500', () => {
    for (const err of [new Error('redis://:hunter2@db failed'), 'a string', new AutohealError(ErrorCode.SourceConfigInvalid, 'token "x" bad'), fastifyError('FST_ERR_FOO', 500)]) {
      expect(mapHttpError(err, options)).toEqual({ status: 500, code: ErrorCode.HttpInternal, message: 'internal error', headers: {} });
    }
  });
});
