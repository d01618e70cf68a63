/**
 * @module Source arguments rendered with the rulebook variables before the sources start, as
 * ansible-rulebook does (`substitute_variables(source_args, variables)` when it starts a source):
 * `port: "{{ webhook_port }}"` with `--vars` or `-E WEBHOOK_PORT`. Rendering is native, as for
 * action arguments, so `"{{ port }}"` gives the integer. Filter arguments are not rendered
 * (upstream passes them as written).
 */
import { ErrorCode, RulebookError, type RulebookProblem } from '../../core/index.js';
import { renderArguments } from '../template/index.js';
import type { Rulebook, SourceSpec } from './types.js';
import { isVaultMarker } from './yaml-schema.js';

/**
 * The rulebook with every templated source argument rendered with `vars`. Returns the same
 * object when no source argument holds a template. Vault values are left for the source to
 * refuse with its own message.
 * @throws RulebookError `AH_SOURCE_CONFIG_INVALID` listing, per source, the argument whose
 *   template failed (undefined variable, syntax) at the source entry's position.
 */
export function renderSourceArgs(rulebook: Rulebook, vars: Readonly<Record<string, unknown>>): Rulebook {
  const problems: RulebookProblem[] = [];
  let changed = false;
  const rulesets = rulebook.rulesets.map((ruleset) => {
    const sources = ruleset.sources.map((source): SourceSpec => {
      if (!holdsTemplate(source.args)) return source;
      changed = true;
      try {
        return { ...source, args: renderArguments(source.args, vars) as Record<string, unknown>, renderedArgs: templatedPaths(source.args) };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        problems.push({ ...source.position, message: `source "${source.name}" (${source.plugin}) of ruleset "${ruleset.name}": ${message}` });
        return source;
      }
    });
    return { ...ruleset, sources };
  });
  if (problems.length > 0) throw new RulebookError(problems, ErrorCode.SourceConfigInvalid);
  return changed ? { ...rulebook, rulesets } : rulebook;
}

function holdsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') && value.includes('}}');
  if (Array.isArray(value)) return value.some(holdsTemplate);
  if (typeof value === 'object' && value !== null && !isVaultMarker(value)) return Object.values(value).some(holdsTemplate);
  return false;
}

/** Dotted paths of the template strings in `args` (through mappings; a list counts as a whole). */
function templatedPaths(args: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isVaultMarker(value)) {
      paths.push(...templatedPaths(value as Record<string, unknown>, `${prefix}${key}.`));
    } else if (holdsTemplate(value)) {
      paths.push(`${prefix}${key}`);
    }
  }
  return paths;
}
