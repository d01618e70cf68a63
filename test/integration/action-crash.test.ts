/**
 * A remediation runs at most once per match, even when its worker is killed mid-run (issue
 * "Remediation", items 1 and 7): a worker process is killed with SIGKILL while a real
 * ansible-playbook runs; another worker takes the stalled job over, records the attempt as
 * `interrupted`, and does not start the playbook a second time. Real redis-server, real
 * processes, real ansible-playbook.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActionRequest } from '../../src/actions/action-handler.js';
import { RedisActionQueue } from '../../src/actions/dispatch/index.js';

class Worker {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor(url: string, prefix: string) {
    // detached: its own process group, so the test can kill the worker and the playbook it runs
    // together, as a machine crash would.
    this.child = spawn(process.execPath, ['test/support/action-worker-child.mjs', url, prefix, resolve('test/fixtures/ansible')], { detached: true });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** The next outcome line matching `test`, within `ms`. */
  async waitFor(test: (o: Record<string, unknown>) => boolean, ms = 20_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('worker did not report in time');
      const next = await Promise.race([
        this.lines.next(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('worker did not report in time')), left).unref()),
      ]);
      if (next.done === true) throw new Error('worker exited');
      const o = JSON.parse(next.value) as Record<string, unknown>;
      if (test(o)) return o;
    }
  }

  /** SIGKILL to the worker and everything it started. */
  async killHard(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    try {
      process.kill(-(this.child.pid as number), 'SIGKILL');
    } catch {
      /* already gone */
    }
    await exited;
  }
}

describe('an action worker killed mid-playbook', () => {
  const url = inject('redisUrl');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'autoheal-crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records interrupted and never starts the playbook twice', async () => {
    const prefix = `{t-${randomUUID()}}`;
    const counter = join(dir, 'starts');
    const request: ActionRequest = {
      dispatchKey: `crash-${randomUUID()}`,
      ruleset: 'rs',
      rule: 'restart',
      action: 'run_playbook',
      args: { name: 'count-and-sleep.yml', extra_vars: { counter_file: counter, sleep_seconds: 10 }, retries: 2 },
      hosts: ['localhost'],
      bindings: { m: { host: 'localhost' } },
      eventIds: ['e1'],
    };
    const first = new Worker(url, prefix);
    await first.waitFor((o) => o.ready === true);
    const queue = new RedisActionQueue({ url, prefix });
    await queue.add([{ job: { request, attempt: 1 } }]);
    await first.waitFor((o) => o.kind === 'attempt_started');
    // Wait until the playbook has really started its work, then crash the worker.
    for (let i = 0; i < 200 && !existsSync(counter); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(counter, 'utf8')).toBe('started\n');
    await first.killHard();

    const second = new Worker(url, prefix);
    await second.waitFor((o) => o.ready === true);
    const finished = await second.waitFor((o) => o.kind === 'action_finished');
    expect(finished).toMatchObject({ key: request.dispatchKey, status: 'interrupted' });
    // Even with retries left, a playbook is not assumed safe to repeat.
    expect(readFileSync(counter, 'utf8')).toBe('started\n');
    await second.killHard();
    await queue.close();
  }, 60_000);
});
