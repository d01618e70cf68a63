/**
 * The shutdown action under `autoheal run`, with upstream's semantics:
 * - examples 66/67: `kind: now` from one ruleset stops the engine with exit 0 and upstream's
 *   banner, cancelling a remediation another ruleset is running; `graceful` lets it finish
 *   within `delay`;
 * - a rule's actions run in order, so a shutdown listed after a playbook takes effect once the
 *   playbook has ended; a second stop (SIGTERM) cuts that wait short.
 * Proven by what is left, not by the clock: the playbook's recorded outcome, and whether any
 * process of its process group is left (each test's own timeout is below the long sleeps).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { startInProcessEngine } from '../support/in-process-engine.js';
import { until } from '../support/until.js';

/** pid, parent pid and process group of every process, with its command line (Linux /proc). */
function processes(): Array<{ pid: number; ppid: number; pgid: number; cmdline: string }> {
  const out: Array<{ pid: number; ppid: number; pgid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat(5): "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the ')'.
      const [, ppid, pgid] = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

type HistoryItem = { action: string; status: string; attempts: Array<{ status: string; summary: string }> };

async function historyItems(history: string): Promise<HistoryItem[]> {
  let out = '';
  await runCli(['history', '--history-file', history, '--json'], { stdout: (t) => (out += t), stderr: () => undefined, env: {} });
  return (JSON.parse(out) as { items: HistoryItem[] }).items;
}

/** The process group of the ansible-playbook this (in-process) engine started. */
function playbookGroup(): number | undefined {
  return processes().find((p) => p.ppid === process.pid && p.cmdline.includes('count-and-sleep.yml'))?.pgid;
}

describe('the shutdown action', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-shutdown-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("kind now from another ruleset cancels a running playbook at once, and prints upstream's banner", async () => {
    const starts = join(dir, 'starts');
    const rulebook = join(dir, 'rb.yml');
    writeFileSync(
      rulebook,
      `- name: fix
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 120
  rules:
    - name: long fix
      condition: event.go == 1
      action:
        run_playbook:
          name: test/fixtures/ansible/count-and-sleep.yml
          extra_vars: {counter_file: ${starts}, sleep_seconds: 120}
- name: stop
  hosts: localhost
  sources:
    - name: hook
      ansible.eda.webhook:
        host: 127.0.0.1
        port: 0
  rules:
    - name: stop now
      condition: event.payload.stop == true
      action:
        shutdown:
          kind: now
          message: enough
          delay: 0
`,
    );
    const history = join(dir, 'history.jsonl');
    const run = await startInProcessEngine(rulebook, { historyFile: history });
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    // The ansible-playbook this (in-process) engine started, and its process group.
    const playbook = processes().find((p) => p.ppid === process.pid && p.cmdline.includes('count-and-sleep.yml'));
    expect(playbook, 'the running ansible-playbook').toBeDefined();
    const group = playbook!.pgid;
    expect(processes().filter((p) => p.pgid === group).length).toBeGreaterThan(0);

    const response = await fetch(`http://127.0.0.1:${run.port('stop')}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stop: true }),
    });
    expect(response.status).toBe(202);
    expect(await run.exited()).toBe(0);
    expect(run.stdout()).toContain('stop rule: stop now has initiated shutdown of type: now. Delay: 0.000 seconds, Message: enough');

    // Cut short, not waited for: the attempt ended with the shutdown and nothing of it runs on.
    expect(readFileSync(starts, 'utf8')).toBe('started\n');
    let out = '';
    await runCli(['history', '--history-file', history, '--json'], { stdout: (t) => (out += t), stderr: () => undefined, env: {} });
    const items = (JSON.parse(out) as { items: Array<{ action: string; status: string; attempts: Array<{ status: string; summary: string }> }> }).items;
    expect(items.map((i) => i.action)).toEqual(['run_playbook']);
    expect(items[0]?.status).not.toBe('succeeded');
    expect(items[0]?.attempts[0]?.summary).toMatch(/shut|abort|cancel/i);
    // The group was signalled before the engine exited; its processes end within moments.
    await until('the playbook\'s process group to be gone', () => (processes().some((p) => p.pgid === group) ? undefined : true), 10_000);
  }, 90_000);

  it('listed after a playbook in the same rule, takes effect once the playbook has ended', async () => {
    const starts = join(dir, 'starts-ordered');
    const rulebook = join(dir, 'ordered.yml');
    writeFileSync(
      rulebook,
      `- name: once
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 120
  rules:
    - name: fix then stop
      condition: event.go == 1
      actions:
        - run_playbook:
            name: test/fixtures/ansible/count-and-sleep.yml
            extra_vars: {counter_file: ${starts}, sleep_seconds: 2}
        - shutdown:
            kind: now
            message: fixed
`,
    );
    const history = join(dir, 'history-ordered.jsonl');
    const run = await startInProcessEngine(rulebook, { historyFile: history }, {}, 'info');
    expect(await run.exited()).toBe(0);
    // The playbook ran to its end before the shutdown: not cancelled by it.
    const items = await historyItems(history);
    expect(items.map((i) => [i.action, i.status])).toEqual([['run_playbook', 'succeeded']]);
    expect(readFileSync(starts, 'utf8')).toBe('started\n');
    expect(run.stdout()).toContain('once rule: fix then stop has initiated shutdown of type: now.');
    const logged = run
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; waitsFor?: string[] });
    expect(logged.find((l) => l.msg === 'shutdown requested')?.waitsFor).toHaveLength(1);
    // The shutdown was waiting for the playbook before the playbook's outcome came.
    const finished = logged.findIndex((l) => l.msg === 'action finished');
    const stopping = logged.findIndex((l) => l.msg === 'shutdown waits for the actions listed before it');
    expect(stopping).toBeGreaterThanOrEqual(0);
    expect(finished).toBeGreaterThan(stopping);
  }, 60_000);

  it('graceful from another ruleset lets a running playbook finish within its delay', async () => {
    const starts = join(dir, 'starts-graceful');
    const rulebook = join(dir, 'graceful.yml');
    writeFileSync(
      rulebook,
      `- name: fix
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 120
  rules:
    - name: short fix
      condition: event.go == 1
      action:
        run_playbook:
          name: test/fixtures/ansible/count-and-sleep.yml
          extra_vars: {counter_file: ${starts}, sleep_seconds: 2}
- name: stop
  hosts: localhost
  sources:
    - name: hook
      ansible.eda.webhook:
        host: 127.0.0.1
        port: 0
  rules:
    - name: stop gracefully
      condition: event.payload.stop == true
      action:
        shutdown:
          kind: graceful
          delay: 50
`,
    );
    const history = join(dir, 'history-graceful.jsonl');
    const run = await startInProcessEngine(rulebook, { historyFile: history });
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    const response = await fetch(`http://127.0.0.1:${run.port('stop')}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stop": true}' });
    expect(response.status).toBe(202);
    expect(await run.exited()).toBe(0);
    expect((await historyItems(history)).map((i) => [i.action, i.status])).toEqual([['run_playbook', 'succeeded']]);
  }, 60_000);

  it('stops at once on SIGTERM while a shutdown waits for a long playbook listed before it', async () => {
    const starts = join(dir, 'starts-term');
    const rulebook = join(dir, 'term.yml');
    writeFileSync(
      rulebook,
      `- name: once
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 120
  rules:
    - name: long fix then stop
      condition: event.go == 1
      actions:
        - run_playbook:
            name: test/fixtures/ansible/count-and-sleep.yml
            extra_vars: {counter_file: ${starts}, sleep_seconds: 120}
        - shutdown:
            kind: graceful
            delay: 120
`,
    );
    const history = join(dir, 'history-term.jsonl');
    const run = await startInProcessEngine(rulebook, { historyFile: history }, {}, 'info');
    await until('the shutdown to wait for the playbook', () => (run.logs().includes('"msg":"shutdown waits for the actions listed before it"') ? true : undefined), 30_000);
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    const group = playbookGroup();
    expect(group, 'the running ansible-playbook').toBeDefined();
    // The operator's SIGTERM ends the wait, and the playbook is cancelled with its process group.
    expect(await run.stop()).toBe(0);
    const [item] = await historyItems(history);
    expect(item?.status).not.toBe('succeeded');
    await until('the playbook\'s process group to be gone', () => (processes().some((p) => p.pgid === group) ? undefined : true), 10_000);
  }, 60_000);
});
