/**
 * The README's "Connect Prometheus Alertmanager" walkthrough, followed for real (issue "Intake",
 * done-when: a new user follows the README, points a real Alertmanager at `autoheal run` and sees
 * the rule fire). The steps are taken from the README itself — the rulebook edit it shows, the
 * run command, the test alert of its curl line — and from the shipped
 * `examples/alertmanager/alertmanager.yml`, so the test fails when the README, the rulebook and the
 * example drift apart. Only what a test needs differs from the user's machine: autoheal's port
 * (free instead of 5050) and host (127.0.0.1), the token file's path, a unique ruleset name, and
 * the shared test Redis (the README's durable variant) instead of `--history-file`.
 * Real Alertmanager (Debian 0.25), real `autoheal run`, real ansible-playbook. Skipped only when
 * the alertmanager binary is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isMap, isSeq, parseDocument } from 'yaml';
import { findAlertmanager, startAlertmanagerWithConfig, type AlertmanagerServer, type PostableAlert } from '../support/alertmanager-server.js';
import { AUTOHEAL_BIN, EngineProcess } from '../support/intake-engine-process.js';
import { freePort } from '../support/redis-server.js';
import { until } from '../support/until.js';

const BINARY = findAlertmanager();
const TITLE =
  BINARY === undefined
    ? "the README's Alertmanager walkthrough (SKIPPED: prometheus-alertmanager is not installed; apt-get install prometheus-alertmanager)"
    : "the README's Alertmanager walkthrough";

const README = 'README.md';
const SECTION = '## Connect Prometheus Alertmanager';
const RULEBOOK = 'rulebooks/alertmanager-disk-full.yml';
const AM_EXAMPLE = 'examples/alertmanager/alertmanager.yml';
/** The README's run command, minus `--history-file` (the test uses the durable variant). */
const RUN_COMMAND = 'npx autoheal run -r rulebooks/alertmanager-disk-full.yml --vars examples/vars/autoheal.yml';
const RUN_ARGS = ['--vars', 'examples/vars/autoheal.yml'] as const;
const TOKEN_LINE = 'token_env: ALERTMANAGER_TOKEN';
const RULESET = 'Disk space';
const RULE = 'clean up a full filesystem';
const PLAYBOOK = 'playbooks/cleanup-disk.yml';
const RECEIVER = 'autoheal';
const EXAMPLE_URL = 'http://localhost:5050/alertmanager';
const STEP_TIMEOUT_MS = 20_000;

/** The README's walkthrough section, up to the next `## ` heading. */
function readmeSection(): string {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start === -1) throw new Error(`${README} has no "${SECTION}" section`);
  const end = readme.indexOf('\n## ', start + SECTION.length + 2);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The one fenced code block of the section that contains `needle` (fence line excluded). */
function codeBlock(section: string, needle: string): string {
  const blocks = [...section.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string).filter((b) => b.includes(needle));
  if (blocks.length !== 1) throw new Error(`${README} "${SECTION}": expected one code block with "${needle}", found ${blocks.length}`);
  return blocks[0] as string;
}

/** Replaces `from` by `to`, which must occur exactly once: a drifted text fails loudly. */
function replaceOnce(text: string, from: string, to: string, what: string): string {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${what}: expected "${from}" once, found it ${count} times (did ${RULEBOOK} or ${README} change?)`);
  return text.replace(from, () => to);
}

/**
 * The README's edit of the bundled rulebook: its block is the rulebook's source with the
 * `token_env` line inserted, so the block without that line must be in the rulebook verbatim.
 */
function applyReadmeEdit(rulebook: string, section: string): string {
  const after = codeBlock(section, TOKEN_LINE);
  const before = after
    .split('\n')
    .filter((line) => line.trim() !== TOKEN_LINE)
    .join('\n');
  if (before === after) throw new Error(`${README}: the rulebook block has no line "${TOKEN_LINE}" of its own`);
  return replaceOnce(rulebook, before, after, `${RULEBOOK} vs the block in ${README}`);
}

/** The alerts of the README's `curl … /api/v2/alerts … -d '[…]'` line. */
function readmeTestAlerts(section: string): PostableAlert[] {
  const block = codeBlock(section, '/api/v2/alerts');
  const body = /-d '([\s\S]*?)'/.exec(block)?.[1];
  if (body === undefined) throw new Error(`${README}: the test alert's curl line has no -d '…' body`);
  return JSON.parse(body) as PostableAlert[];
}

/**
 * The shipped Alertmanager config with the webhook URL's host:port and the credentials_file path
 * rewritten, nothing else; comments and layout kept.
 */
function alertmanagerConfigFor(example: string, autohealPort: number, tokenFile: string): { text: string; credentialsFile: string } {
  const doc = parseDocument(example);
  if (doc.errors.length > 0) throw new Error(`${AM_EXAMPLE}: ${doc.errors[0]?.message}`);
  const receivers = doc.get('receivers');
  const index = isSeq(receivers) ? receivers.items.findIndex((r) => isMap(r) && r.get('name') === RECEIVER) : -1;
  if (index === -1) throw new Error(`${AM_EXAMPLE}: no receiver "${RECEIVER}"`);
  const webhook = ['receivers', index, 'webhook_configs', 0];
  const urlPath = [...webhook, 'url'];
  const credentialsPath = [...webhook, 'http_config', 'authorization', 'credentials_file'];
  const url = doc.getIn(urlPath);
  const credentialsFile = doc.getIn(credentialsPath);
  if (url !== EXAMPLE_URL) throw new Error(`${AM_EXAMPLE}: the receiver's url is ${String(url)}, the README says ${EXAMPLE_URL}`);
  if (typeof credentialsFile !== 'string') throw new Error(`${AM_EXAMPLE}: the receiver has no http_config.authorization.credentials_file`);
  const rewritten = new URL(url);
  rewritten.host = `127.0.0.1:${autohealPort}`;
  doc.setIn(urlPath, rewritten.href);
  doc.setIn(credentialsPath, tokenFile);
  return { text: doc.toString(), credentialsFile };
}

/** `promise`, or a rejection naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type HistoryItem = Record<string, any>;

describe.skipIf(BINARY === undefined)(TITLE, () => {
  const redisUrl = inject('redisUrl');
  // A unique ruleset name per run: the shared Redis keeps queues, rule state (the rule's
  // 30-minute throttle) and history per ruleset name, so runs must not share one.
  const ruleset = `${RULESET} ${randomUUID()}`;
  // As `openssl rand -hex 32 > file`: hex, and the file ends with a newline, which
  // `export ALERTMANAGER_TOKEN=$(cat file)` strips and Alertmanager must ignore.
  const token = randomBytes(32).toString('hex');
  let section: string;
  let dir: string;
  let port: number;
  let exampleCredentialsFile: string;
  let engine: EngineProcess | undefined;
  let alertmanager: AlertmanagerServer | undefined;

  beforeAll(async () => {
    expect(existsSync(AUTOHEAL_BIN), `${AUTOHEAL_BIN} missing: run npm run build`).toBe(true);
    section = readmeSection();
    dir = mkdtempSync(join(tmpdir(), 'autoheal-am-readme-'));
    port = await freePort();

    // Step 2: the README's edit of the bundled rulebook, then what a test needs on top.
    let rulebook = applyReadmeEdit(readFileSync(RULEBOOK, 'utf8'), section);
    rulebook = replaceOnce(rulebook, `- name: ${RULESET}\n`, `- name: ${ruleset}\n`, RULEBOOK);
    rulebook = replaceOnce(rulebook, 'host: 0.0.0.0', 'host: 127.0.0.1', RULEBOOK);
    rulebook = replaceOnce(rulebook, 'port: 5050\n', `port: ${port}\n`, RULEBOOK);
    const rulebookFile = join(dir, 'alertmanager-disk-full.yml');
    writeFileSync(rulebookFile, rulebook);

    // Step 1: the token, in Alertmanager's credentials file and in autoheal's environment.
    const tokenFile = join(dir, 'autoheal.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });

    // Step 3: the shipped Alertmanager configuration, pointed at this autoheal and token file.
    const config = alertmanagerConfigFor(readFileSync(AM_EXAMPLE, 'utf8'), port, tokenFile);
    exampleCredentialsFile = config.credentialsFile;

    engine = new EngineProcess(rulebookFile, [...RUN_ARGS, '--redis-url', redisUrl], { ALERTMANAGER_TOKEN: token });
    const [listening, am] = await Promise.all([
      within(engine.listeningPort(), STEP_TIMEOUT_MS, 'autoheal to listen'),
      startAlertmanagerWithConfig(config.text, BINARY),
    ]);
    alertmanager = am;
    expect(listening).toBe(port);
  }, 2 * STEP_TIMEOUT_MS);

  afterAll(async () => {
    await alertmanager?.stop();
    await engine?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the commands and paths the test follows', () => {
    expect(section).toContain(RUN_COMMAND);
    expect(section).toContain(AM_EXAMPLE);
    expect(section).toContain(`url: ${EXAMPLE_URL}`);
    // The token file the README installs is the one the shipped config reads.
    expect(section).toContain(`~/autoheal.token ${exampleCredentialsFile}`);
    expect(section).toContain(PLAYBOOK);
  });

  it.skipIf(BINARY === undefined || !existsSync(join(dirname(BINARY), 'amtool')))('ships an alertmanager.yml that amtool check-config accepts', () => {
    const out = execFileSync(join(dirname(BINARY as string), 'amtool'), ['check-config', AM_EXAMPLE], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });

  it("runs the playbook for the README's test alert, sent by Alertmanager, and records it", async () => {
    const am = alertmanager as AlertmanagerServer;
    const autoheal = engine as EngineProcess;
    // Step 4: the README's test alert, into Alertmanager's v2 API.
    const alerts = readmeTestAlerts(section);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.labels).toMatchObject({ alertname: 'DiskAlmostFull', instance: 'localhost', mountpoint: '/tmp' });
    await am.postAlerts(alerts);

    // Step 5: what the user sees. Alertmanager delivered it (after group_wait) with the token...
    const accepted = await within(autoheal.waitForLog('webhook accepted'), STEP_TIMEOUT_MS, 'the "webhook accepted" log line');
    expect(accepted).toMatchObject({ ruleset, source: 'alertmanager', endpoint: 'alertmanager' });
    const sent = await within(
      am.waitForLog((l) => l.includes('msg="Notify success"') && l.includes(`receiver=${RECEIVER}`)),
      STEP_TIMEOUT_MS,
      "Alertmanager's Notify success",
    );
    expect(sent).toMatch(/integration=webhook/);

    // ...the rule fired and the playbook ran, as logged...
    const fired = await within(autoheal.waitForLog('rule fired', (r) => r.rule === RULE), STEP_TIMEOUT_MS, 'the "rule fired" log line');
    expect(fired).toMatchObject({ ruleset, actions: ['run_playbook'] });
    const finished = await within(autoheal.waitForLog('action finished', (r) => r.rule === RULE), STEP_TIMEOUT_MS, 'the "action finished" log line');
    expect(finished).toMatchObject({ ruleset, action: 'run_playbook', status: 'succeeded' });

    // ...and `autoheal history` (the built CLI, as a user runs it) has the finished run.
    const item = await until(
      'autoheal history to show the finished playbook run',
      () => {
        const run = spawnSync(process.execPath, [AUTOHEAL_BIN, 'history', '--json', '--redis-url', redisUrl, '--ruleset', ruleset], {
          encoding: 'utf8',
          timeout: 10_000,
        });
        if (run.status !== 0) throw new Error(`autoheal history exited ${run.status}: ${run.stderr}`);
        const { items } = JSON.parse(run.stdout) as { items: HistoryItem[] };
        return items.find((i) => i.rule === RULE && i.action === 'run_playbook' && i.status !== 'pending' && i.status !== 'running');
      },
      STEP_TIMEOUT_MS,
      200,
    );
    expect(item).toMatchObject({ ruleset, rule: RULE, action: 'run_playbook', host: 'localhost', status: 'succeeded', decision: { kind: 'fired' } });
    expect(item.attempts).toHaveLength(1);
    expect(item.attempts[0]).toMatchObject({ status: 'succeeded', rc: 0, summary: `playbook ${PLAYBOOK} succeeded (rc 0)` });
    // Safe to try, as the README says: with mountpoint /tmp the playbook changes nothing.
    expect(item.attempts[0].details.stats.localhost).toMatchObject({ changed: 0, failed: 0 });
    expect(item.attempts[0].outputTail).toContain('removed 0 old log files under /tmp');
    // The rule fired on the alert of the request Alertmanager delivered.
    expect(accepted.eventIds).toContain(item.event.eventId);
    expect(item.event.summary.fields).toMatchObject({ 'alert.labels.alertname': 'DiskAlmostFull', 'alert.status': 'firing', 'alert.labels.instance': 'localhost' });

    // Authenticated all along: no refusal, no unauthenticated warning, the token never logged.
    expect(autoheal.logRecords().filter((r) => r.msg === 'webhook request refused' || r.msg === 'webhook source accepts unauthenticated requests; configure a token')).toEqual([]);
    expect(autoheal.stderr.concat(autoheal.stdout).some((l) => l.includes(token))).toBe(false);
  });
});
