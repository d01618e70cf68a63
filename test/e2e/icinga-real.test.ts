/**
 * A passive check result in a real Icinga 2 reaches a rule of `autoheal run` (issue "Intake",
 * item 4): the engine's autoheal.icinga source streams /v1/events from a throwaway icinga2, the
 * rule fires on the HARD CRITICAL state change, and its debug output appears.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';
import { findIcinga2, startIcinga2, type Icinga2Server } from '../support/icinga2-server.js';

const BINARY = findIcinga2();


describe.skipIf(BINARY === undefined)(`autoheal run with a real icinga2${BINARY === undefined ? ' (SKIPPED: no icinga2 binary)' : ''}`, () => {
  let server: Icinga2Server;
  let dir: string;
  beforeAll(async () => {
    server = await startIcinga2({ services: ['rsyslog'] });
    dir = mkdtempSync(join(tmpdir(), 'autoheal-icinga-e2e-'));
  }, 40_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('fires a rule on a passive CRITICAL check result', async () => {
    const rulebook = join(dir, 'icinga.yml');
    writeFileSync(
      rulebook,
      `- name: icinga
  hosts: all
  sources:
    - name: icinga
      autoheal.icinga:
        url: ${server.url}
        user: ${server.user}
        password_env: ICINGA_PASSWORD
        ca_file: ${server.caFile}
        tls_server_name: localhost
        types: [StateChange]
  rules:
    - name: rsyslog critical
      condition: event.icinga.service == "rsyslog" and event.icinga.state_text == "CRITICAL" and event.icinga.state_type == "HARD"
      action:
        debug:
          msg: "{{ event.icinga.service }} on {{ event.icinga.host }}: {{ event.icinga.output }}"
`,
    );
    const run = await startInProcessEngine(rulebook, {}, { ICINGA_PASSWORD: server.password }, 'info');
    // Once the stream is subscribed (and the first reconcile done), make rsyslog fail.
    await until('the event stream', () => (run.logs().includes('icinga reconcile done') ? true : undefined));
    await server.processCheckResult('rsyslog', 2, 'PROCS CRITICAL: 0 processes with command name rsyslogd');
    // Icinga 2.13 delivers stream events up to ~5 s late.
    await until('the rule output', () => (run.stdout().includes('rsyslog on web01: PROCS CRITICAL') ? true : undefined), 20_000);
    expect(await run.stop()).toBe(0);
  }, 60_000);
});
