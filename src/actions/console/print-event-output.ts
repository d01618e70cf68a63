/**
 * @module What upstream's `print_event` action prints (ansible_rulebook/action/print_event.py,
 * shared/spec/rulebook-language.md §3.3): an `[event]` banner with the matched event or events.
 */
import { templateContext, type RuleMatch } from '../../rules/engine/index.js';
import { pyPformat, pyStr } from '../../rules/template/index.js';
import { banner, type BannerOptions } from './banner.js';
import { isPythonTruthy } from './python-truthy.js';

/** `pprint.pformat`'s default width: upstream never passes the terminal width to it. */
export const PPRINT_WIDTH = 80;

export interface PrintEventOptions extends BannerOptions {
  /**
   * The rulebook variables. Only matter in one upstream quirk: a variable named `events`
   * is printed instead of a single-match `event`. Default none.
   */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/**
 * The console text of one `print_event`: `event` (single binding `m`) or `events` (every
 * binding), after `var_root`, as Python `repr` — or `pprint.pformat` at `width` when
 * `args.pretty` is truthy.
 * @param args the action's arguments (`pretty`, `var_root`), rendered or as written.
 */
export function printEventOutput(
  fired: Pick<RuleMatch, 'bindings'>,
  args: Readonly<Record<string, unknown>>,
  options: PrintEventOptions,
): string {
  const context = templateContext(fired, options.vars ?? {}, args.var_root);
  // Upstream picks `events` whenever that name exists in the action's variables.
  const value = 'events' in context ? context.events : context.event;
  const text = isPythonTruthy(args.pretty) ? pyPformat(value, PPRINT_WIDTH) : pyStr(value);
  return banner('event', text, options);
}
