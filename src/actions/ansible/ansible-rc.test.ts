import { describe, expect, it } from 'vitest';
import { AnsibleRc, describeAnsibleRc } from './ansible-rc.js';

describe('describeAnsibleRc', () => {
  it('names the documented exit codes', () => {
    expect(describeAnsibleRc(AnsibleRc.Ok)).toBe('ok: all hosts succeeded');
    expect(describeAnsibleRc(AnsibleRc.HostFailed)).toMatch(/^failed: one or more hosts failed/);
    expect(describeAnsibleRc(AnsibleRc.HostUnreachable)).toMatch(/unreachable.*parse\/syntax error/);
    expect(describeAnsibleRc(AnsibleRc.BadOptions)).toMatch(/^bad options/);
    expect(describeAnsibleRc(AnsibleRc.Interrupted)).toBe('interrupted');
    expect(describeAnsibleRc(AnsibleRc.Unexpected)).toMatch(/^unexpected error/);
  });

  it('says when there is no code', () => {
    expect(describeAnsibleRc(null, 'SIGKILL')).toBe('killed by SIGKILL');
    expect(describeAnsibleRc(null)).toBe('no exit code');
    expect(describeAnsibleRc(42)).toBe('unknown exit code 42');
  });
});
