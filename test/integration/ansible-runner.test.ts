/**
 * The runner against the real ansible-playbook (Debian `ansible`, with ansible.posix for the
 * jsonl callback) on localhost with `connection: local`. Each run costs about a second, so this
 * file keeps to seven of them.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  execaSpawn,
  runModule,
  runPlaybook,
  type AnsibleSpawn,
  type ModuleRequest,
  type PlaybookRequest,
  type RunnerDeps,
} from '../../src/actions/ansible/index.js';
import { isAlive, liveGroupMembers } from '../fixtures/ansible/process-probe.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/ansible/', import.meta.url));
const SECRET = 'hunter2-s3cr3t';
const INJECTION = "{{ lookup('pipe', 'id -u') }}";

let project: string;
let tmpRoot: string;
let spawned: Array<{ args: readonly string[]; pid: number | undefined }>;
let deps: RunnerDeps;

beforeEach(() => {
  project = realpathSync(mkdtempSync(join(tmpdir(), 'ah-ansible-it-')));
  tmpRoot = mkdtempSync(join(tmpdir(), 'ah-ansible-it-tmp-'));
  for (const name of ['success.yml', 'failing.yml', 'syntax-error.yml', 'sleep.yml']) {
    copyFileSync(join(FIXTURES, name), join(project, name));
  }
  writeFileSync(join(project, 'inventory.ini'), 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
  spawned = [];
  const spawn: AnsibleSpawn = (file, args, options) => {
    const child = execaSpawn(file, args, options);
    spawned.push({ args: [...args], pid: child.pid });
    return child;
  };
  deps = { spawn, tmpDir: tmpRoot, parentEnv: { PATH: process.env['PATH'], HOME: project, LANG: 'C.UTF-8' } };
});

afterEach(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(tmpRoot, { recursive: true, force: true });
});

function playbook(name: string, extra: Partial<PlaybookRequest> = {}): PlaybookRequest {
  return { projectDir: project, playbook: name, inventory: 'inventory.ini', hosts: ['localhost'], ...extra };
}

function moduleRun(extra: Omit<ModuleRequest, 'projectDir' | 'inventory'>): ModuleRequest {
  return { projectDir: project, inventory: 'inventory.ini', hosts: ['localhost'], ...extra };
}

/** Pids of live processes whose argv is exactly `argv`. */
function processesRunning(argv: readonly string[]): number[] {
  const wanted = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted && isAlive(Number(name));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('runPlaybook with ansible-playbook', () => {
  it('passes extra vars and ansible_eda to the playbook, returns set_stats artifacts and stats', async () => {
    const event = { alert: 'DiskFull', token: SECRET, payload: INJECTION, count: 41, labels: { sev: 'yes' } };
    const result = await runPlaybook(
      playbook('success.yml', {
        extraVars: { out_dir: project, service: 'rsyslog', password: SECRET },
        ansibleEda: { ruleset: 'disk', rule: 'full', event },
      }),
      deps,
    );
    expect(result.status, result.outputTail).toBe('succeeded');
    expect(result).toMatchObject({ rc: 0, signal: null, rcMeaning: 'ok: all hosts succeeded' });
    // The event arrived with its types, and the template it carried was never evaluated.
    expect(JSON.parse(readFileSync(join(project, 'event.json'), 'utf8'))).toEqual(event);
    expect(result.outputTail).toContain('ok: [localhost] => rule full of disk restarts rsyslog (42)');
    expect(result.artifacts).toEqual({ source: 'set_stats', host: 'localhost', data: { restarted: 'rsyslog', attempts: 1 } });
    expect(result.stats).toEqual({
      localhost: { ok: 3, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
    });
    expect(spawned).toHaveLength(1);
    expect(JSON.stringify(spawned[0]?.args)).not.toContain(SECRET);
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('reports a failing task as rc 2 with the recap, keeping extra vars out of argv and messages', async () => {
    const result = await runPlaybook(playbook('failing.yml', { extraVars: { password: SECRET } }), deps);
    expect(result).toMatchObject({ rc: 2, status: 'failed' });
    expect(JSON.stringify(spawned[0]?.args)).not.toContain(SECRET);
    expect(`${result.rcMeaning}\n${result.outputTail}`).not.toContain(SECRET);
    expect(result.rcMeaning).toMatch(/^failed: one or more hosts failed/);
    expect(result.stats?.['localhost']).toMatchObject({ ok: 0, failed: 1 });
    expect(result.outputTail).toContain('fatal: [localhost]: FAILED! => non-zero return code rc=1');
    expect(result.artifacts).toBeUndefined();
  });

  it('reports a syntax error as rc 4 with ansible’s message', async () => {
    const result = await runPlaybook(playbook('syntax-error.yml'), deps);
    expect(result).toMatchObject({ rc: 4, status: 'failed' });
    expect(result.stats).toBeUndefined();
    expect(result.outputTail).toContain('ERROR!');
  });

  it('on timeout kills ansible-playbook with its workers and the task it ran', async () => {
    const sleepSeconds = '29.5371';
    let taskStarted = false;
    const result = await runPlaybook(
      playbook('sleep.yml', {
        extraVars: { sleep_seconds: sleepSeconds },
        timeoutMs: 4_000,
        killGraceMs: 3_000,
        onLine: (line) => {
          if (line.text === 'TASK [Sleep]') taskStarted = true;
        },
      }),
      deps,
    );
    expect(taskStarted).toBe(true);
    expect(result.status).toBe('timed_out');
    expect(result.rcMeaning.startsWith('timed out after 4000 ms')).toBe(true);
    const pgid = spawned[0]?.pid ?? 0;
    await vi.waitFor(() => expect(liveGroupMembers(pgid)).toEqual([]), { timeout: 5_000 });
    await vi.waitFor(() => expect(processesRunning(['sleep', sleepSeconds])).toEqual([]), { timeout: 5_000 });
    expect(readdirSync(tmpRoot)).toEqual([]);
  });
});

describe('runModule with ansible-playbook', () => {
  it('runs ansible.builtin.command and returns its result as artifacts', async () => {
    const result = await runModule(
      moduleRun({ module: 'ansible.builtin.command', moduleArgs: { argv: ['echo', `hello ${INJECTION}`] } }),
      deps,
    );
    expect(result.status, result.outputTail).toBe('succeeded');
    expect(result.artifacts?.source).toBe('module_result');
    expect(result.artifacts?.data).toMatchObject({ rc: 0, stdout: `hello ${INJECTION}`, changed: true });
  });

  it('runs free-form string args', async () => {
    const result = await runModule(moduleRun({ module: 'ansible.builtin.command', moduleArgs: 'echo plain words' }), deps);
    expect(result.status, result.outputTail).toBe('succeeded');
    expect(result.artifacts?.data).toMatchObject({ stdout: 'plain words' });
  });

  it('reports a missing module as rc 4', async () => {
    const result = await runModule(moduleRun({ module: 'no_such_ns.no_such_coll.nothing', moduleArgs: { a: 1 } }), deps);
    expect(result).toMatchObject({ rc: 4, status: 'failed' });
    expect(result.outputTail).toContain("couldn't resolve module/action 'no_such_ns.no_such_coll.nothing'");
    expect(result.artifacts).toBeUndefined();
  });
});
