/**
 * @module The text of the console actions (`print_event`, `debug`, the `shutdown` banner), one
 * instance per engine. A console-only rule runs them inline; a rule that mixes them with
 * remediations runs them on an action worker. Both go through here, so the output is the same
 * either way (the same rule and ruleset uuids, the ruleset's hosts, the inventory), and `debug`
 * always renders its arguments as written, once, against masked variables (upstream's
 * behaviour): never arguments rendered earlier, which would show secrets and evaluate templates
 * that came in with event data.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../core/index.js';
import { debugOutput, printEventOutput, shutdownOutput } from '../actions/console/index.js';
import type { FiredRule } from '../rules/engine/index.js';
import type { Rulebook } from '../rules/rulebook/index.js';

export interface ConsoleActionsDeps {
  /** `--vars`/`--env-vars` values (masked before debug shows them). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** For the ruleset hosts debug's dump shows. */
  readonly rulebook: Rulebook;
  /** Banner timestamps. Default the system clock. */
  readonly clock?: Clock;
  /** Banner width in columns. Default 80 (upstream pads to the terminal width or 80). */
  readonly width?: number;
  /** Rule and ruleset uuids (upstream gives each one at load). Default `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** The `-i` inventory, shown by debug's argument-less dump. */
  readonly inventory?: string;
}

/** What a console action needs of the match. */
export type ConsoleMatch = Pick<FiredRule, 'ruleset' | 'rule' | 'bindings' | 'at'>;

export interface ConsoleActions {
  /** `print_event` with its rendered arguments (`pretty`, `var_root`). */
  printEvent(match: ConsoleMatch, args: Readonly<Record<string, unknown>>): string;
  /**
   * `debug` with its arguments **as written** in the rulebook (`PlannedAction.spec.args`).
   * @throws AutohealError as `debugOutput` (a template that fails, a `var` that names nothing).
   */
  debug(match: ConsoleMatch, writtenArgs: Readonly<Record<string, unknown>>): string;
  /** The banner of a `shutdown` action with its rendered arguments. */
  shutdown(match: Pick<FiredRule, 'ruleset' | 'rule'>, args: Readonly<Record<string, unknown>>): string;
}

export function createConsoleActions(deps: ConsoleActionsDeps): ConsoleActions {
  const banner = { clock: deps.clock ?? systemClock, ...(deps.width !== undefined ? { width: deps.width } : {}) };
  const newId = deps.newId ?? randomUUID;
  const uuids = new Map<string, string>();
  const uuidOf = (key: string): string => {
    let id = uuids.get(key);
    if (id === undefined) uuids.set(key, (id = newId()));
    return id;
  };
  const rulesetHosts = (name: string): string[] => {
    const hosts = deps.rulebook.rulesets.find((rs) => rs.name === name)?.hosts;
    return hosts === undefined ? [] : [hosts];
  };
  return {
    printEvent: (match, args) => printEventOutput(match, args, { ...banner, vars: deps.vars }),
    debug: (match, writtenArgs) =>
      debugOutput(
        match,
        writtenArgs,
        {
          vars: deps.vars,
          ruleUuid: uuidOf(`${match.ruleset}\u0000${match.rule}`),
          rulesetUuid: uuidOf(match.ruleset),
          hosts: rulesetHosts(match.ruleset),
          ...(deps.inventory !== undefined ? { inventory: deps.inventory } : {}),
        },
        banner,
      ),
    shutdown: (match, args) => {
      const { delay, message, kind } = args;
      return shutdownOutput({ ruleset: match.ruleset, rule: match.rule, ...(typeof delay === 'number' ? { delay } : {}), message, kind }, banner);
    },
  };
}
