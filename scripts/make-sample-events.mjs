import { readFileSync, writeFileSync } from 'node:fs';
// Regenerates examples/events/*.jsonl from the raw payloads in examples/payloads/ through the
// real source normalizers, so the sample events are exactly what intake would produce.
// Run after `npm run build`: node scripts/make-sample-events.mjs
import { fileURLToPath } from 'node:url';
import { normalizeGitlab, normalizeIcingaEvent, insertMeta } from '../dist/src/sources/index.js';
const root = fileURLToPath(new URL('..', import.meta.url));
let n = 0;
const newId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const at = (ms) => ({ now: () => ms });
const T0 = Date.UTC(2026, 10, 21, 22, 50, 39);
const p = JSON.parse(readFileSync(root + 'examples/payloads/gitlab-issue-rsyslog.json', 'utf8'));
const gl = (body, headers, ms) => insertMeta(normalizeGitlab({ endpoint: 'gitlab', headers, body }).events[0].event, { sourceName: 'gitlab', sourceType: 'autoheal.gitlab' }, { clock: at(ms), newId });
const opened = gl(p.body, p.headers, T0);
const closedBody = structuredClone(p.body);
Object.assign(closedBody.object_attributes, { action: 'close', state: 'closed', updated_at: '2026-11-21T23:20:39Z', closed_at: '2026-11-21T23:20:39Z' });
closedBody.user = { id: 7, name: 'Oncall', username: 'oncall', avatar_url: null, email: '[REDACTED]' };
const closed = gl(closedBody, { ...p.headers, 'X-Gitlab-Event-UUID': '9d2e7c11-5f3a-4b8e-a1c4-2e6f0b7d9a33', 'Idempotency-Key': 'b7e4c2a9-0d1f-4e6b-9c8a-5f3d2e1a0b47' }, T0 + 30 * 60_000);
const lines = [
  '# The monitoring opens "rsyslog is down on web01"; GitLab sends the same hook again two minutes',
  '# later (a manual resend); the on-call engineer closes the issue half an hour later.',
  JSON.stringify({ event: opened }),
  JSON.stringify({ at: '+2m', event: opened }),
  JSON.stringify({ at: '+28m', event: closed }),
];
writeFileSync(root + 'examples/events/gitlab-rsyslog.jsonl', lines.join('\n') + '\n');
const raw = JSON.parse(readFileSync(root + 'examples/payloads/icinga-statechange-http-critical.json', 'utf8'));
const ic = (obj, ms) => insertMeta(normalizeIcingaEvent(obj).events[0].event, { sourceName: 'icinga', sourceType: 'autoheal.icinga' }, { clock: at(ms), newId });
const T1 = Math.round(raw.timestamp * 1000);
const soft = structuredClone(raw); soft.state_type = 0; soft.check_result.vars_after.state_type = 0; soft.check_result.execution_end -= 60; soft.timestamp -= 60;
const ok = structuredClone(raw); ok.state = 0; ok.check_result.state = 0; ok.check_result.output = 'HTTP OK - 200'; ok.check_result.vars_after.state = 0; ok.check_result.execution_end += 300; ok.timestamp += 300;
writeFileSync(root + 'examples/events/icinga-service-critical.jsonl', [
  '# http on web01: SOFT CRITICAL, then HARD CRITICAL a minute later, then OK five minutes after.',
  JSON.stringify({ event: ic(soft, T1 - 60_000) }),
  JSON.stringify({ at: '+1m', event: ic(raw, T1) }),
  JSON.stringify({ at: '+5m', event: ic(ok, T1 + 300_000) }),
].join('\n') + '\n');
