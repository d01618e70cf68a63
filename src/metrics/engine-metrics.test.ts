import { describe, expect, it } from 'vitest';
import type { DecisionKind } from '../rules/engine/index.js';
import { EngineMetrics, RuleDecision } from './engine-metrics.js';

/** The value of one sample line `name{labels} value` of the text format, undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const bare = (): EngineMetrics => new EngineMetrics({ defaultMetrics: false });

describe('EngineMetrics', () => {
  it('counts events received and deduplicated per ruleset and source', async () => {
    const m = bare();
    m.eventReceived('disk', 'am');
    m.eventReceived('disk', 'am', 3);
    m.eventReceived('web', 'hook');
    m.eventDeduplicated('disk', 'am', 2);
    m.eventDeduplicated('disk', 'am', 0);
    const text = await m.metrics();
    expect(sample(text, 'autoheal_events_received_total{ruleset="disk",source="am"}')).toBe(4);
    expect(sample(text, 'autoheal_events_received_total{ruleset="web",source="hook"}')).toBe(1);
    expect(sample(text, 'autoheal_events_deduplicated_total{ruleset="disk",source="am"}')).toBe(2);
    expect(text).toContain('# TYPE autoheal_events_received_total counter');
  });

  it('counts webhook requests by HTTP status', async () => {
    const m = bare();
    m.webhookRequest('am', 202);
    m.webhookRequest('am', 202);
    m.webhookRequest('am', 401);
    const text = await m.metrics();
    expect(sample(text, 'autoheal_webhook_requests_total{source="am",status="202"}')).toBe(2);
    expect(sample(text, 'autoheal_webhook_requests_total{source="am",status="401"}')).toBe(1);
  });

  it('counts rule matches, decisions and circuit breaker trips', async () => {
    const m = bare();
    m.ruleMatched('disk', 'clean tmp');
    m.ruleDecision('disk', 'clean tmp', RuleDecision.Throttled);
    m.ruleDecision('disk', 'clean tmp', RuleDecision.Throttled);
    m.ruleDecision('disk', 'grow', RuleDecision.Expired);
    m.circuitBreakerOpened('clean tmp');
    const text = await m.metrics();
    expect(sample(text, 'autoheal_rule_matches_total{ruleset="disk",rule="clean tmp"}')).toBe(1);
    expect(sample(text, 'autoheal_rule_decisions_total{ruleset="disk",rule="clean tmp",decision="throttled"}')).toBe(2);
    expect(sample(text, 'autoheal_rule_decisions_total{ruleset="disk",rule="grow",decision="expired"}')).toBe(1);
    expect(sample(text, 'autoheal_circuit_breaker_open_total{rule="clean tmp"}')).toBe(1);
  });

  it('escapes label values from rulebooks', async () => {
    const m = bare();
    m.ruleMatched('r', 'say "hi"\\now');
    expect(await m.metrics()).toContain('autoheal_rule_matches_total{ruleset="r",rule="say \\"hi\\"\\\\now"} 1');
  });

  it('counts actions by status and observes their duration in seconds', async () => {
    const m = bare();
    m.actionFinished('run_playbook', 'succeeded', 4_000);
    m.actionFinished('run_playbook', 'failed', 900_000);
    m.actionFinished('notify', 'skipped');
    const text = await m.metrics();
    expect(sample(text, 'autoheal_actions_total{action="run_playbook",status="succeeded"}')).toBe(1);
    expect(sample(text, 'autoheal_actions_total{action="run_playbook",status="failed"}')).toBe(1);
    expect(sample(text, 'autoheal_actions_total{action="notify",status="skipped"}')).toBe(1);
    expect(sample(text, 'autoheal_action_duration_seconds_count{action="run_playbook"}')).toBe(2);
    expect(sample(text, 'autoheal_action_duration_seconds_sum{action="run_playbook"}')).toBe(904);
    expect(sample(text, 'autoheal_action_duration_seconds_bucket{le="5",action="run_playbook"}')).toBe(1);
    expect(sample(text, 'autoheal_action_duration_seconds_bucket{le="600",action="run_playbook"}')).toBe(1);
    expect(sample(text, 'autoheal_action_duration_seconds_bucket{le="1200",action="run_playbook"}')).toBe(2);
    expect(sample(text, 'autoheal_action_duration_seconds_bucket{le="3600",action="run_playbook"}')).toBe(2);
    // A skipped action never ran: no duration observed.
    expect(sample(text, 'autoheal_action_duration_seconds_count{action="notify"}')).toBeUndefined();
  });

  it('asks the queues for their depth at each scrape', async () => {
    const m = bare();
    let depths: Record<string, number> = { 'autoheal:disk': 3, 'autoheal:actions': 0 };
    m.watchQueueDepths(async () => depths);
    let text = await m.metrics();
    expect(text).toContain('# TYPE autoheal_queue_depth gauge');
    expect(sample(text, 'autoheal_queue_depth{queue="autoheal:disk"}')).toBe(3);
    expect(sample(text, 'autoheal_queue_depth{queue="autoheal:actions"}')).toBe(0);
    depths = { 'autoheal:disk': 7 };
    text = await m.metrics();
    expect(sample(text, 'autoheal_queue_depth{queue="autoheal:disk"}')).toBe(7);
    expect(sample(text, 'autoheal_queue_depth{queue="autoheal:actions"}')).toBeUndefined();
  });

  it('drops the queue depth, reports the error and still answers when the queues fail', async () => {
    const errors: unknown[] = [];
    const m = new EngineMetrics({ defaultMetrics: false, onCollectError: (err) => errors.push(err) });
    let fail = false;
    m.watchQueueDepths(async () => {
      if (fail) throw new Error('redis down');
      return { q: 2 };
    });
    expect(sample(await m.metrics(), 'autoheal_queue_depth{queue="q"}')).toBe(2);
    fail = true;
    m.eventReceived('r', 's');
    const text = await m.metrics();
    expect(sample(text, 'autoheal_queue_depth{queue="q"}')).toBeUndefined();
    expect(sample(text, 'autoheal_events_received_total{ruleset="r",source="s"}')).toBe(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('redis down');
  });

  it('bounds a queue-depth question that never answers', async () => {
    const errors: unknown[] = [];
    const m = new EngineMetrics({ defaultMetrics: false, queueDepthTimeoutMs: 5, onCollectError: (err) => errors.push(err) });
    m.watchQueueDepths(() => new Promise(() => undefined));
    const text = await m.metrics();
    expect(sample(text, 'autoheal_queue_depth{queue="q"}')).toBeUndefined();
    expect((errors[0] as Error).message).toMatch(/no answer within 5 ms/);
  });

  it('keeps each engine in its own registry, so two engines do not clash', async () => {
    const a = new EngineMetrics();
    const b = new EngineMetrics();
    a.ruleMatched('r', 'x');
    expect(sample(await a.metrics(), 'autoheal_rule_matches_total{ruleset="r",rule="x"}')).toBe(1);
    expect(sample(await b.metrics(), 'autoheal_rule_matches_total{ruleset="r",rule="x"}')).toBeUndefined();
  });

  it('includes the default process metrics unless turned off', async () => {
    expect(await new EngineMetrics().metrics()).toMatch(/^process_cpu_seconds_total /m);
    expect(await bare().metrics()).not.toMatch(/^process_cpu_seconds_total /m);
  });

  it('uses the Prometheus text content type', () => {
    expect(bare().contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('rejects a bad queue-depth timeout', () => {
    expect(() => new EngineMetrics({ queueDepthTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'AH_API_CONFIG_INVALID' }));
  });

  it('has the same decision values as the rules engine', () => {
    // A value added on either side makes this a type error.
    const same: [RuleDecision] extends [DecisionKind] ? ([DecisionKind] extends [RuleDecision] ? true : false) : false = true;
    expect(same).toBe(true);
    expect(Object.values(RuleDecision).sort()).toEqual(['accumulating', 'collecting', 'expired', 'throttled', 'watching']);
  });
});
