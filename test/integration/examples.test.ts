/**
 * The bundled examples keep working: every rulebook validates, each dry-run on its sample
 * events fires the rules the README promises, and the sample events are exactly what the
 * source normalizers make of the raw payloads next to them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/program.js';
import { normalizeGitlab } from '../../src/sources/index.js';

async function dryRun(argv: string[]): Promise<{ code: number; json: { events: Array<{ matches: Array<{ rule: string }>; held: Array<{ kind: string }> }> } }> {
  let stdout = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} };
  const code = await runCli([...argv, '--json'], io);
  return { code, json: JSON.parse(stdout) };
}

const fired = (json: Awaited<ReturnType<typeof dryRun>>['json']): string[][] => json.events.map((e) => e.matches.map((m) => m.rule));

describe('bundled examples', () => {
  it('every rulebook in rulebooks/ is valid', async () => {
    const files = readdirSync('rulebooks').filter((f) => f.endsWith('.yml')).map((f) => `rulebooks/${f}`);
    expect(files.length).toBeGreaterThanOrEqual(3);
    let out = '';
    const code = await runCli(['validate', ...files], { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {} });
    expect(out).not.toContain('invalid');
    expect(code).toBe(0);
  });

  it('Alertmanager disk full: cleans up when firing, logs when resolved', async () => {
    const { code, json } = await dryRun([
      'test', 'rulebooks/alertmanager-disk-full.yml',
      '--event', 'examples/events/alertmanager-disk-full.json', '--event', 'examples/events/alertmanager-disk-resolved.json',
    ]);
    expect(code).toBe(0);
    expect(fired(json)).toEqual([['clean up a full filesystem'], ['disk alert resolved']]);
  });

  it('GitLab rsyslog story: restarts once, throttles the resend, logs the close', async () => {
    const { json } = await dryRun(['test', 'rulebooks/gitlab-rsyslog.yml', '--events', 'examples/events/gitlab-rsyslog.jsonl', '--vars', 'examples/vars/autoheal.yml']);
    expect(fired(json)).toEqual([['restart rsyslog'], [], ['issue closed']]);
    expect(json.events[1]?.held.map((h) => h.kind)).toEqual(['throttled']);
  });

  it('Icinga: restarts on HARD CRITICAL only, logs the recovery', async () => {
    const { json } = await dryRun(['test', 'rulebooks/icinga-service-critical.yml', '--events', 'examples/events/icinga-service-critical.jsonl', '--vars', 'examples/vars/autoheal.yml']);
    expect(fired(json)).toEqual([[], ['restart a critical service'], ['service recovered']]);
  });

  it('the GitLab sample event is what the GitLab normalizer makes of the raw payload', () => {
    const payload = JSON.parse(readFileSync('examples/payloads/gitlab-issue-rsyslog.json', 'utf8')) as { headers: Record<string, string>; body: unknown };
    const result = normalizeGitlab({ endpoint: 'gitlab', headers: payload.headers, body: payload.body });
    expect(result.kind).toBe('accepted');
    const sample = JSON.parse(readFileSync('examples/events/gitlab-rsyslog.jsonl', 'utf8').split('\n').find((l) => l.startsWith('{')) ?? '{}') as {
      event: { meta: Record<string, unknown> };
    };
    const { source: _s, received_at: _r, uuid: _u, ...sampleMeta } = sample.event.meta;
    const normalized = result.kind === 'accepted' ? result.events[0]?.event : undefined;
    expect({ ...sample.event, meta: sampleMeta }).toEqual(normalized);
  });
});
