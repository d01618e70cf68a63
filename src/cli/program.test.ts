import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { runCli } from './program.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await runCli(argv, io, { test: { startMs: Date.UTC(2026, 10, 22, 10), newId: () => 'id-1' } });
  return { code, stdout, stderr };
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'autoheal-cli-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const DISK = 'rulebooks/alertmanager-disk-full.yml';
const FIRING = 'examples/events/alertmanager-disk-full.json';
const RESOLVED = 'examples/events/alertmanager-disk-resolved.json';

describe('autoheal validate', () => {
  it('accepts the bundled rulebooks', async () => {
    const { code, stdout } = await run(['validate', DISK]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok\s+rulebooks\/alertmanager-disk-full.yml \(1 ruleset, 2 rules\)/m);
  });

  it('lists every problem of a broken rulebook with file:line:col and exits 1', async () => {
    const { code, stderr, stdout } = await run(['validate', 'test/fixtures/rulebooks/broken.yml']);
    expect(code).toBe(1);
    expect(stdout).toContain('invalid test/fixtures/rulebooks/broken.yml');
    expect(stderr).toMatch(/broken\.yml:9:7: .*"conditon".*did you mean "condition"/);
    expect(stderr).toMatch(/broken\.yml:11:9: .*"run_playbok".*did you mean "run_playbook"/);
    expect(stderr).toMatch(/broken\.yml:14:\d+: /);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await run(['validate', '--json', DISK, 'test/fixtures/rulebooks/broken.yml']);
    const parsed = JSON.parse(stdout) as { valid: boolean; rulebooks: Array<{ valid: boolean; errors: string[] }> };
    expect(parsed.valid).toBe(false);
    expect(parsed.rulebooks.map((r) => r.valid)).toEqual([true, false]);
    expect(parsed.rulebooks[1]?.errors.length).toBeGreaterThanOrEqual(3);
  });
});

describe('autoheal test', () => {
  it('shows the matching rule with its rendered action and why the other rule did not fire', async () => {
    const { code, stdout } = await run(['test', DISK, '--event', FIRING]);
    expect(code).toBe(0);
    expect(stdout).toContain('MATCH    Disk space :: clean up a full filesystem');
    expect(stdout).toContain('run_playbook [hosts: web01] {"name":"playbooks/cleanup-disk.yml","extra_vars":{"mountpoint":"/var","free_percent":3,"alert_fingerprint":"5c0e9d1c8a2b7f31"}}');
    expect(stdout).toContain('no match Disk space :: disk alert resolved: event.alert.status is "firing", expected == "resolved"');
  });

  it('has a stable --json shape', async () => {
    const { code, stdout } = await run(['test', DISK, '--event', FIRING, '--event', RESOLVED, '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Record<string, any>;
    expect(out.rulebook).toBe(DISK);
    expect(out.events).toHaveLength(2);
    expect(out.events[0].matches[0]).toMatchObject({
      ruleset: 'Disk space',
      rule: 'clean up a full filesystem',
      trigger: 'event',
      actions: [{ action: 'run_playbook', args: { name: 'playbooks/cleanup-disk.yml' }, hosts: ['web01'] }],
    });
    expect(out.events[0].matches[0].matching_events.m.alert.labels.alertname).toBe('DiskAlmostFull');
    expect(out.events[1].matches[0].actions[0]).toEqual({ action: 'debug', args: { msg: '/var on web01 has space again' } });
    expect(out.summary).toEqual({ events: 2, matches: 2, actions: 2, rules_fired: ['Disk space::clean up a full filesystem', 'Disk space::disk alert resolved'] });
  });

  it('shows a throttled match when the same alert repeats within the window, in virtual time', async () => {
    const firing = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(FIRING, 'utf8'))) as unknown;
    const stream = tempFile(
      'stream.jsonl',
      [JSON.stringify(firing), JSON.stringify({ at: '+10m', event: firing }), JSON.stringify({ at: '+25m', event: firing })].join('\n'),
    );
    const { stdout } = await run(['test', DISK, '--events', stream, '--json']);
    const out = JSON.parse(stdout) as { events: Array<{ matches: unknown[]; held: Array<{ kind: string; reason: string }> }> };
    expect(out.events.map((e) => e.matches.length)).toEqual([1, 0, 1]);
    expect(out.events[1]?.held[0]).toMatchObject({ kind: 'throttled' });
    expect(out.events[1]?.held[0]?.reason).toMatch(/once_within 30 minutes/);
  });

  it('exits 2 when an expected rule does not fire, 0 when it does', async () => {
    expect((await run(['test', DISK, '--event', RESOLVED, '--expect-match', 'clean up a full filesystem'])).code).toBe(2);
    expect((await run(['test', DISK, '--event', FIRING, '--expect-match', 'clean up a full filesystem'])).code).toBe(0);
    expect((await run(['test', DISK, '--event', FIRING, '--expect-no-match', 'clean up a full filesystem'])).code).toBe(2);
  });

  it('rejects an expectation naming no rule of the rulebook', async () => {
    const { code, stderr } = await run(['test', DISK, '--event', FIRING, '--expect-match', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toContain('no rule named "nope"');
  });

  it('exits 1 on a broken rulebook and on a bad event file', async () => {
    expect((await run(['test', 'test/fixtures/rulebooks/broken.yml', '--event', FIRING])).code).toBe(1);
    const bad = tempFile('bad.json', '{"alert": ');
    const { code, stderr } = await run(['test', DISK, '--event', bad]);
    expect(code).toBe(1);
    expect(stderr).toContain('not valid JSON');
  });

  it('resolves vars and env-vars into conditions and templates', async () => {
    const rulebook = tempFile(
      'vars.yml',
      `- name: rs
  hosts: all
  sources: [{range: {limit: 1}}]
  rules:
    - name: r
      condition: event.level >= vars.min_level
      action:
        debug:
          msg: "{{ TEAM }} level {{ event.level }}"
`,
    );
    const vars = tempFile('vars.yml', 'min_level: 3\n');
    const event = tempFile('e.json', '{"level": 4}');
    const { code, stdout } = await run(['test', rulebook, '--event', event, '-e', vars, '-E', 'TEAM', '--json'], { TEAM: 'ops' });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).events[0].matches[0].actions[0].args).toEqual({ msg: 'ops level 4' });
  });

  it('prints help and exits 0 with --help; 1 with no arguments', async () => {
    const help = await run(['test', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--expect-match <rule>');
    expect((await run([])).code).toBe(1);
  });
});
