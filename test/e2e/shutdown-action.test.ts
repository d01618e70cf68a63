/**
 * The shutdown action under `autoheal run` (upstream semantics): it prints upstream's banner and
 * stops the engine with exit 0; `kind: now` cancels a running remediation at once instead of
 * waiting for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCommand, type SignalSource } from '../../src/cli/commands/run-command.js';

describe('the shutdown action', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-shutdown-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("kind now stops the engine at once instead of waiting for a long playbook, and prints upstream's banner", async () => {
    const rulebook = join(dir, 'rb.yml');
    writeFileSync(
      rulebook,
      `- name: stop
  hosts: localhost
  sources:
    - generic:
        payload: [{go: 1}]
        shutdown_after: 60
  rules:
    - name: long fix then stop
      condition: event.go == 1
      actions:
        - run_playbook:
            name: test/fixtures/ansible/count-and-sleep.yml
            extra_vars: {counter_file: ${join(dir, 'starts')}, sleep_seconds: 60}
        - shutdown:
            kind: now
            message: enough
            delay: 0
`,
    );
    let stdout = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} };
    const signals: SignalSource = { on: () => undefined, off: () => undefined };
    const started = Date.now();
    const code = await runCommand(rulebook, {}, io, { logger: pino({ level: 'warn' }, { write: () => undefined }), signals });
    expect(code).toBe(0);
    // Far less than the playbook's 60 s sleep or the source's 60 s shutdown_after.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(stdout).toContain('stop rule: long fix then stop has initiated shutdown of type: now. Delay: 0.000 seconds, Message: enough');
  }, 60_000);
});
