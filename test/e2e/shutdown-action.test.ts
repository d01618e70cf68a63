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
import { startInProcessEngine, type InProcessEngine } from '../support/in-process-engine.js';
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

/** The process group of the ansible-playbook this (in-process) engine started. */
function playbookGroup(): number | undefined {
  return processes().find((p) => p.ppid === process.pid && p.cmdline.includes('count-and-sleep.yml'))?.pgid;
}

function groupGone(group: number | undefined): Promise<true> {
  // The group was signalled before the engine exited; its processes end within moments.
  return until("the playbook's process group to be gone", () => (processes().some((p) => p.pgid === group) ? undefined : true), 10_000);
}

type HistoryItem = { action: string; status: string; attempts: Array<{ status: string; summary: string }> };

async function historyItems(history: string): Promise<HistoryItem[]> {
  let out = '';
  await runCli(['history', '--history-file', history, '--json'], { stdout: (t) => (out += t), stderr: () => undefined, env: {} });
  return (JSON.parse(out) as { items: HistoryItem[] }).items;
}

interface Scenario {
  /** How long the playbook sleeps after recording its start, seconds. */
  readonly sleepSeconds: number;
  /** The shutdown action's arguments. */
  readonly shutdown: string;
  /** `rule`: listed after the playbook in the same rule; `ruleset`: a webhook event to ruleset `stop`. */
  readonly placement: 'rule' | 'ruleset';
}

/**
 * Ruleset `fix` runs the count-and-sleep playbook on the one event of a generic source (which
 * would end the engine only after 120 s); the shutdown is in that rule or in ruleset `stop`.
 */
function scenario(dir: string, name: string, s: Scenario): { rulebook: string; starts: string; history: string } {
  const starts = join(dir, `${name}.starts`);
  const shutdown = `shutdown: {${s.shutdown}}`;
  const fix = `- name: fix
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 120
  rules:
    - name: fix it
      condition: event.go == 1
      actions:
        - run_playbook:
            name: test/fixtures/ansible/count-and-sleep.yml
            extra_vars: {counter_file: ${starts}, sleep_seconds: ${s.sleepSeconds}}
${s.placement === 'rule' ? `        - ${shutdown}\n` : ''}`;
  const stop = `- name: stop
  hosts: localhost
  sources:
    - name: hook
      ansible.eda.webhook:
        host: 127.0.0.1
        port: 0
  rules:
    - name: stop it
      condition: event.payload.stop == true
      action:
        ${shutdown}
`;
  const rulebook = join(dir, `${name}.yml`);
  writeFileSync(rulebook, s.placement === 'rule' ? fix : fix + stop);
  return { rulebook, starts, history: join(dir, `${name}.history.jsonl`) };
}

async function requestStop(run: InProcessEngine): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${run.port('stop')}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"stop": true}' });
  expect(response.status).toBe(202);
}

describe('the shutdown action', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-shutdown-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("kind now from another ruleset cancels a running playbook at once, and prints upstream's banner", async () => {
    const { rulebook, starts, history } = scenario(dir, 'now', { sleepSeconds: 120, shutdown: 'kind: now, message: enough, delay: 0', placement: 'ruleset' });
    const run = await startInProcessEngine(rulebook, { historyFile: history });
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    const group = playbookGroup();
    expect(group, 'the running ansible-playbook').toBeDefined();

    await requestStop(run);
    expect(await run.exited()).toBe(0);
    expect(run.stdout()).toContain('stop rule: stop it has initiated shutdown of type: now. Delay: 0.000 seconds, Message: enough');
    // Cut short, not waited for: the attempt ended with the shutdown and nothing of it runs on.
    expect(readFileSync(starts, 'utf8')).toBe('started\n');
    const items = await historyItems(history);
    expect(items.map((i) => i.action)).toEqual(['run_playbook']);
    expect(items[0]?.status).not.toBe('succeeded');
    expect(items[0]?.attempts[0]?.summary).toMatch(/shut|abort|cancel/i);
    await groupGone(group);
  }, 90_000);

  it('graceful from another ruleset lets a running playbook finish within its delay', async () => {
    const { rulebook, starts, history } = scenario(dir, 'graceful', { sleepSeconds: 2, shutdown: 'kind: graceful, delay: 50', placement: 'ruleset' });
    const run = await startInProcessEngine(rulebook, { historyFile: history });
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    await requestStop(run);
    expect(await run.exited()).toBe(0);
    expect((await historyItems(history)).map((i) => [i.action, i.status])).toEqual([['run_playbook', 'succeeded']]);
  }, 60_000);

  it('listed after a playbook in the same rule, takes effect once the playbook has ended', async () => {
    const { rulebook, starts, history } = scenario(dir, 'ordered', { sleepSeconds: 2, shutdown: 'kind: now, message: fixed', placement: 'rule' });
    const run = await startInProcessEngine(rulebook, { historyFile: history }, {}, 'info');
    expect(await run.exited()).toBe(0);
    // The playbook ran to its end before the shutdown: not cancelled by it.
    expect((await historyItems(history)).map((i) => [i.action, i.status])).toEqual([['run_playbook', 'succeeded']]);
    expect(readFileSync(starts, 'utf8')).toBe('started\n');
    expect(run.stdout()).toContain('fix rule: fix it has initiated shutdown of type: now.');
    const logged = run.logRecords();
    expect(logged.find((l) => l.msg === 'shutdown requested')?.waitsFor).toHaveLength(1);
    // The shutdown was waiting for the playbook before the playbook's outcome came.
    const waiting = logged.findIndex((l) => l.msg === 'shutdown waits for the actions listed before it');
    expect(waiting).toBeGreaterThanOrEqual(0);
    expect(logged.findIndex((l) => l.msg === 'action finished')).toBeGreaterThan(waiting);
  }, 60_000);

  it('stops at once on SIGTERM while a shutdown waits for a long playbook listed before it', async () => {
    const { rulebook, starts, history } = scenario(dir, 'term', { sleepSeconds: 120, shutdown: 'kind: graceful, delay: 120', placement: 'rule' });
    const run = await startInProcessEngine(rulebook, { historyFile: history }, {}, 'info');
    await until('the shutdown to wait for the playbook', () => (run.logs().includes('"msg":"shutdown waits for the actions listed before it"') ? true : undefined), 30_000);
    await until('the playbook to start', () => (existsSync(starts) ? true : undefined), 30_000);
    const group = playbookGroup();
    expect(group, 'the running ansible-playbook').toBeDefined();
    // The operator's SIGTERM ends the wait, and the playbook is cancelled with its process group.
    expect(await run.stop()).toBe(0);
    expect((await historyItems(history))[0]?.status).not.toBe('succeeded');
    await groupGone(group);
  }, 60_000);
});
