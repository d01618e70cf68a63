/**
 * The Icinga 2 write-back actions against a real `icinga2` daemon (Debian package `icinga2`):
 * one throwaway instance for the file, problems created with real passive check results, and
 * every effect read back through `/v1/objects`.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, systemClock } from '../../src/core/index.js';
import { OutcomeStatus, type ActionContext, type ActionHandler, type ActionLogger } from '../../src/actions/action-handler.js';
import {
  IcingaActionName,
  createIcingaActionHandlers,
  resolveIcingaActionsConfig,
  type IcingaActionsConfig,
} from '../../src/actions/icinga/index.js';
import { findIcinga2, startIcinga2, type Icinga2Server } from '../support/icinga2-server.js';

const BINARY = findIcinga2();
const SERVICES = ['ack', 'downtime', 'comment', 'healthy', 'retry'] as const;

interface LogLine {
  readonly level: string;
  readonly fields: object;
  readonly message: string;
}

function recordingLogger(lines: LogLine[]): ActionLogger {
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, fields, message });
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** A context as the dispatcher builds it, for an action matched on a service event of web01. */
function contextFor(action: string, args: Record<string, unknown>, service: string | undefined, logs: LogLine[], attempt = 1): ActionContext {
  return {
    request: {
      dispatchKey: `it:${action}:${service ?? 'host'}:${attempt}`,
      ruleset: 'icinga-actions-it',
      rule: 'remediate',
      action,
      args,
      bindings: { m: { icinga: { type: 'StateChange', host: 'web01', ...(service === undefined ? {} : { service }) }, meta: { hosts: ['web01'] } } },
      eventIds: ['e1'],
    },
    attempt,
    signal: new AbortController().signal,
    clock: systemClock,
    logger: recordingLogger(logs),
  };
}

function attrsOf(body: unknown): Record<string, unknown> {
  const results = (body as { results?: { attrs?: Record<string, unknown> }[] }).results;
  const attrs = results?.[0]?.attrs;
  if (attrs === undefined) throw new Error(`no object in ${JSON.stringify(body)}`);
  return attrs;
}

describe.skipIf(BINARY === undefined)(
  `Icinga 2 write-back actions against a real icinga2${BINARY === undefined ? ' (SKIPPED: no icinga2 binary; apt-get install icinga2)' : ''}`,
  () => {
    let server: Icinga2Server;
    let config: IcingaActionsConfig;
    let handlers: ReadonlyMap<string, ActionHandler>;
    const logs: LogLine[] = [];

    const run = (action: IcingaActionName, args: Record<string, unknown>, service: string | undefined, attempt = 1) =>
      handlers.get(action)!.run(contextFor(action, args, service, logs, attempt));

    const serviceAttrs = async (service: string): Promise<Record<string, unknown>> => {
      const r = await server.api('GET', `/v1/objects/services/${encodeURIComponent(`web01!${service}`)}?attrs=acknowledgement&attrs=downtime_depth&attrs=state`);
      expect(r.status).toBe(200);
      return attrsOf(r.body);
    };
    const objectsOf = async (type: 'downtimes' | 'comments', service: string): Promise<Record<string, unknown>[]> => {
      const filter = encodeURIComponent(`${type === 'downtimes' ? 'downtime' : 'comment'}.service_name=="${service}"`);
      const r = await server.api('GET', `/v1/objects/${type}?filter=${filter}`);
      expect(r.status).toBe(200);
      return ((r.body as { results: { attrs: Record<string, unknown> }[] }).results ?? []).map((o) => o.attrs);
    };

    beforeAll(async () => {
      server = await startIcinga2({ services: SERVICES });
      config = await resolveIcingaActionsConfig(
        { url: server.url, user: server.user, password_env: 'TEST_ICINGA_PASSWORD', ca_file: server.caFile, tls_server_name: 'localhost', request_timeout: 10 },
        { env: { TEST_ICINGA_PASSWORD: server.password }, readFile: (p) => readFile(p, 'utf8') },
      );
      handlers = new Map(createIcingaActionHandlers(config).map((h) => [h.name, h]));
    }, 30_000);

    afterAll(async () => {
      await server?.stop();
    }, 30_000);

    it('acknowledges a CRITICAL service from the matched event, succeeds again on the 409 "already acknowledged", and removes the acknowledgement', async () => {
      await server.processCheckResult('ack', 2, 'CRITICAL: down');
      expect(await serviceAttrs('ack')).toMatchObject({ state: 2, acknowledgement: 0 });

      const first = await run(IcingaActionName.Acknowledge, { comment: 'autoheal restarts it', sticky: true }, 'ack');
      expect(first).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, summary: 'acknowledged the problem of service web01!ack' });
      expect(first.details).toMatchObject({ objects: ['web01!ack'], target: { type: 'Service', host: 'web01', service: 'ack' } });
      // 2 = sticky acknowledgement.
      expect((await serviceAttrs('ack')).acknowledgement).toBe(2);

      const again = await run(IcingaActionName.Acknowledge, { comment: 'autoheal restarts it' }, 'ack');
      expect(again).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 409, summary: 'service web01!ack is already acknowledged' });
      expect(again.details).toMatchObject({ alreadyAcknowledged: true });

      const removed = await run(IcingaActionName.RemoveAcknowledgement, {}, 'ack');
      expect(removed).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200 });
      expect((await serviceAttrs('ack')).acknowledgement).toBe(0);
    });

    it('refuses to acknowledge a service that is OK, without retrying', async () => {
      await server.processCheckResult('healthy', 0, 'OK');
      const result = await run(IcingaActionName.Acknowledge, { comment: 'nothing to do' }, 'healthy');
      expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 409 });
      expect(result.summary).toBe('Icinga refused to acknowledge the problem of service web01!healthy (409): Service web01!healthy is OK.');
    });

    it('schedules a fixed downtime that Icinga then lists, with its name in the result', async () => {
      const result = await run(IcingaActionName.Downtime, { comment: 'maintenance by autoheal', duration: 600 }, 'downtime');
      expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, summary: 'scheduled a downtime for service web01!downtime' });
      const created = (result.details as { created: { name: string }[] }).created;
      expect(created).toHaveLength(1);
      const downtimes = await objectsOf('downtimes', 'downtime');
      expect(downtimes).toHaveLength(1);
      expect(downtimes[0]).toMatchObject({ host_name: 'web01', author: 'autoheal', comment: 'maintenance by autoheal', fixed: true });
      expect(`web01!downtime!${String(downtimes[0]!.name)}`).toBe(created[0]!.name);
      expect((downtimes[0]!.end_time as number) - (downtimes[0]!.start_time as number)).toBe(600);
    });

    it('on a retry finds the downtime a lost attempt scheduled instead of scheduling a second one', async () => {
      const args = { comment: 'retry me', duration: 300, author: 'autoheal-it' };
      expect((await run(IcingaActionName.Downtime, args, 'retry', 1)).status).toBe(OutcomeStatus.Succeeded);
      const retry = await run(IcingaActionName.Downtime, args, 'retry', 2);
      expect(retry).toMatchObject({ status: OutcomeStatus.Succeeded, summary: 'a downtime for service web01!retry with this comment is already scheduled' });
      expect(await objectsOf('downtimes', 'retry')).toHaveLength(1);
    });

    it('adds a comment with the given author', async () => {
      const result = await run(IcingaActionName.Comment, { comment: 'playbook restart-web ran', author: 'bot' }, 'comment');
      expect(result).toMatchObject({ status: OutcomeStatus.Succeeded, httpStatus: 200, summary: 'added a comment to service web01!comment' });
      const comments = await objectsOf('comments', 'comment');
      expect(comments.map((c) => [c.author, c.text])).toEqual([['bot', 'playbook restart-web ran']]);
    });

    it('fails without retry, with a clear message, for a host that does not exist', async () => {
      const result = await run(IcingaActionName.Acknowledge, { host: 'no-such-host', comment: 'x' }, 'ack');
      expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false });
      expect(result.summary).toBe('cannot acknowledge the problem of host no-such-host: no such Icinga object (or ApiUser "autoheal" may not see it)');
      expect(result.details).toMatchObject({ code: ErrorCode.IcingaNoObjectsMatched });
    });

    it('fails without retry on a wrong password, and never logs the password', async () => {
      const wrong = await resolveIcingaActionsConfig(
        { url: server.url, user: server.user, password: 'not-the-password', ca_file: server.caFile, tls_server_name: 'localhost' },
        { env: {}, readFile: (p) => readFile(p, 'utf8') },
      );
      const handler = createIcingaActionHandlers(wrong).find((h) => h.name === IcingaActionName.Comment)!;
      const result = await handler.run(contextFor(IcingaActionName.Comment, { comment: 'x' }, 'comment', logs));
      expect(result).toMatchObject({ status: OutcomeStatus.Failed, retryable: false, httpStatus: 401 });
      expect(result.summary).toBe('Icinga rejected the credentials of ApiUser "autoheal" (401 Unauthorized)');
      expect(JSON.stringify(logs)).not.toContain(server.password);
      expect(JSON.stringify(logs)).not.toContain('not-the-password');
    });
  },
);
