import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode, ManualClock } from '../../core/index.js';
import { OutcomeStatus, type ActionContext, type ActionResult } from '../action-handler.js';
import { Secret } from '../../sources/icinga/index.js';
import { createIcingaActionHandlers } from './icinga-action-handlers.js';
import type { IcingaActionsConfig } from './icinga-actions-config.js';
import type { IcingaTransport, IcingaTransportRequest, IcingaTransportResponse } from './icinga-transport.js';
import { IcingaActionName } from './plan-icinga-action.js';

const NOW_MS = 1_700_000_000_000;
const config: IcingaActionsConfig = {
  url: 'https://icinga:5665',
  user: 'autoheal',
  password: new Secret('pw'),
  passwordLiteral: false,
  ca: undefined,
  tlsServerName: undefined,
  requestTimeoutMs: 1000,
};

/** A fake Icinga: answers each request with the next scripted response (or throws it). */
function fakeTransport(answers: (IcingaTransportResponse | Error)[]): { transport: IcingaTransport; requests: IcingaTransportRequest[] } {
  const requests: IcingaTransportRequest[] = [];
  const transport: IcingaTransport = async (request) => {
    requests.push(request);
    const next = answers.shift();
    if (next === undefined) throw new Error('unexpected request');
    if (next instanceof Error) throw next;
    return next;
  };
  return { transport, requests };
}

const json = (status: number, body: unknown, retryAfter?: string): IcingaTransportResponse => ({
  status,
  body: JSON.stringify(body),
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

function context(action: string, args: Record<string, unknown>, attempt = 1, signal = new AbortController().signal): ActionContext {
  const noop = (): void => undefined;
  return {
    request: {
      dispatchKey: 'k',
      ruleset: 'rs',
      rule: 'r',
      action,
      args,
      bindings: { m: { icinga: { host: 'web01', service: 'http' } } },
      eventIds: ['e'],
    },
    attempt,
    signal,
    clock: new ManualClock(NOW_MS),
    logger: { info: noop, warn: noop, error: noop, debug: noop },
  };
}

async function run(action: IcingaActionName, args: Record<string, unknown>, answers: (IcingaTransportResponse | Error)[], attempt = 1) {
  const fake = fakeTransport(answers);
  const handler = createIcingaActionHandlers(config, { transport: fake.transport }).find((h) => h.name === action)!;
  const result: ActionResult = await handler.run(context(action, args, attempt));
  return { result, requests: fake.requests };
}

const ACKED = { code: 200, status: "Successfully acknowledged problem for object 'web01!http'." };

describe('Icinga action handlers', () => {
  it('registers the four actions, repeatable only where Icinga is idempotent', () => {
    const handlers = createIcingaActionHandlers(config, { transport: fakeTransport([]).transport });
    expect(handlers.map((h) => [h.name, h.safeToRepeat])).toEqual([
      ['icinga_acknowledge', true],
      ['icinga_remove_acknowledgement', true],
      ['icinga_downtime', false],
      ['icinga_comment', false],
    ]);
  });

  it('posts the planned body and reports the affected object', async () => {
    const { result, requests } = await run(IcingaActionName.Acknowledge, { comment: 'c' }, [json(200, { results: [ACKED] })]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/v1/actions/acknowledge-problem', body: { type: 'Service', comment: 'c' } });
    expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, summary: 'acknowledged the problem of service web01!http' });
    expect(result.details).toMatchObject({ objects: ['web01!http'] });
  });

  it('counts 409 "already acknowledged" as success, but not other 409s', async () => {
    const already = await run(IcingaActionName.Acknowledge, { comment: 'c' }, [
      json(409, { results: [{ code: 409, status: 'Service web01!http is already acknowledged.' }] }),
    ]);
    expect(already.result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 409, summary: 'service web01!http is already acknowledged' });
    const ok = await run(IcingaActionName.Acknowledge, { comment: 'c' }, [json(409, { results: [{ code: 409, status: 'Service web01!http is OK.' }] })]);
    expect(ok.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false });
    expect(ok.result.details).toMatchObject({ code: ErrorCode.IcingaRequestRejected });
  });

  it('reports created comment and downtime names', async () => {
    const name = 'web01!http!0a1b';
    const { result } = await run(IcingaActionName.Comment, { comment: 'c' }, [
      json(200, { results: [{ code: 200, legacy_id: 3, name, status: `Successfully added comment '${name}' for object 'web01!http'.` }] }),
    ]);
    expect(result.details).toMatchObject({ objects: ['web01!http'], created: [{ name, legacy_id: 3 }] });
  });

  it('fails without retry when nothing matches: 2.13 500 with no results, ≥2.15 404', async () => {
    const empty = await run(IcingaActionName.Comment, { comment: 'c', host: 'gone' }, [json(500, { results: [] })]);
    expect(empty.result).toMatchObject({
      status: OutcomeStatus.Failed,
      retryable: false,
      summary: 'cannot add a comment to host gone: no such Icinga object (or ApiUser "autoheal" may not see it)',
    });
    const notFound = await run(IcingaActionName.Comment, { comment: 'c' }, [json(404, { error: 404, status: 'No objects found.' })]);
    expect(notFound.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false });
    expect(notFound.result.summary).toBe(
      'cannot add a comment to service web01!http: no such Icinga object (or ApiUser "autoheal" lacks the actions/add-comment permission)',
    );
    expect(notFound.result.details).toMatchObject({ code: ErrorCode.IcingaNoObjectsMatched });
  });

  it('fails without retry on 401 and 400, with retry on 5xx, 429 and network errors', async () => {
    const unauthorized = await run(IcingaActionName.Comment, { comment: 'c' }, [json(401, { error: 401, status: 'Unauthorized. Please check your user credentials.' })]);
    expect(unauthorized.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 401 });
    const bad = await run(IcingaActionName.Comment, { comment: 'c' }, [json(400, { error: 400, status: 'Invalid request body' })]);
    expect(bad.result).toMatchObject({ retryable: false, summary: 'Icinga refused to add a comment to service web01!http (400): Invalid request body' });
    const unavailable = await run(IcingaActionName.Comment, { comment: 'c' }, [json(503, { error: 503, status: 'busy' }, '7')]);
    expect(unavailable.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, retryAfterMs: 7000, httpStatus: 503 });
    const entryError = await run(IcingaActionName.Comment, { comment: 'c' }, [json(500, { results: [{ code: 500, status: 'internal' }] })]);
    expect(entryError.result).toMatchObject({ retryable: true });
    const network = await run(IcingaActionName.Comment, { comment: 'c' }, [
      new AutohealError(ErrorCode.IcingaUnavailable, 'cannot reach Icinga: ECONNREFUSED', { retryable: true }),
    ]);
    expect(network.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, summary: 'cannot reach Icinga: ECONNREFUSED' });
    const garbled = await run(IcingaActionName.Comment, { comment: 'c' }, [{ status: 200, body: '<html>' }]);
    expect(garbled.result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true });
  });

  it('fails without a request when the arguments are unusable', async () => {
    const { result, requests } = await run(IcingaActionName.Downtime, { comment: 'c' }, []);
    expect(requests).toEqual([]);
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, details: { code: ErrorCode.IcingaActionArgsInvalid } });
  });

  it('reports an aborted attempt as retryable', async () => {
    const controller = new AbortController();
    const transport: IcingaTransport = async () => {
      controller.abort();
      throw new DOMException('aborted', 'AbortError');
    };
    const handler = createIcingaActionHandlers(config, { transport }).find((h) => h.name === IcingaActionName.Acknowledge)!;
    const result = await handler.run(context(IcingaActionName.Acknowledge, { comment: 'c' }, 1, controller.signal));
    expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: true, summary: 'icinga_acknowledge for service web01!http aborted before Icinga answered' });
  });

  it('on a downtime retry looks for the downtime first and schedules only when there is none', async () => {
    const found = await run(IcingaActionName.Downtime, { comment: 'c', duration: 60 }, [json(200, { results: [{ name: 'web01!http!dt1', attrs: {} }] })], 2);
    expect(found.requests).toHaveLength(1);
    expect(found.requests[0]).toMatchObject({ path: '/v1/objects/downtimes', headers: { 'X-HTTP-Method-Override': 'GET' } });
    expect(found.requests[0]!.body).toMatchObject({ filter_vars: { h: 'web01', s: 'http', a: 'autoheal', c: 'c' } });
    expect(found.result).toMatchObject({ status: OutcomeStatus.Succeeded, details: { existing: ['web01!http!dt1'] } });

    const none = await run(IcingaActionName.Downtime, { comment: 'c', duration: 60 }, [json(200, { results: [] }), json(200, { results: [{ code: 200, status: 'ok' }] })], 2);
    expect(none.requests.map((r) => r.path)).toEqual(['/v1/objects/downtimes', '/v1/actions/schedule-downtime']);
    expect(none.result.status).toBe(OutcomeStatus.Succeeded);

    const first = await run(IcingaActionName.Downtime, { comment: 'c', duration: 60 }, [json(200, { results: [{ code: 200, status: 'ok' }] })], 1);
    expect(first.requests.map((r) => r.path)).toEqual(['/v1/actions/schedule-downtime']);
  });
});
