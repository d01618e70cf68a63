/**
 * A real Prometheus Alertmanager (Debian 0.25) sends to a real `autoheal run` on the shared test
 * Redis (issue "Intake", item 5): alerts go into Alertmanager through its v2 API, Alertmanager
 * groups and notifies its webhook receivers, and the rule's `debug` output shows up on autoheal's
 * stdout. A second receiver with a wrong bearer token is refused with 401, seen from both sides:
 * autoheal's own log and Alertmanager's notification failure (log line and metric). Skipped only
 * when the alertmanager binary is not installed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findAlertmanager, startAlertmanager, type AlertmanagerServer } from '../support/alertmanager-server.js';
import { AUTOHEAL_BIN, EngineProcess } from '../support/intake-engine-process.js';

const BINARY = findAlertmanager();
const TITLE =
  BINARY === undefined
    ? 'a real Alertmanager into autoheal run (SKIPPED: prometheus-alertmanager is not installed; apt-get install prometheus-alertmanager)'
    : 'a real Alertmanager into autoheal run';

const TOKEN = `am-e2e-${randomUUID()}`;
const ALERTNAME = 'AutohealE2E';

describe.skipIf(BINARY === undefined)(TITLE, () => {
  let dir: string;
  let engine: EngineProcess;
  let alertmanager: AlertmanagerServer;

  beforeAll(async () => {
    expect(existsSync(AUTOHEAL_BIN), `${AUTOHEAL_BIN} missing: run npm run build`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'autoheal-am-real-'));
    const rulebook = join(dir, 'am.yml');
    writeFileSync(
      rulebook,
      `- name: am-real-${randomUUID()}
  hosts: all
  sources:
    - name: am
      ansible.eda.alertmanager:
        host: 127.0.0.1
        port: 0
        token: ${TOKEN}
  rules:
    - name: firing
      condition: event.alert.labels.alertname == "${ALERTNAME}" and event.alert.status == "firing"
      action:
        debug:
          msg: "firing {{ event.alert.labels.instance }} from {{ event.meta.headers['User-Agent'] }}"
    - name: resolved
      condition: event.alert.labels.alertname == "${ALERTNAME}" and event.alert.status == "resolved"
      action:
        debug:
          msg: "resolved {{ event.alert.labels.instance }}"
`,
    );
    engine = new EngineProcess(rulebook, ['--redis-url', inject('redisUrl')]);
    const port = await engine.listeningPort();
    const url = `http://127.0.0.1:${port}/alertmanager`;
    alertmanager = await startAlertmanager({
      binary: BINARY,
      receivers: [
        { name: 'autoheal', url, bearerToken: TOKEN },
        { name: 'wrong-token', url, bearerToken: 'not-the-token' },
      ],
      routes: [{ receiver: 'wrong-token', matchers: ['team="wrong"'] }],
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await engine?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a firing alert to the rule, whose debug output appears on stdout', async () => {
    const instance = `web01-${randomUUID().slice(0, 8)}`;
    await alertmanager.postAlerts([{ labels: { alertname: ALERTNAME, instance, severity: 'critical' }, annotations: { summary: 'down' } }]);
    const line = await engine.waitForLine('stdout', (l) => l.startsWith(`firing ${instance} `));
    // The request came from Alertmanager itself, not from a test client.
    expect(line).toMatch(new RegExp(`^firing ${instance} from Alertmanager/0\\.\\d+`));
    const accepted = await engine.waitForLog('webhook accepted');
    expect(accepted.endpoint).toBe('alertmanager');
  });

  it('refuses a receiver with a wrong bearer token (401), as both sides record', async () => {
    const instance = `web02-${randomUUID().slice(0, 8)}`;
    const failedBefore = await alertmanager.counter('alertmanager_notifications_failed_total', { integration: 'webhook' });
    await alertmanager.postAlerts([{ labels: { alertname: ALERTNAME, instance, team: 'wrong' } }]);
    // Alertmanager: the wrong-token receiver's notification failed on a 401 (not retried, §1.3).
    const failure = await alertmanager.waitForLog((l) => l.includes('wrong-token/webhook') && l.includes('401'));
    expect(failure).toMatch(/unexpected status code 401/);
    expect(await alertmanager.counter('alertmanager_notifications_failed_total', { integration: 'webhook' })).toBeGreaterThan(failedBefore);
    // autoheal: refused with the stable code, and the alert never reached a rule.
    const refused = await engine.waitForLog('webhook request refused');
    expect({ code: refused.code, status: refused.status }).toEqual({ code: 'AH_WEBHOOK_BAD_TOKEN', status: 401 });
    expect(engine.stdout.some((l) => l.includes(instance))).toBe(false);
    // The token never appears in autoheal's logs.
    expect(engine.stderr.some((l) => l.includes(TOKEN) || l.includes('not-the-token'))).toBe(false);
  });

  it('sends a resolved alert as an event too', async () => {
    const instance = `web03-${randomUUID().slice(0, 8)}`;
    const alert = { labels: { alertname: ALERTNAME, instance } };
    await alertmanager.postAlerts([alert]);
    await engine.waitForLine('stdout', (l) => l.startsWith(`firing ${instance} `));
    await alertmanager.resolveAlerts([alert]);
    await engine.waitForLine('stdout', (l) => l === `resolved ${instance}`);
    // One firing and one resolved evaluation: Alertmanager's resend of the firing alert (if any)
    // is the same dedup key and was not evaluated again.
    expect(engine.stdout.filter((l) => l.startsWith(`firing ${instance} `))).toHaveLength(1);
  });
});
