import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, ManualClock, hasErrorCode } from '../../core/index.js';
import { isAlive, liveGroupMembers } from '../../../test/fixtures/ansible/process-probe.js';
import type { AnsibleOutputLine } from './ansible-output.js';
import type { ModuleRequest, PlaybookRequest } from './ansible-run-options.js';
import { execaSpawn, runModule, runPlaybook, type AnsibleSpawn, type AnsibleSpawnOptions } from './run-ansible.js';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/ansible/fake-ansible-playbook.sh', import.meta.url));
const SECRET = 'hunter2-s3cr3t';

let project: string;
let tmpRoot: string;
let leftovers: number[];

beforeEach(() => {
  project = realpathSync(mkdtempSync(join(tmpdir(), 'ah-runner-project-')));
  tmpRoot = mkdtempSync(join(tmpdir(), 'ah-runner-tmp-'));
  leftovers = [];
  writeFileSync(join(project, 'site.yml'), '- hosts: all\n  tasks: []\n');
});

afterEach(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(project, { recursive: true, force: true });
  rmSync(tmpRoot, { recursive: true, force: true });
});

interface SpawnCall {
  readonly file: string;
  readonly args: readonly string[];
  readonly options: AnsibleSpawnOptions;
  readonly pid: number | undefined;
}

/** The real execa spawn, recording what it was asked to start. */
function recordingSpawn(): { spawn: AnsibleSpawn; calls: SpawnCall[] } {
  const calls: SpawnCall[] = [];
  const spawn: AnsibleSpawn = (file, args, options) => {
    const child = execaSpawn(file, args, options);
    calls.push({ file, args: [...args], options, pid: child.pid });
    return child;
  };
  return { spawn, calls };
}

function deps(spawn: AnsibleSpawn, clock = new ManualClock(1_000)) {
  return {
    spawn,
    clock,
    tmpDir: tmpRoot,
    parentEnv: { PATH: process.env['PATH'], HOME: project, LANG: 'C.UTF-8', REDIS_URL: `redis://:${SECRET}@db` },
  };
}

function fake(mode: string, extra: Partial<PlaybookRequest> = {}): PlaybookRequest {
  return {
    projectDir: project,
    playbook: 'site.yml',
    inventory: 'inventory',
    ansiblePlaybookPath: FAKE,
    allowEnv: ['FAKE_MODE'],
    env: { FAKE_MODE: mode },
    ...extra,
  };
}

/** Collects output lines and notes the pids the fake prints as `pid=<n>`. */
function lineRecorder(onPid?: (pid: number) => void) {
  const lines: AnsibleOutputLine[] = [];
  const onLine = (line: AnsibleOutputLine): void => {
    lines.push(line);
    const m = /^pid=(\d+)$/.exec(line.raw);
    if (m !== null) {
      leftovers.push(Number(m[1]));
      onPid?.(Number(m[1]));
    }
  };
  return { lines, onLine };
}

function prefixed(lines: readonly AnsibleOutputLine[], prefix: string): string[] {
  return lines.filter((l) => l.raw.startsWith(prefix)).map((l) => l.raw.slice(prefix.length));
}

describe('runPlaybook exit codes', () => {
  it.each([
    [0, 'succeeded', 'ok'],
    [1, 'failed', 'error'],
    [2, 'failed', 'failed'],
    [4, 'failed', 'unreachable'],
    [99, 'failed', 'interrupted'],
    [250, 'failed', 'unexpected'],
  ])('reports rc %i as %s with its meaning', async (rc, status, meaning) => {
    const { spawn } = recordingSpawn();
    const result = await runPlaybook(fake(`exit:${rc}`), deps(spawn));
    expect(result).toMatchObject({ rc, status, signal: null, startedAt: 1_000, finishedAt: 1_000, durationMs: 0 });
    expect(result.rcMeaning.startsWith(meaning)).toBe(true);
    expect(result.outputTail.split('\n').sort()).toEqual(['oops', 'running']);
    expect(result.stats).toBeUndefined();
  });

  it('takes startedAt and finishedAt from the injected clock', async () => {
    const clock = new ManualClock(5_000);
    const { spawn } = recordingSpawn();
    const result = await runPlaybook(
      fake('exit:0', { onLine: () => clock.advance(10) }),
      deps(spawn, clock),
    );
    expect(result.startedAt).toBe(5_000);
    expect(result.finishedAt).toBe(5_020);
    expect(result.durationMs).toBe(20);
  });
});

describe('runPlaybook invocation', () => {
  it('passes an allow-listed environment, argv without data, and a private vars file it removes', async () => {
    const { spawn, calls } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(
      fake('env', {
        hosts: ['web01', 'web02'],
        verbosity: 2,
        extraVars: { password: SECRET, service: 'rsyslog' },
        ansibleEda: { ruleset: 'rs', rule: 'r1', event: { token: SECRET, i: 3 } },
        env: { FAKE_MODE: 'env', ANSIBLE_HOST_KEY_CHECKING: 'False' },
        onLine: rec.onLine,
      }),
      deps(spawn),
    );
    expect(result.status).toBe('succeeded');

    const [call] = calls;
    expect(call?.file).toBe(FAKE);
    expect(call?.options).toMatchObject({ extendEnv: false, detached: true, buffer: false, reject: false, cwd: project });
    const varsFile = prefixed(rec.lines, 'varsfile:')[0] ?? '';
    expect(call?.args).toEqual([
      `--inventory=${join(project, 'inventory')}`,
      '--limit=web01,web02',
      `--extra-vars=@${varsFile}`,
      '-vv',
      join(project, 'site.yml'),
    ]);
    expect(JSON.stringify(call?.args)).not.toContain(SECRET);
    expect(prefixed(rec.lines, 'arg:').join(' ')).not.toContain(SECRET);

    const env = new Map(prefixed(rec.lines, 'env:').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const names = [...env.keys()].filter((n) => !n.startsWith('ANSIBLE_'));
    // bash adds PWD, SHLVL and _ itself.
    expect(names.sort()).toEqual(['FAKE_MODE', 'HOME', 'LANG', 'PATH', 'PWD', 'SHLVL', '_']);
    expect(env.get('ANSIBLE_STDOUT_CALLBACK')).toBe('ansible.posix.jsonl');
    expect(env.get('ANSIBLE_NOCOLOR')).toBe('1');
    expect(env.get('ANSIBLE_FORCE_COLOR')).toBe('0');
    expect(env.get('ANSIBLE_RETRY_FILES_ENABLED')).toBe('0');
    expect(env.get('ANSIBLE_HOST_KEY_CHECKING')).toBe('False');
    expect(env.get('ANSIBLE_LOCAL_TEMP')?.startsWith(tmpRoot)).toBe(true);
    expect([...env.values()].join(' ')).not.toContain(SECRET);

    expect(varsFile.startsWith(tmpRoot)).toBe(true);
    expect(prefixed(rec.lines, 'varsmode:')).toEqual(['600']);
    expect(prefixed(rec.lines, 'dirmode:')).toEqual(['700']);
    const vars = prefixed(rec.lines, 'vars:').join('\n');
    expect(vars).toContain(`!unsafe password: !unsafe ${SECRET}`);
    expect(vars).toContain('ansible_eda:');
    expect(prefixed(rec.lines, 'cwd:')).toEqual([project]);
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('writes the run_module wrapper playbook on the host limit', async () => {
    const { spawn, calls } = recordingSpawn();
    const rec = lineRecorder();
    const request: ModuleRequest = {
      projectDir: project,
      inventory: 'inventory',
      hosts: ['web01'],
      module: 'ansible.builtin.command',
      moduleArgs: { argv: ['echo', '{{ not_templated }}'] },
      ansiblePlaybookPath: FAKE,
      allowEnv: ['FAKE_MODE'],
      env: { FAKE_MODE: 'env' },
      onLine: rec.onLine,
    };
    const result = await runModule(request, deps(spawn));
    expect(result.status).toBe('succeeded');
    expect(result.artifacts).toBeUndefined();
    const playbook = prefixed(rec.lines, 'playbook:').join('\n');
    expect(playbook).toContain('hosts: web01');
    expect(playbook).toContain('gather_facts: false');
    expect(playbook).toContain('ansible.builtin.command:');
    expect(playbook).toContain('!unsafe "{{ not_templated }}"');
    expect(playbook).toContain('register: module_result');
    expect(calls[0]?.args[1]).toBe('--limit=web01');
    expect(calls[0]?.args.at(-1)?.startsWith(tmpRoot)).toBe(true);
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('keeps secrets out of the error when ansible-playbook cannot be started', async () => {
    const { spawn } = recordingSpawn();
    const run = runPlaybook(
      fake('exit:0', { ansiblePlaybookPath: join(project, 'no-such-ansible'), extraVars: { password: SECRET } }),
      deps(spawn),
    );
    const err: unknown = await run.catch((e: unknown) => e);
    expect(hasErrorCode(err, ErrorCode.AnsibleSpawnFailed)).toBe(true);
    const error = err as Error & { details: Record<string, unknown> };
    expect(error.details['code']).toBe('ENOENT');
    expect(error.message).not.toContain(SECRET);
    expect(String((error.cause as Error | undefined)?.message)).not.toContain(SECRET);
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('refuses playbooks outside the project directory, symlinks included, before spawning', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ah-runner-outside-'));
    try {
      writeFileSync(join(outside, 'evil.yml'), '- hosts: all\n');
      symlinkSync(join(outside, 'evil.yml'), join(project, 'link.yml'));
      const { spawn, calls } = recordingSpawn();
      for (const playbook of ['../evil.yml', join(outside, 'evil.yml'), 'link.yml', 'missing.yml', '.']) {
        const err: unknown = await runPlaybook(fake('exit:0', { playbook }), deps(spawn)).catch((e: unknown) => e);
        expect(hasErrorCode(err, ErrorCode.AnsiblePlaybookNotFound), playbook).toBe(true);
      }
      expect(calls).toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('passes a collection playbook name through when no such file exists', async () => {
    const { spawn, calls } = recordingSpawn();
    await runPlaybook(fake('exit:0', { playbook: 'my_ns.my_coll.restart' }), deps(spawn));
    expect(calls[0]?.args.at(-1)).toBe('my_ns.my_coll.restart');
  });

  it('does not start when the signal is already aborted', async () => {
    const { spawn, calls } = recordingSpawn();
    const result = await runPlaybook(fake('exit:0', { signal: AbortSignal.abort() }), deps(spawn));
    expect(result).toMatchObject({ status: 'cancelled', rc: null, rcMeaning: 'cancelled before start' });
    expect(calls).toEqual([]);
  });
});

describe('runPlaybook termination', () => {
  it('on timeout kills the whole group, including a grandchild holding the pipes', async () => {
    const { spawn, calls } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(
      fake('grandchild', { timeoutMs: 300, killGraceMs: 2_000, onLine: rec.onLine }),
      deps(spawn),
    );
    expect(result).toMatchObject({ status: 'timed_out', rc: null, signal: 'SIGTERM' });
    expect(result.rcMeaning).toBe('timed out after 300 ms; killed by SIGTERM');
    const [grandchild] = leftovers;
    expect(grandchild).toBeDefined();
    await vi.waitFor(() => expect(isAlive(grandchild ?? 0)).toBe(false), { timeout: 2_000 });
    await vi.waitFor(() => expect(liveGroupMembers(calls[0]?.pid ?? 0)).toEqual([]), { timeout: 2_000 });
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const { spawn, calls } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(
      fake('ignore-term', { timeoutMs: 300, killGraceMs: 300, onLine: rec.onLine }),
      deps(spawn),
    );
    expect(result).toMatchObject({ status: 'timed_out', rc: null, signal: 'SIGKILL' });
    await vi.waitFor(() => expect(liveGroupMembers(calls[0]?.pid ?? 0)).toEqual([]), { timeout: 2_000 });
  });

  it('on abort kills the group and reports cancelled', async () => {
    const controller = new AbortController();
    const { spawn, calls } = recordingSpawn();
    const rec = lineRecorder(() => controller.abort());
    const result = await runPlaybook(
      fake('grandchild', { signal: controller.signal, killGraceMs: 2_000, onLine: rec.onLine }),
      deps(spawn),
    );
    expect(result).toMatchObject({ status: 'cancelled', rc: null, signal: 'SIGTERM' });
    expect(result.rcMeaning.startsWith('cancelled')).toBe(true);
    await vi.waitFor(() => expect(liveGroupMembers(calls[0]?.pid ?? 0)).toEqual([]), { timeout: 2_000 });
  });

  it('after a normal exit kills descendants that keep the pipes open, keeping the exit code', async () => {
    const { spawn } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(fake('linger', { lingerMs: 50, killGraceMs: 2_000, onLine: rec.onLine }), deps(spawn));
    expect(result).toMatchObject({ status: 'failed', rc: 3, signal: null });
    await vi.waitFor(() => expect(isAlive(leftovers[0] ?? 0)).toBe(false), { timeout: 2_000 });
  });

  it('settles even when a descendant escaped the group and holds the pipes', async () => {
    const { spawn } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(fake('escape', { lingerMs: 50, killGraceMs: 50, onLine: rec.onLine }), deps(spawn));
    expect(result).toMatchObject({ status: 'succeeded', rc: 0 });
    // Out of our reach by design (own session); afterEach kills it.
    expect(isAlive(leftovers[0] ?? 0)).toBe(true);
  });
});

describe('runPlaybook output', () => {
  it('keeps a bounded tail and streams every line', async () => {
    const { spawn } = recordingSpawn();
    let count = 0;
    const result = await runPlaybook(
      fake('flood', { tailMaxLines: 50, onLine: () => (count += 1) }),
      deps(spawn),
    );
    expect(count).toBe(5_000);
    const tail = result.outputTail.split('\n');
    expect(tail).toHaveLength(51);
    expect(tail[0]).toBe('[… 4950 earlier lines dropped]');
    expect(tail[1]).toBe('line 4951');
    expect(tail.at(-1)).toBe('line 5000');
  });

  it('cuts an over-long line and goes on', async () => {
    const { spawn } = recordingSpawn();
    const rec = lineRecorder();
    await runPlaybook(fake('long-line', { maxLineChars: 1_000, onLine: rec.onLine }), deps(spawn));
    expect(rec.lines.map((l) => [l.raw.length, l.truncated])).toEqual([
      [1_000, true],
      [5, false],
    ]);
  });

  it('ignores an onLine hook that throws', async () => {
    const { spawn } = recordingSpawn();
    const result = await runPlaybook(
      fake('exit:2', {
        onLine: () => {
          throw new Error('logger broke');
        },
      }),
      deps(spawn),
    );
    expect(result.rc).toBe(2);
  });

  it('reads stats and set_stats artifacts from jsonl events and renders them for humans', async () => {
    const { spawn } = recordingSpawn();
    const rec = lineRecorder();
    const result = await runPlaybook(fake('jsonl', { onLine: rec.onLine }), deps(spawn));
    expect(result.stats).toEqual({
      localhost: { ok: 4, changed: 1, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 1 },
    });
    expect(result.artifacts).toEqual({ source: 'set_stats', host: 'localhost', data: { a: 1 } });
    const tail = result.outputTail.split('\n');
    expect(tail).toContain('PLAY [all]');
    expect(tail).toContain('ok: [localhost] => hello 42');
    expect(tail).toContain('fatal: [localhost]: FAILED! => non-zero return code rc=1');
    expect(tail).toContain('localhost : ok=4 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=1');
    expect(tail).toContain('[WARNING]: a warning on stderr');
    expect(rec.lines.find((l) => l.event?._event === 'v2_playbook_on_stats')?.stream).toBe('stdout');
    expect(rec.lines.find((l) => l.raw.startsWith('[WARNING]'))?.stream).toBe('stderr');
  });

  it('keeps raw JSON lines in the tail in json mode', async () => {
    const { spawn } = recordingSpawn();
    const result = await runPlaybook(fake('jsonl', { jsonMode: true }), deps(spawn));
    expect(result.outputTail).toContain('{"_event":"v2_playbook_on_play_start"');
    expect(result.outputTail).not.toContain('PLAY [all]');
  });

  it('falls back to the PLAY RECAP with the default callback', async () => {
    const { spawn } = recordingSpawn();
    const result = await runPlaybook(fake('recap', { callback: 'default' }), deps(spawn));
    expect(result).toMatchObject({ rc: 2, status: 'failed' });
    expect(result.stats).toEqual({
      localhost: { ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
    });
    expect(result.artifacts).toBeUndefined();
  });
});
