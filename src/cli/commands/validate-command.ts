/**
 * @module `autoheal validate RULEBOOK...`: loads each rulebook and lists every problem found,
 * exit 0 when all are valid, 1 otherwise. Nothing runs.
 */
import { AutohealError } from '../../core/index.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { resolveVars, tryLoadRulebook, type VarsFlags } from './load-inputs.js';

export interface ValidateFlags extends VarsFlags {
  readonly json?: boolean;
}

export async function validateCommand(files: readonly string[], flags: ValidateFlags, io: CliIo): Promise<ExitCode> {
  let vars: Record<string, unknown>;
  try {
    vars = await resolveVars(flags, io);
  } catch (err) {
    if (!(err instanceof AutohealError)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return ExitCode.InputError;
  }
  const results: Array<{ file: string; valid: boolean; errors: readonly string[]; rulesets?: number; rules?: number }> = [];
  for (const file of files) {
    const loaded = await tryLoadRulebook(file, vars);
    if (loaded.ok) {
      const rules = loaded.rulebook.rulesets.reduce((n, rs) => n + rs.rules.length, 0);
      results.push({ file, valid: true, errors: [], rulesets: loaded.rulebook.rulesets.length, rules });
    } else {
      results.push({ file, valid: false, errors: loaded.errors });
    }
  }
  if (flags.json === true) {
    io.stdout(`${JSON.stringify({ valid: results.every((r) => r.valid), rulebooks: results }, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.valid) io.stdout(`ok      ${r.file} (${plural(r.rulesets ?? 0, 'ruleset')}, ${plural(r.rules ?? 0, 'rule')})\n`);
      else {
        io.stdout(`invalid ${r.file} (${plural(r.errors.length, 'problem')})\n`);
        for (const line of r.errors) io.stderr(`${line}\n`);
      }
    }
  }
  return results.every((r) => r.valid) ? ExitCode.Ok : ExitCode.InputError;
}

export function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return `${n} ${word}${/(ch|sh|s|x)$/.test(word) ? 'es' : 's'}`;
}
