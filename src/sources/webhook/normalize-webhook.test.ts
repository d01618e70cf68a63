import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import { normalizeWebhook } from './normalize-webhook.js';

const headers = {
  Host: 'autoheal:5000',
  'User-Agent': 'curl/8.5.0',
  'Content-Type': 'application/json',
  Authorization: 'Bearer hunter2',
  'X-Hub-Signature-256': 'sha256=abc',
};

describe('normalizeWebhook', () => {
  it('wraps the body as upstream does, keeping header capitalisation and dropping Authorization', () => {
    const { events } = normalizeWebhook({ endpoint: 'endpoint', headers, body: { message: 'hi' } });
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toEqual({
      payload: { message: 'hi' },
      meta: {
        endpoint: 'endpoint',
        headers: { Host: 'autoheal:5000', 'User-Agent': 'curl/8.5.0', 'Content-Type': 'application/json', 'X-Hub-Signature-256': 'sha256=abc' },
      },
    });
  });

  it('accepts any JSON value as payload', () => {
    expect(normalizeWebhook({ endpoint: '', headers: {}, body: [1, 'a', null] }).events[0]!.event.payload).toEqual([1, 'a', null]);
    expect(normalizeWebhook({ endpoint: '', headers: {}, body: 'text' }).events[0]!.event.payload).toBe('text');
  });

  it('keys by Idempotency-Key, then X-Request-Id, then the SHA-256 of the raw body', () => {
    const body = { message: 'hi' };
    expect(normalizeWebhook({ endpoint: 'e', headers: { 'Idempotency-Key': 'k1', 'X-Request-Id': 'r1' }, body }).events[0]!.dedupKey).toBe(
      'wh:e:idempotency-key:k1',
    );
    expect(normalizeWebhook({ endpoint: 'e', headers: { 'x-request-id': 'r1' }, body }).events[0]!.dedupKey).toBe('wh:e:request-id:r1');
    const raw = '{"message":"hi"}';
    const digest = createHash('sha256').update(raw).digest('hex');
    expect(normalizeWebhook({ endpoint: 'e', headers: {}, body, rawBody: raw }).events[0]!.dedupKey).toBe(`wh:e:sha256:${digest}`);
    // Raw bytes win over the parsed body: a differently formatted body is a different delivery.
    expect(normalizeWebhook({ endpoint: 'e', headers: {}, body, rawBody: '{ "message": "hi" }' }).events[0]!.dedupKey).not.toBe(
      `wh:e:sha256:${digest}`,
    );
  });

  it('gives the same content-hash key to the same body whatever its key order, when no raw bytes are kept', () => {
    const a = normalizeWebhook({ endpoint: 'e', headers: {}, body: { a: 1, b: 2 } }).events[0]!.dedupKey;
    const b = normalizeWebhook({ endpoint: 'e', headers: {}, body: { b: 2, a: 1 } }).events[0]!.dedupKey;
    const c = normalizeWebhook({ endpoint: 'other', headers: {}, body: { b: 2, a: 1 } }).events[0]!.dedupKey;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('refuses a body that is not JSON data', () => {
    let caught: unknown;
    try {
      normalizeWebhook({ endpoint: 'e', headers: {}, body: { when: new Date(0) } });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.WebhookInvalidPayload)).toBe(true);
  });
});
