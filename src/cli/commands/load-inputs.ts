/**
 * @module The inputs every rulebook command shares: `--vars` files and `--env-vars` names
 * (resolved once), then the rulebooks themselves, with their problems printed as
 * `file:line:col: message`.
 */
import { AutohealError, RulebookError, formatProblem } from '../../core/index.js';
import { loadRulebook, loadVars, type Rulebook } from '../../rules/rulebook/index.js';
import type { CliIo } from '../cli-io.js';

export interface VarsFlags {
  readonly vars?: readonly string[];
  readonly envVars?: readonly string[];
}

/** Splits `--env-vars A,B --env-vars C` into names. */
export function envVarNames(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export async function resolveVars(flags: VarsFlags, io: CliIo): Promise<Record<string, unknown>> {
  return loadVars({ varsFiles: flags.vars ?? [], envVars: envVarNames(flags.envVars), env: io.env });
}

export type LoadResult = { readonly ok: true; readonly rulebook: Rulebook } | { readonly ok: false; readonly errors: readonly string[] };

/** Loads one rulebook; an invalid one yields its problems as printable lines instead of throwing. */
export async function tryLoadRulebook(file: string, vars: Readonly<Record<string, unknown>>): Promise<LoadResult> {
  try {
    return { ok: true, rulebook: await loadRulebook(file, { vars }) };
  } catch (err) {
    if (err instanceof RulebookError || (err instanceof AutohealError && Array.isArray(err.details.problems))) {
      const problems = (err as RulebookError).problems;
      return { ok: false, errors: problems.map(formatProblem) };
    }
    if (err instanceof AutohealError) return { ok: false, errors: [`${file}: ${err.message}`] };
    throw err;
  }
}
