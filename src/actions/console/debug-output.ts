/**
 * @module What upstream's `debug` action prints (ansible_rulebook/action/debug.py,
 * shared/spec/rulebook-language.md §3.3): `msg` banners, a `var` line, or the kwargs and facts dump.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { isSingleEventMatch, templateContext, type FiredRule } from '../../rules/engine/index.js';
import { pyPformat, pyStr, renderArguments } from '../../rules/template/index.js';
import { banner, pythonRunAt, type BannerOptions } from './banner.js';
import { maskSensitiveValues } from './mask-sensitive-values.js';
import { PPRINT_WIDTH } from './print-event-output.js';

/** What the no-argument `debug` dump shows besides the match; upstream's `Metadata` and `Control`. */
export interface DebugContext {
  /** Rulebook variables (`--vars`, `--env-vars`); masked before use. Default none. */
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly ruleUuid: string;
  readonly rulesetUuid: string;
  /** When the rule's actions started; default the match time in upstream's `run_at()` form. */
  readonly ruleRunAt?: string;
  /** The `-i` inventory as given on the command line. Default `''`. */
  readonly inventory?: string;
  /** The ruleset's `hosts` as a list; replaced by the matched events' `meta.hosts` as upstream. */
  readonly hosts: readonly string[];
  /** Upstream's `project_data_file` (worker mode only). Default `null` (printed `None`). */
  readonly projectDataFile?: string | null;
  /** Every fact of the ruleset, printed under `[debug: facts]`. Default none. */
  readonly facts?: readonly unknown[];
}

/** `var: "{{ event.i }}"` names the path inside the braces instead of being rendered. */
const BRACED_PATH = /^\s*\{\{\s*([^{}]*?)\s*\}\}\s*$/;

/**
 * The console text of one `debug` action:
 * - `msg` (any value, or a list): one `[debug]` banner per message, printed with Python `str`;
 *   a `None` message prints the banner line alone, as upstream.
 * - `var`: one `[debug]` banner `<var>: <value>`, the dotted path looked up in the variables
 *   (list items by index); `{{ path }}` is accepted as `path`.
 * - neither: `[debug: kwargs]` (rule metadata, inventory, hosts, variables,
 *   project_data_file) then `[debug: facts]`, both `pprint.pformat`ted.
 *
 * As upstream, templates see the variables with sensitive values masked (`******`) plus the
 * unmasked `event`/`events`, so pass the arguments **as written** (`PlannedAction.spec.args`):
 * they are rendered here against that masked context.
 * @throws AutohealError AH_TEMPLATE_SYNTAX / AH_TEMPLATE_RENDER when an argument fails to
 *   render; AH_DEBUG_VAR_NOT_FOUND when `var` names nothing (the action then fails, as upstream).
 */
export function debugOutput(
  fired: Pick<FiredRule, 'ruleset' | 'rule' | 'bindings' | 'at'>,
  args: Readonly<Record<string, unknown>>,
  context: DebugContext,
  options: BannerOptions,
): string {
  const variables = templateContext(fired, maskSensitiveValues(context.vars ?? {}) as Record<string, unknown>);
  if ('msg' in args) {
    const rendered = renderArguments(args.msg, variables);
    const messages = Array.isArray(rendered) ? rendered : [rendered];
    return messages.map((msg) => banner('debug', msg === null || msg === undefined ? null : pyStr(msg), options)).join('');
  }
  if ('var' in args) {
    const declared = args.var;
    const braced = typeof declared === 'string' ? BRACED_PATH.exec(declared) : null;
    const key = braced ? (braced[1] as string) : pyStr(renderArguments(declared, variables));
    return banner('debug', `${key}: ${pyStr(lookupVariable(variables, key))}`, options);
  }
  const kwargs = {
    rule: fired.rule,
    rule_uuid: context.ruleUuid,
    rule_set: fired.ruleset,
    rule_set_uuid: context.rulesetUuid,
    rule_run_at: context.ruleRunAt ?? pythonRunAt(fired.at),
    inventory: context.inventory ?? '',
    hosts: actionHosts(fired, context.hosts),
    variables,
    project_data_file: context.projectDataFile ?? null,
  };
  return (
    banner('debug: kwargs', pyPformat(kwargs, PPRINT_WIDTH), options) +
    banner('debug: facts', pyPformat([...(context.facts ?? [])], PPRINT_WIDTH), options)
  );
}

/**
 * `dpath.get(variables, key, separator=".")` for plain paths: a leading `.` is ignored, and a
 * numeric segment indexes a list. Glob characters are taken literally (upstream would expand them).
 */
function lookupVariable(variables: Readonly<Record<string, unknown>>, key: string): unknown {
  let current: unknown = variables;
  for (const segment of key.replace(/^\.+/, '').split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment) && Number(segment) < current.length) {
      current = current[Number(segment)];
    } else if (typeof current === 'object' && current !== null && !Array.isArray(current) && Object.prototype.hasOwnProperty.call(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      throw new AutohealError(ErrorCode.DebugVarNotFound, `Key ${key} not found in variable pool`, { details: { key } });
    }
  }
  return current;
}

/**
 * The hosts upstream's `_call_action` hands the action: a single match's `meta.hosts` replaces
 * the ruleset hosts; a multi-match concatenates every event's `meta.hosts` (duplicates kept).
 */
function actionHosts(fired: Pick<FiredRule, 'bindings'>, rulesetHosts: readonly string[]): unknown[] {
  const events = Object.values(fired.bindings);
  const found: unknown[] = [];
  let any = false;
  for (const event of events) {
    const meta = event.meta;
    if (typeof meta !== 'object' || meta === null || !('hosts' in meta)) continue;
    const hosts: unknown = (meta as Record<string, unknown>).hosts;
    any = true;
    if (typeof hosts === 'string') found.push(hosts);
    else if (Array.isArray(hosts)) found.push(...(hosts as unknown[]));
  }
  return any && (found.length > 0 || isSingleEventMatch(fired)) ? found : [...rulesetHosts];
}
