import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RulebookError, formatProblem } from '../../core/index.js';
import { parseCondition, type FieldRef } from '../condition/index.js';
import { loadRulebook, parseRulebook } from './load-rulebook.js';
import type { Rulebook } from './types.js';

const VARS = { team: 'ops', service: { name: 'rsyslog' }, level: 'high', limit: 5, verbosity: 2 };

/** The expression the condition parser gives for `text`: what the loader must carry unchanged. */
function cond(text: string): ReturnType<typeof parseCondition>['expr'] {
  return parseCondition(text, { vars: VARS }).expr;
}

/** A `group_by_attributes` entry as the loader must parse it: a field reference. */
function field(text: string): FieldRef {
  const expr = cond(text);
  if (expr.kind !== 'field') throw new Error(`${text} is not a field path`);
  return expr;
}

function at(line: number, col: number, file = 'valid.yml'): { file: string; line: number; col: number } {
  return { file, line, col };
}

const VALID = `---
- name: Remediate {{ team }}
  hosts: all
  gather_facts: yes
  default_events_ttl: 30 minutes
  execution_strategy: parallel
  match_multiple_rules: true
  sources:
    - name: am
      ansible.eda.alertmanager:
        host: 0.0.0.0
        port: 5050
      filters:
        - ansible.eda.json_filter:
            exclude_keys: [password]
        - eda.builtin.dashes_to_underscores:
    - range:
        limit: "{{ limit }}"
  rules:
    - name: restart {{ service.name }}
      condition: event.alert.labels.service == "rsyslog"
      throttle:
        once_within: 5 minutes
        group_by_attributes:
          - event.meta.hosts
          - alert.labels.alertname
      action:
        run_playbook:
          name: playbooks/restart.yml
          verbosity: "{{ verbosity }}"
          extra_vars: &common
            team: ops
          retries: 2
          delay: 1.5
    - name: always
      condition: true
      actions:
        - print_event:
        - debug:
            msg: [one, two]
        - set_fact:
            fact:
              <<: *common
              seen: y
    - name: pair
      condition:
        all:
          - events.first << event.i == 1
          - event.i == 2
        timeout: 10 seconds
      action:
        none:
    - name: one of
      condition:
        any:
          - event.i == 3
      throttle:
        accumulate_within: 1 hour
        threshold: 3
        group_by_attributes: []
      action:
        post_event:
          event: {i: 4}
    - name: silence
      enabled: false
      condition: event.i == 5
      action:
        shutdown:
    - name: heartbeat lost
      condition:
        not_all:
          - event.beat == 1
          - event.beat == 2
        timeout: 500 milliseconds
      action:
        shutdown:
          delay: 0
          kind: now
- name: second
  hosts: localhost
  sources:
    - generic:
  rules:
    - name: late
      condition: event.x == vars.level
      throttle:
        once_after: 2 days
        group_by_attributes: [event.host]
      action:
        debug:
          var: event.x
`;

describe('parseRulebook: a valid rulebook using every feature', () => {
  const rulebook = parseRulebook(VALID, 'valid.yml', { vars: VARS });

  it('produces the exact domain object, defaults applied', () => {
    const expected: Rulebook = {
      file: 'valid.yml',
      rulesets: [
        {
          name: 'Remediate ops',
          hosts: 'all',
          gatherFacts: true,
          defaultEventsTtlMs: 30 * 60 * 1000,
          executionStrategy: 'parallel',
          matchMultipleRules: true,
          disabledRuleCount: 1,
          position: at(2, 3),
          sources: [
            {
              name: 'am',
              plugin: 'ansible.eda.alertmanager',
              canonicalPlugin: 'ansible.eda.alertmanager',
              args: { host: '0.0.0.0', port: 5050 },
              filters: [
                {
                  name: 'ansible.eda.json_filter',
                  canonicalName: 'eda.builtin.json_filter',
                  args: { exclude_keys: ['password'] },
                  position: at(14, 11),
                },
                {
                  name: 'eda.builtin.dashes_to_underscores',
                  canonicalName: 'eda.builtin.dashes_to_underscores',
                  args: {},
                  position: at(16, 11),
                },
              ],
              position: at(9, 7),
            },
            {
              name: 'range',
              plugin: 'range',
              canonicalPlugin: 'eda.builtin.range',
              args: { limit: '{{ limit }}' },
              filters: [],
              position: at(17, 7),
            },
          ],
          rules: [
            {
              name: 'restart rsyslog',
              position: at(20, 7),
              condition: {
                kind: 'all',
                single: true,
                patterns: [
                  {
                    binding: 'm',
                    text: 'event.alert.labels.service == "rsyslog"',
                    expr: cond('event.alert.labels.service == "rsyslog"'),
                    position: at(21, 18),
                  },
                ],
              },
              throttle: {
                kind: 'once_within',
                windowMs: 5 * 60 * 1000,
                windowText: '5 minutes',
                groupBy: [field('event.meta.hosts'), field('event.alert.labels.alertname')],
                groupByText: ['event.meta.hosts', 'alert.labels.alertname'],
              },
              actions: [
                {
                  name: 'run_playbook',
                  args: {
                    name: 'playbooks/restart.yml',
                    verbosity: '{{ verbosity }}',
                    extra_vars: { team: 'ops' },
                    retries: 2,
                    delay: 1.5,
                  },
                  position: at(28, 9),
                },
              ],
            },
            {
              name: 'always',
              position: at(35, 7),
              condition: {
                kind: 'all',
                single: true,
                patterns: [{ binding: 'm', text: 'True', expr: cond('True'), position: at(36, 18) }],
              },
              actions: [
                { name: 'print_event', args: {}, position: at(38, 11) },
                { name: 'debug', args: { msg: ['one', 'two'] }, position: at(39, 11) },
                { name: 'set_fact', args: { fact: { team: 'ops', seen: 'y' } }, position: at(41, 11) },
              ],
            },
            {
              name: 'pair',
              position: at(45, 7),
              condition: {
                kind: 'all',
                single: false,
                timeoutMs: 10_000,
                patterns: [
                  {
                    binding: 'first',
                    text: 'events.first << event.i == 1',
                    expr: cond('events.first << event.i == 1'),
                    position: at(48, 13),
                  },
                  { binding: 'm_1', text: 'event.i == 2', expr: cond('event.i == 2'), position: at(49, 13) },
                ],
              },
              actions: [{ name: 'none', args: {}, position: at(52, 9) }],
            },
            {
              name: 'one of',
              position: at(53, 7),
              condition: {
                kind: 'any',
                single: false,
                patterns: [{ binding: 'm', text: 'event.i == 3', expr: cond('event.i == 3'), position: at(56, 13) }],
              },
              throttle: {
                kind: 'accumulate_within',
                windowMs: 60 * 60 * 1000,
                windowText: '1 hour',
                threshold: 3,
                groupBy: [],
                groupByText: [],
              },
              actions: [{ name: 'post_event', args: { event: { i: 4 } }, position: at(62, 9) }],
            },
            {
              name: 'heartbeat lost',
              position: at(69, 7),
              condition: {
                kind: 'not_all',
                single: false,
                timeoutMs: 500,
                patterns: [
                  { binding: 'm_0', text: 'event.beat == 1', expr: cond('event.beat == 1'), position: at(72, 13) },
                  { binding: 'm_1', text: 'event.beat == 2', expr: cond('event.beat == 2'), position: at(73, 13) },
                ],
              },
              actions: [{ name: 'shutdown', args: { delay: 0, kind: 'now' }, position: at(76, 9) }],
            },
          ],
        },
        {
          name: 'second',
          hosts: 'localhost',
          gatherFacts: false,
          defaultEventsTtlMs: 2 * 60 * 60 * 1000,
          executionStrategy: 'sequential',
          matchMultipleRules: false,
          disabledRuleCount: 0,
          position: at(79, 3),
          sources: [
            { name: 'generic', plugin: 'generic', canonicalPlugin: 'eda.builtin.generic', args: {}, filters: [], position: at(82, 7) },
          ],
          rules: [
            {
              name: 'late',
              position: at(84, 7),
              condition: {
                kind: 'all',
                single: true,
                patterns: [
                  { binding: 'm', text: 'event.x == vars.level', expr: cond('event.x == vars.level'), position: at(85, 18) },
                ],
              },
              throttle: {
                kind: 'once_after',
                windowMs: 2 * 24 * 60 * 60 * 1000,
                windowText: '2 days',
                groupBy: [field('event.host')],
                groupByText: ['event.host'],
              },
              actions: [{ name: 'debug', args: { var: 'event.x' }, position: at(90, 9) }],
            },
          ],
        },
      ],
    };
    expect(rulebook).toEqual(expected);
  });

  it('parses group_by_attributes into field references', () => {
    const throttle = rulebook.rulesets[0]!.rules[0]!.throttle!;
    expect(throttle.groupBy.map((f) => [f.kind, f.root, f.path])).toEqual([
      ['field', 'event', ['meta', 'hosts']],
      ['field', 'event', ['alert', 'labels', 'alertname']],
    ]);
  });

  it('lets the CLI choose the default execution strategy', () => {
    const parsed = parseRulebook(VALID, 'valid.yml', { vars: VARS, defaultExecutionStrategy: 'parallel' });
    expect(parsed.rulesets.map((r) => r.executionStrategy)).toEqual(['parallel', 'parallel']);
  });
});

/** Joins lines so that line N of the rulebook is element N-1: positions in the tests stay readable. */
function lines(...text: string[]): string {
  return `${text.join('\n')}\n`;
}

/** The problems the loader reports for `text`, formatted `file:line:col: message`. */
function problems(text: string, vars: Record<string, unknown> = {}): string[] {
  try {
    parseRulebook(text, 'bad.yml', { vars });
  } catch (err) {
    expect(err).toBeInstanceOf(RulebookError);
    expect((err as RulebookError).code).toBe(ErrorCode.RulebookInvalid);
    return (err as RulebookError).problems.map(formatProblem);
  }
  throw new Error('expected the rulebook to be rejected');
}

/** A ruleset header with one source, so each case only writes its rules. */
const HEAD = ['- name: Demo', '  hosts: all', '  sources:', '    - range:', '        limit: 1', '  rules:'];

describe('parseRulebook: broken rulebooks', () => {
  it('reports a YAML syntax error at yaml\'s position', () => {
    expect(problems(lines(...HEAD, '    - name: r', '      condition: "event.i == 1', '      action:'))).toEqual([
      'bad.yml:10:1: invalid YAML: Missing closing "quote',
    ]);
  });

  it('reports duplicate keys as YAML errors', () => {
    expect(problems(lines('- name: Demo', '  hosts: all', '  name: Again'))).toEqual([
      'bad.yml:3:3: duplicate key "name"; keys must be unique in a mapping',
    ]);
  });

  it('refuses tags PyYAML safe_load refuses', () => {
    expect(problems(lines('- name: !!python/name:os.system Demo'))).toEqual([
      'bad.yml:1:9: Unresolved tag: tag:yaml.org,2002:python/name:os.system; only standard YAML tags and !vault are allowed',
    ]);
  });

  it('requires a list of rulesets', () => {
    expect(problems('')).toEqual(['bad.yml:1:1: the rulebook is empty; expected a list of rulesets']);
    expect(problems(lines('name: Demo', 'hosts: all'))).toEqual([
      'bad.yml:1:1: a rulebook must be a list of rulesets, found a mapping',
    ]);
  });

  it('reports an unknown ruleset key with a suggestion, and no "missing" for the key it misspells', () => {
    expect(
      problems(lines('- name: Demo', '  hots: all', '  sources:', '    - range:', '  rules: []', '  colour: blue')),
    ).toEqual([
      'bad.yml:2:3: unknown key "hots" in ruleset "Demo"; did you mean "hosts"?',
      'bad.yml:6:3: unknown key "colour" in ruleset "Demo"; expected one of name, hosts, sources, rules, gather_facts, default_events_ttl, execution_strategy, match_multiple_rules',
    ]);
  });

  it('reports a misspelled rule key', () => {
    expect(
      problems(lines(...HEAD, '    - name: restart rsyslog', '      conditon: event.i == 1', '      action:', '        none:')),
    ).toEqual(['bad.yml:8:7: unknown key "conditon" in rule "restart rsyslog"; did you mean "condition"?']);
  });

  it('reports an unknown action with a suggestion and the list of actions', () => {
    expect(
      problems(lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      action:', '        run_playbok:', '          name: x.yml')),
    ).toEqual([
      expect.stringMatching(
        /^bad\.yml:10:9: unknown action "run_playbok"; did you mean "run_playbook"\? expected one of run_playbook, run_module, run_job_template, run_workflow_template, post_event, set_fact, retract_fact, print_event, debug, none, shutdown, /,
      ),
    ]);
  });

  it('names pg_notify as removed', () => {
    expect(problems(lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      action:', '        pg_notify:'))).toEqual([
      'bad.yml:10:9: action "pg_notify" was removed from ansible-rulebook after v1.3.0 and is not supported; use post_event, or a run_playbook that sends the notification',
    ]);
  });

  it('validates action arguments: wrong type, unknown argument, missing required name', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition: event.i == 1',
          '      actions:',
          '        - run_playbook:',
          '            verbosity: high',
          '            extra_vars: [a]',
          '        - run_playbook:',
          '            name: x.yml',
          '            colour: blue',
          '            retries: -1',
          '        - shutdown:',
          '            kind: later',
          '        - debug:',
          '            msg: hi',
          '            var: event.i',
        ),
      ),
    ).toEqual([
      'bad.yml:10:11: missing required argument "name" for run_playbook',
      'bad.yml:11:24: argument "verbosity" of run_playbook must be an integer, found a string',
      'bad.yml:12:25: argument "extra_vars" of run_playbook must be a mapping, found a list',
      'bad.yml:15:13: unknown argument "colour" for run_playbook; expected one of name, extra_vars, verbosity, json_mode, copy_files, retry, retries, delay, set_facts, post_events, ruleset, var_root, lock, retry_backoff, max_retry_delay, timeout, lock_mode, lock_wait, on_failure, circuit_breaker',
      'bad.yml:16:22: argument "retries" of run_playbook must be >= 0, found -1',
      'bad.yml:18:19: argument "kind" of shutdown must be one of "graceful", "now", found "later"',
      'bad.yml:21:13: debug takes either "msg" or "var", not both',
    ]);
  });

  it('says a misspelled required argument once', () => {
    expect(
      problems(lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      action:', '        run_playbook:', '          nmae: x.yml')),
    ).toEqual(['bad.yml:11:11: unknown argument "nmae" for run_playbook; did you mean "name"?']);
  });

  it('accepts templates and vault values wherever a value is expected, and null arguments', () => {
    const rulebook = parseRulebook(
      lines(
        ...HEAD,
        '    - name: r',
        '      condition: event.i == 1',
        '      actions:',
        '        - run_playbook:',
        '            name: x.yml',
        '            verbosity: "{{ event.v }}"',
        '            extra_vars: "{{ event.vars }}"',
        '            lock: !vault |',
        '              $ANSIBLE_VAULT;1.1;AES256',
        '        - print_event:',
        '        - none:',
        '        - shutdown:',
      ),
      'ok.yml',
    );
    expect(rulebook.rulesets[0]!.rules[0]!.actions.map((a) => [a.name, a.args])).toEqual([
      [
        'run_playbook',
        {
          name: 'x.yml',
          verbosity: '{{ event.v }}',
          extra_vars: '{{ event.vars }}',
          lock: { __vault__: '$ANSIBLE_VAULT;1.1;AES256\n' },
        },
      ],
      ['print_event', {}],
      ['none', {}],
      ['shutdown', {}],
    ]);
  });

  it('rejects arguments that are not a mapping', () => {
    expect(problems(lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      action:', '        debug: hello'))).toEqual([
      'bad.yml:10:16: arguments of debug must be a mapping (or nothing), found a string',
    ]);
  });

  it('requires exactly one of action and actions', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: both',
          '      condition: event.i == 1',
          '      action:',
          '        none:',
          '      actions:',
          '        - debug:',
          '            colour: red',
          '    - name: neither',
          '      condition: event.i == 1',
        ),
      ),
    ).toEqual([
      'bad.yml:11:7: rule "both" needs exactly one of "action" or "actions", found both',
      'bad.yml:13:13: unknown argument "colour" for debug; expected one of msg, var',
      'bad.yml:14:7: rule "neither" needs exactly one of "action" or "actions", found neither',
    ]);
  });

  it('reports an action entry with two keys', () => {
    expect(
      problems(lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      actions:', '        - debug:', '          none:')),
    ).toEqual([
      'bad.yml:11:11: an action must have exactly one key (the action name), found 2: "debug", "none"; put each action in its own list item under "actions"',
    ]);
  });

  it('reports duplicate rule and ruleset names', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition: event.i == 1',
          '      action: {none: }',
          '    - name: r',
          '      enabled: false',
          '      condition: event.i == 2',
          '      action: {none: }',
          '- name: Demo',
          '  hosts: all',
          '  sources: [range: ]',
          '  rules: []',
        ),
      ),
    ).toEqual([
      'bad.yml:10:13: duplicate rule name "r" in ruleset "Demo"; it is already used at line 7',
      'bad.yml:14:9: duplicate ruleset name "Demo"; it is already used at line 1',
    ]);
  });

  it('compares rendered rule names for duplicates', () => {
    expect(
      problems(
        lines(...HEAD, '    - name: fix {{ what }}', '      condition: event.i == 1', '      action: {none: }', '    - name: fix disk', '      condition: event.i == 2', '      action: {none: }'),
        { what: 'disk' },
      ),
    ).toEqual(['bad.yml:10:13: duplicate rule name "fix disk" in ruleset "Demo"; it is already used at line 7']);
  });

  it('reports blank and missing names', () => {
    expect(
      problems(
        lines(
          '- name: "  "',
          '  hosts: all',
          '  sources: [range: ]',
          '  rules:',
          '    - name: ""',
          '      condition: event.i == 1',
          '      action: {none: }',
          '    - condition: event.i == 1',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      'bad.yml:1:9: the name of ruleset #1 must not be blank',
      'bad.yml:5:13: the name of rule #1 of ruleset #1 must not be blank',
      'bad.yml:8:7: rule #2 of ruleset #1 needs a "name"',
    ]);
  });

  it('reports an undefined variable in a rule name', () => {
    expect(problems(lines(...HEAD, '    - name: fix {{ what }}', '      condition: event.i == 1', '      action: {none: }'))).toEqual([
      `bad.yml:7:13: cannot render name "fix {{ what }}": 'what' is undefined (in "what" at offset 7); names are rendered at load, with --vars and --env-vars only`,
    ]);
  });

  it('requires group_by_attributes on a throttle, and a threshold with accumulate_within', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition: event.i == 1',
          '      throttle:',
          '        once_within: 5 minutes',
          '      action: {none: }',
          '    - name: s',
          '      condition: event.i == 1',
          '      throttle:',
          '        accumulate_within: 5 minutes',
          '        group_by_attributes: [event.host]',
          '      action: {none: }',
          '    - name: t',
          '      condition: event.i == 1',
          '      throttle:',
          '        once_after: 1 minute',
          '        threshold: 2',
          '        group_by_attributes: [event.host]',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      'bad.yml:9:7: the throttle of rule "r" needs "group_by_attributes" (a list of event fields, such as [event.meta.hosts]; use [] for one group)',
      'bad.yml:15:9: "accumulate_within" needs a "threshold" (in rule "s")',
      'bad.yml:22:9: "threshold" is only allowed with "accumulate_within" (in the throttle of rule "t")',
    ]);
  });

  it('allows a throttle only on a single-condition rule', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition:',
          '        all: [event.i == 1, event.i == 2]',
          '      throttle:',
          '        once_within: 5 minutes',
          '        group_by_attributes: [event.host]',
          '      action: {none: }',
        ),
      ),
    ).toEqual(['bad.yml:10:7: "throttle" is only allowed on a rule with a single condition; rule "r" has 2 under "all"']);
  });

  it('reports bad time strings', () => {
    expect(
      problems(
        lines(
          '- name: Demo',
          '  hosts: all',
          '  default_events_ttl: 100 milliseconds',
          '  sources: [range: ]',
          '  rules:',
          '    - name: r',
          '      condition:',
          '        all: [event.i == 1, event.i == 2]',
          '        timeout: 10s',
          '      action: {none: }',
          '    - name: s',
          '      condition: event.i == 1',
          '      throttle:',
          '        once_within: 5',
          '        group_by_attributes: []',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      'bad.yml:3:23: "default_events_ttl" in ruleset "Demo" must be a number, one space and a unit such as "10 seconds" (units: seconds, minutes, hours, days), found "100 milliseconds" (milliseconds are not allowed here)',
      'bad.yml:9:18: "timeout" in the condition of rule "r" must be a number, one space and a unit such as "10 seconds" (units: milliseconds, seconds, minutes, hours, days), found "10s"',
      'bad.yml:14:22: "once_within" in the throttle of rule "s" must be a number, one space and a unit such as "10 seconds" (units: milliseconds, seconds, minutes, hours, days), found an integer',
    ]);
  });

  it('checks the timeout rules of all, any and not_all', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition:',
          '        any: [event.i == 1]',
          '        timeout: 1 second',
          '      action: {none: }',
          '    - name: s',
          '      condition:',
          '        not_all: [event.i == 1, event.i == 2]',
          '      action: {none: }',
          '    - name: t',
          '      condition:',
          '        all: [event.i == 1]',
          '        any: [event.i == 2]',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      'bad.yml:10:9: "timeout" is not allowed with "any" (in rule "r"); only "all" and "not_all" take one',
      'bad.yml:14:9: "not_all" needs a "timeout" (in rule "s"), such as "timeout: 10 seconds"',
      'bad.yml:19:9: the condition of rule "t" has both "all" and "any"; use exactly one',
    ]);
  });

  it('points a condition syntax error at its column, however the condition is quoted', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: plain',
          '      condition: event.i == 1 and event.j === 2',
          '      action: {none: }',
          '    - name: double quoted',
          '      condition: "event.s == \\"a\\tb\\" and event.j === 2"',
          '      action: {none: }',
          '    - name: single quoted',
          "      condition: 'event.s == ''x'' and event.j === 2'",
          '      action: {none: }',
          '    - name: literal block',
          '      condition: |',
          '        event.i == 1 and',
          '        event.j === 2',
          '      action: {none: }',
          '    - name: folded block',
          '      condition: >-',
          '        event.i == 1 and',
          '          event.j === 2',
          '      action: {none: }',
          '    - name: in a list',
          '      condition:',
          '        any:',
          '          - event.i == 1',
          '          - event.j === 2',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      // Each column is that of the third "=" of "===".
      'bad.yml:8:45: the condition of rule "plain": expected a value, found "=" (use == to compare)',
      'bad.yml:11:53: the condition of rule "double quoted": expected a value, found "=" (use == to compare)',
      'bad.yml:14:50: the condition of rule "single quoted": expected a value, found "=" (use == to compare)',
      'bad.yml:19:19: the condition of rule "literal block": expected a value, found "=" (use == to compare)',
      'bad.yml:24:21: the condition of rule "folded block": expected a value, found "=" (use == to compare)',
      'bad.yml:30:23: the condition of rule "in a list": expected a value, found "=" (use == to compare)',
    ]);
  });

  it('reports a vars. key that was not given, at the reference', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition:',
          '        all:',
          '          - event.i == vars.threshold',
          '          - event.j == vars.given',
          '      action: {none: }',
        ),
        { given: 1 },
      ),
    ).toEqual([
      'bad.yml:10:24: the condition of rule "r": vars does not contain key: threshold; pass it with --vars or --env-vars',
    ]);
  });

  it('substitutes vars into conditions', () => {
    const rulebook = parseRulebook(lines(...HEAD, '    - name: r', '      condition: event.i == vars.n', '      action: {none: }'), 'v.yml', {
      vars: { n: 7 },
    });
    expect(rulebook.rulesets[0]!.rules[0]!.condition.patterns[0]!.expr).toMatchObject({
      kind: 'binary',
      op: '==',
      right: { kind: 'literal', value: 7 },
    });
  });

  it('renders {{ }} in condition string literals and in names with vars', () => {
    const rulebook = parseRulebook(
      lines(...HEAD, '    - name: "{{ n }}"', '      condition: event.host == "{{ host }}"', '      action: {none: }'),
      'v.yml',
      { vars: { n: 5, host: 'web1' } },
    );
    const rule = rulebook.rulesets[0]!.rules[0]!;
    expect(rule.name).toBe('5');
    expect(rule.condition.patterns[0]!.expr).toMatchObject({ right: { kind: 'literal', value: 'web1' } });
  });

  it('requires group_by_attributes entries to be field paths', () => {
    expect(
      problems(
        lines(
          ...HEAD,
          '    - name: r',
          '      condition: event.i == 1',
          '      throttle:',
          '        once_within: 1 minute',
          '        group_by_attributes: [event.host, "alert.labels[", event.a == 1, 5]',
          '      action: {none: }',
        ),
      ),
    ).toEqual([
      'bad.yml:11:57: "group_by_attributes" entry "alert.labels[" in the throttle of rule "r": expected a quoted key or an integer index after "[", found end of condition',
      'bad.yml:11:60: "group_by_attributes" entry "event.a == 1" in the throttle of rule "r" must be a field path such as event.meta.hosts',
      'bad.yml:11:74: "group_by_attributes" entries in the throttle of rule "r" must be strings, found an integer',
    ]);
  });

  it('rejects hosts given as a list', () => {
    expect(problems(lines('- name: Demo', '  hosts: [web1, web2]', '  sources: [range: ]', '  rules: []'))).toEqual([
      'bad.yml:2:10: "hosts" in ruleset "Demo" must be a string, found a list',
    ]);
  });

  it('rejects vaulted values where the loader needs plain text', () => {
    expect(
      problems(lines(...HEAD, '    - name: r', '      condition: !vault |', '        $ANSIBLE_VAULT;1.1;AES256', '      action: {none: }')),
    ).toEqual([
      'bad.yml:8:25: the condition of rule "r" must be a string, a boolean, or a mapping with "all", "any" or "not_all"; found a vault-encrypted string',
    ]);
  });

  it('reports unknown source plugins and filters with suggestions', () => {
    expect(
      problems(
        lines(
          '- name: Demo',
          '  hosts: all',
          '  sources:',
          '    - ansible.eda.alertmanger:',
          '        port: 5050',
          '    - name: two',
          '      range:',
          '      generic:',
          '    - ansible.eda.webhook: 5000',
          '      filters:',
          '        - eda.builtin.json_filtr:',
          '        - eda.builtin.insert_hosts_to_meta:',
          '            host_separator: 1',
          '  rules: []',
        ),
      ),
    ).toEqual([
      'bad.yml:4:7: unknown source plugin "ansible.eda.alertmanger"; did you mean "ansible.eda.alertmanager"? expected one of ansible.eda.alertmanager, eda.builtin.webhook, eda.builtin.range, eda.builtin.generic, eda.builtin.pg_listener, ansible.eda.kafka, ansible.eda.url_check, ansible.eda.aws_cloudtrail, ansible.eda.aws_sqs_queue, ansible.eda.azure_service_bus, ansible.eda.file, ansible.eda.file_watch, ansible.eda.journald, ansible.eda.tick, autoheal.gitlab, autoheal.icinga',
      'bad.yml:8:7: source #2 of ruleset "Demo" has more than one plugin key ("range", "generic"); expected exactly one besides "name" and "filters"',
      'bad.yml:9:28: arguments of source plugin "ansible.eda.webhook" must be a mapping (or nothing), found an integer',
      'bad.yml:11:11: unknown filter "eda.builtin.json_filtr"; did you mean "eda.builtin.json_filter"? expected one of eda.builtin.json_filter, eda.builtin.dashes_to_underscores, eda.builtin.normalize_keys, eda.builtin.insert_hosts_to_meta, eda.builtin.event_splitter, eda.builtin.insert_meta_info, eda.builtin.noop',
      'bad.yml:12:11: missing required argument "host_path" for filter "eda.builtin.insert_hosts_to_meta"',
      'bad.yml:13:29: argument "host_separator" of filter "eda.builtin.insert_hosts_to_meta" must be a string or null, found an integer',
    ]);
  });

  it('accepts unknown source plugins when asked to, for harnesses that inject events', () => {
    const text = lines('- name: Demo', '  hosts: all', '  sources:', '    - non_existent:', '  rules: []');
    expect(problems(text)[0]).toMatch(/^bad\.yml:4:7: unknown source plugin "non_existent"; expected one of /);
    const rulebook = parseRulebook(text, 'ok.yml', { allowUnknownSources: true });
    expect(rulebook.rulesets[0]!.sources[0]).toMatchObject({ name: 'non_existent', plugin: 'non_existent', canonicalPlugin: 'non_existent' });
  });

  it('reports every problem of a file, sorted by position', () => {
    expect(
      problems(
        lines(
          '- name: Demo',
          '  hosts: [a]',
          '  sources:',
          '    - rnage:',
          '  rules:',
          '    - name: r',
          '      condition: event.i == 1',
          '      action:',
          '        debug:',
          '          msg: 5',
          '          mgs: x',
          '    - name: r',
          '      condition: event.i == 1',
          '      throttle:',
          '        once_within: soon',
          '      action: {run_module: }',
        ),
      ),
    ).toEqual([
      'bad.yml:2:10: "hosts" in ruleset "Demo" must be a string, found a list',
      'bad.yml:4:7: unknown source plugin "rnage"; did you mean "range"? expected one of ansible.eda.alertmanager, eda.builtin.webhook, eda.builtin.range, eda.builtin.generic, eda.builtin.pg_listener, ansible.eda.kafka, ansible.eda.url_check, ansible.eda.aws_cloudtrail, ansible.eda.aws_sqs_queue, ansible.eda.azure_service_bus, ansible.eda.file, ansible.eda.file_watch, ansible.eda.journald, ansible.eda.tick, autoheal.gitlab, autoheal.icinga',
      'bad.yml:10:16: argument "msg" of debug must be a string or a list, found an integer',
      'bad.yml:11:11: unknown argument "mgs" for debug; did you mean "msg"?',
      'bad.yml:12:13: duplicate rule name "r" in ruleset "Demo"; it is already used at line 6',
      'bad.yml:14:7: the throttle of rule "r" needs "group_by_attributes" (a list of event fields, such as [event.meta.hosts]; use [] for one group)',
      'bad.yml:15:22: "once_within" in the throttle of rule "r" must be a number, one space and a unit such as "10 seconds" (units: milliseconds, seconds, minutes, hours, days), found "soon"',
      'bad.yml:16:16: missing required argument "name" for run_module',
    ]);
  });
});

describe('parseRulebook: YAML as PyYAML reads it', () => {
  it('reads yes/no/on/off as booleans but keeps y and n strings', () => {
    const rulebook = parseRulebook(
      lines(
        '- name: Demo',
        '  hosts: all',
        '  gather_facts: yes',
        '  match_multiple_rules: off',
        '  sources: [range: {n: 3, y: no}]',
        '  rules:',
        '    - name: r',
        '      enabled: on',
        '      condition: event.i == 1',
        '      action:',
        '        set_fact:',
        '          fact: {answer: y, n: 3, flag: yes, octal: 0755, big: 1_000, float: 1e3}',
      ),
      'py.yml',
    );
    const ruleset = rulebook.rulesets[0]!;
    expect([ruleset.gatherFacts, ruleset.matchMultipleRules, ruleset.rules.length]).toEqual([true, false, 1]);
    expect(ruleset.sources[0]!.args).toEqual({ n: 3, y: false });
    expect(ruleset.rules[0]!.actions[0]!.args).toEqual({
      fact: { answer: 'y', n: 3, flag: true, octal: 493, big: 1000, float: '1e3' },
    });
  });

  it('applies << merge keys to rules, anchors pointing at their definition', () => {
    const rulebook = parseRulebook(
      lines(
        '- name: Demo',
        '  hosts: all',
        '  sources: [range: ]',
        '  rules:',
        '    - &base',
        '      name: first',
        '      condition: event.i == 1',
        '      action:',
        '        debug:',
        '          msg: hi',
        '    - <<: *base',
        '      name: second',
        '      condition: event.i == 2',
      ),
      'merge.yml',
    );
    expect(rulebook.rulesets[0]!.rules.map((r) => [r.name, r.condition.patterns[0]!.text, r.actions[0]!.args, r.actions[0]!.position.line])).toEqual([
      ['first', 'event.i == 1', { msg: 'hi' }, 9],
      ['second', 'event.i == 2', { msg: 'hi' }, 9],
    ]);
  });
});

describe('loadRulebook', () => {
  it('reads a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autoheal-rulebook-'));
    try {
      const file = join(dir, 'r.yml');
      await writeFile(file, lines(...HEAD, '    - name: r', '      condition: event.i == 1', '      action: {none: }'));
      const rulebook = await loadRulebook(file, {});
      expect(rulebook.file).toBe(file);
      expect(rulebook.rulesets[0]!.rules[0]!.position).toEqual({ file, line: 7, col: 7 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreadable file as a rulebook problem', async () => {
    await expect(loadRulebook('/nonexistent/r.yml', {})).rejects.toMatchObject({
      code: ErrorCode.RulebookInvalid,
      problems: [{ file: '/nonexistent/r.yml', line: 1, col: 1, message: expect.stringMatching(/^cannot read the rulebook: ENOENT/) }],
    });
  });
});
