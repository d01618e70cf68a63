import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import {
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  resolveAnsibleRunOptions,
  type ModuleRequest,
  type PlaybookRequest,
} from './ansible-run-options.js';

const PARENT_ENV = { PATH: '/bin', HOME: '/home/ah', LANG: 'C.UTF-8', SSH_AUTH_SOCK: '/run/agent', REDIS_URL: 'redis://x' };
const base: PlaybookRequest = { projectDir: '/srv/project', playbook: 'site.yml', inventory: 'inventory.ini' };

function problemsOf(request: PlaybookRequest | ModuleRequest): string[] {
  try {
    resolveAnsibleRunOptions(request, PARENT_ENV);
  } catch (err) {
    expect(hasErrorCode(err, ErrorCode.AnsibleRequestInvalid)).toBe(true);
    return (err as { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected the request to be refused');
}

describe('resolveAnsibleRunOptions', () => {
  it('fills defaults and resolves paths against the project dir', () => {
    const r = resolveAnsibleRunOptions(base, PARENT_ENV);
    expect(r).toMatchObject({
      target: { kind: 'playbook', playbook: 'site.yml' },
      inventory: '/srv/project/inventory.ini',
      cwd: '/srv/project',
      hosts: [],
      extraVars: {},
      verbosity: 0,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      killGraceMs: DEFAULT_KILL_GRACE_MS,
      callback: 'jsonl',
      jsonMode: false,
      allowTemplates: false,
      ansiblePlaybookPath: 'ansible-playbook',
    });
    expect(r.env).toEqual({ PATH: '/bin', HOME: '/home/ah', LANG: 'C.UTF-8' });
  });

  it('passes allowed names from our environment and accepts them as additions', () => {
    const r = resolveAnsibleRunOptions(
      { ...base, allowEnv: ['SSH_AUTH_SOCK', 'NETBOX_TOKEN'], env: { NETBOX_TOKEN: 't', ANSIBLE_TIMEOUT: '30' } },
      PARENT_ENV,
    );
    expect(r.env).toEqual({
      PATH: '/bin',
      HOME: '/home/ah',
      LANG: 'C.UTF-8',
      SSH_AUTH_SOCK: '/run/agent',
      NETBOX_TOKEN: 't',
      ANSIBLE_TIMEOUT: '30',
    });
  });

  it('refuses env names that are neither ANSIBLE_* nor allowed, and the ones the runner sets', () => {
    const problems = problemsOf({
      ...base,
      env: { REDIS_URL: 'x', ANSIBLE_STDOUT_CALLBACK: 'yaml' },
      allowEnv: ['ANSIBLE_LOCAL_TEMP', 'bad-name'],
    });
    expect(problems).toEqual([
      'allowEnv: ANSIBLE_LOCAL_TEMP is set by the runner itself',
      'allowEnv: "bad-name" is not a variable name',
      'env: REDIS_URL is neither ANSIBLE_* nor listed in allowEnv',
      'env: ANSIBLE_STDOUT_CALLBACK is set by the runner itself',
    ]);
  });

  it('builds an inline inventory from plain host names when no inventory is given', () => {
    const r = resolveAnsibleRunOptions({ ...base, inventory: undefined, hosts: ['web01', 'db.example.org'] }, PARENT_ENV);
    expect(r.inventory).toBe('web01,db.example.org,');
    expect(problemsOf({ ...base, inventory: undefined, hosts: ['web*'] })).toEqual([
      'without an inventory, hosts must be plain host names (not patterns): web*',
    ]);
    expect(problemsOf({ ...base, inventory: undefined })).toEqual([
      'give an inventory, or hosts to build an inline inventory from',
    ]);
  });

  it('accepts host patterns but refuses what could change the command or be templated', () => {
    expect(resolveAnsibleRunOptions({ ...base, hosts: ['web*', 'all:!db01', 'web01', 'web01'] }, PARENT_ENV).hosts).toEqual([
      'web*',
      'all:!db01',
      'web01',
    ]);
    for (const bad of ['a b', 'a,b', '@/etc/passwd', "{{ lookup('pipe','id') }}", '', 'x\ny']) {
      expect(problemsOf({ ...base, hosts: [bad] })[0]).toMatch(/^hosts must be/);
    }
  });

  it('refuses template markers in string module args unless templates are allowed', () => {
    const request: ModuleRequest = { ...base, playbook: undefined, module: 'ansible.builtin.debug', moduleArgs: 'msg={{ x }}' } as ModuleRequest;
    expect(problemsOf(request)[0]).toMatch(/^string moduleArgs contain a template marker/);
    const r = resolveAnsibleRunOptions({ ...request, allowTemplates: true }, PARENT_ENV);
    expect(r.target).toEqual({ kind: 'module', module: 'ansible.builtin.debug', moduleArgs: 'msg={{ x }}' });
  });

  it('validates module names and refuses a request naming both a playbook and a module', () => {
    expect(problemsOf({ ...base, module: 'ansible.builtin.command' } as PlaybookRequest & ModuleRequest)).toEqual([
      'give either playbook or module, not both',
    ]);
    const bad = { projectDir: '/p', inventory: 'i', module: 'x: y' } as ModuleRequest;
    expect(problemsOf(bad)[0]).toMatch(/^module must be a module name/);
  });

  it('collects every problem of a request at once', () => {
    const problems = problemsOf({
      projectDir: 'relative',
      playbook: '',
      inventory: 'a,b',
      verbosity: 5,
      timeoutMs: 0,
      killGraceMs: 1.5,
      callback: 'default',
      jsonMode: true,
      extraVars: { ansible_eda: {}, n: Number.NaN, f: (() => 1) as unknown, list: [undefined] },
      ansibleEda: { ruleset: 'rs', rule: 'r', event: {}, events: {} },
    });
    expect(problems).toEqual([
      'projectDir must be an absolute path',
      'playbook must be a non-empty path',
      'inventory must be a non-empty path without commas',
      'extraVars.n must be a finite number',
      'extraVars.f is not JSON data (function)',
      'extraVars.list[0] is undefined',
      'extraVars must not contain ansible_eda; pass it as ansibleEda',
      'ansibleEda takes event (single match) or events (multiple matches), not both',
      'verbosity must be an integer from 0 to 4, got 5',
      'timeoutMs must be an integer from 1 to 2147483647, got 0',
      'killGraceMs must be an integer from 0 to 2147483647, got 1.5',
      'jsonMode needs the jsonl callback',
    ]);
  });

  it('keeps values out of its messages', () => {
    const secret = 'hunter2-s3cr3t';
    const problems = problemsOf({ ...base, extraVars: { password: secret, n: Number.POSITIVE_INFINITY }, env: { BAD: secret } });
    expect(problems).toEqual(['extraVars.n must be a finite number', 'env: BAD is neither ANSIBLE_* nor listed in allowEnv']);
    expect(problems.join(' ')).not.toContain(secret);
  });

  it('refuses cyclic data', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(problemsOf({ ...base, extraVars: cyclic })[0]).toMatch(/nested deeper than 64 levels/);
  });
});
