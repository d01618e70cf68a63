/**
 * @module Source arguments rendered with the rulebook variables before the sources start, as
 * ansible-rulebook does (`substitute_variables(source_args, variables)` when it starts a source):
 * `port: "{{ webhook_port }}"` with `--vars` or `-E WEBHOOK_PORT`. Rendering is native, as for
 * action arguments, so `"{{ port }}"` gives the integer. Filter arguments are not rendered
 * (upstream passes them as written).
 */
import { ErrorCode, RulebookError, type RulebookProblem } from '../../core/index.js';
import { isTemplateString, renderArguments } from '../template/index.js';
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
      const renderedArgs = templatedPaths(source.args);
      if (renderedArgs.length === 0) return source;
      changed = true;
      try {
        return { ...source, args: renderArguments(source.args, vars) as Record<string, unknown>, renderedArgs };
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

/** Dotted paths of the template strings in `args` (through mappings; a list counts as a whole). */
function templatedPaths(args: Readonly<Record<string, unknown>>, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (isMapping(value)) paths.push(...templatedPaths(value, `${prefix}${key}.`));
    else if (holdsTemplate(value)) paths.push(`${prefix}${key}`);
  }
  return paths;
}

function holdsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return isTemplateString(value);
  if (Array.isArray(value)) return value.some(holdsTemplate);
  return isMapping(value) && Object.values(value).some(holdsTemplate);
}

/** A plain mapping of arguments (a vault value is a secret, not arguments). */
function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isVaultMarker(value);
}
