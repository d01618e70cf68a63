import { describe, expect, it } from 'vitest';
import { OutcomeStatus } from '../actions/action-handler.js';
import { ActionStatus, boundSummary, eventHost, finishedAttempt, newActionFromRequest, REDACTED, redactDetails, summarizeEvent, tailBytes } from './outcome-records.js';

describe('summarizeEvent', () => {
  it('keeps the source, a few identifying fields and the size, never the payload', () => {
    const event = {
      alert: { status: 'firing', fingerprint: 'abc123', labels: { alertname: 'DiskFull', instance: 'web01:9100', severity: 'critical' }, annotations: { description: 'x'.repeat(5_000) } },
      meta: { hosts: ['web01'], uuid: 'u1' },
    };
    const summary = summarizeEvent('alerts', event);
    expect(summary).toEqual({
      source: 'alerts',
      fields: {
        'alert.labels.alertname': 'DiskFull',
        'alert.fingerprint': 'abc123',
        'alert.status': 'firing',
        'alert.labels.instance': 'web01:9100',
        'alert.labels.severity': 'critical',
      },
      sizeBytes: Buffer.byteLength(JSON.stringify(event)),
    });
    expect(JSON.stringify(summary).length).toBeLessThan(400);
  });

  it('sizes events holding big integers and cuts long field values', () => {
    const summary = summarizeEvent('s', { host: 'h'.repeat(300), n: 2n ** 70n });
    expect(summary.fields.host).toBe(`${'h'.repeat(120)}…`);
    expect(summary.sizeBytes).toBeGreaterThan(300);
  });
});

describe('eventHost', () => {
  it('takes the first of meta.hosts', () => {
    expect(eventHost({ meta: { hosts: ['db01', 'db02'] } })).toBe('db01');
    expect(eventHost({ meta: { hosts: 'web01' } })).toBe('web01');
    expect(eventHost({ meta: {} })).toBeUndefined();
  });
});

describe('redactDetails', () => {
  it('replaces the value of secret-looking keys at any depth, whatever its type', () => {
    expect(
      redactDetails({
        job: 17,
        Authorization: 'Bearer abc',
        list: [{ api_key: 'k', name: 'ok' }],
        creds: { password: { nested: 'p' }, private_key: 'pk', user: 'bob' },
        client_secret: 1,
        session_cookie: 'c',
      }),
    ).toEqual({
      job: 17,
      Authorization: REDACTED,
      list: [{ api_key: REDACTED, name: 'ok' }],
      creds: { password: REDACTED, private_key: REDACTED, user: 'bob' },
      client_secret: REDACTED,
      session_cookie: REDACTED,
    });
  });
});

describe('tailBytes and boundSummary', () => {
  it('keeps the end of the output without splitting a character', () => {
    expect(tailBytes('short', 10)).toBe('short');
    const text = `${'é'.repeat(100)}end`;
    const tail = tailBytes(text, 10);
    expect(tail.endsWith('end')).toBe(true);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(10);
    expect(tail).not.toContain('\uFFFD');
  });

  it('makes one bounded line of a summary', () => {
    expect(boundSummary('a\n  b')).toBe('a b');
    expect(boundSummary('y'.repeat(600))).toHaveLength(500);
  });
});

describe('finishedAttempt', () => {
  it('computes the duration and keeps only the bounded, redacted facts', () => {
    const started = { attempt: 2, startedAt: 1_000, status: ActionStatus.Running, summary: '' };
    expect(finishedAttempt(started, { status: OutcomeStatus.Failed, summary: 'HTTP 503', httpStatus: 503, retryable: true, retryAfterMs: 5, details: { token: 't' } }, 1_750)).toEqual({
      attempt: 2,
      startedAt: 1_000,
      finishedAt: 1_750,
      durationMs: 750,
      status: 'failed',
      summary: 'HTTP 503',
      httpStatus: 503,
      details: { token: REDACTED },
    });
  });
});

describe('newActionFromRequest', () => {
  const request = { dispatchKey: 'k1', ruleset: 'rs', rule: 'r', action: 'run_playbook', args: {}, bindings: {}, eventIds: ['e1'] };

  it('uses the dispatch key as action id and sets host only for a single host', () => {
    expect(newActionFromRequest({ ...request, hosts: ['web01'] }, 'd1')).toEqual({ actionId: 'k1', decisionId: 'd1', ruleset: 'rs', rule: 'r', action: 'run_playbook', host: 'web01' });
    expect(newActionFromRequest({ ...request, hosts: ['a', 'b'] }, 'd1')).not.toHaveProperty('host');
    expect(newActionFromRequest(request, 'd1')).not.toHaveProperty('host');
  });
});
