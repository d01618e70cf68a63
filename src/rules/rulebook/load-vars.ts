/**
 * @module The variables a rulebook sees: `--vars` files (typed YAML/JSON, read like PyYAML) and
 * `--env-vars` names (strings from the environment), merged in that order
 * (shared/spec/rulebook-language.md §7).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq } from 'yaml';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { parseYaml } from './yaml-schema.js';

export interface LoadVarsOptions {
  /** `--vars` files, merged in order (a later file's top-level keys win). Default: none. */
  readonly varsFiles?: readonly string[];
  /** `--env-vars` names; each entry may hold several, comma-separated (`A,B`). Default: none. */
  readonly envVars?: readonly string[];
  /** Where `envVars` are looked up. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads and merges the variables. Env vars are strings and override `--vars` on conflict, as
 * upstream documents. `!vault` values stay `{ __vault__ }` markers.
 *
 * @throws AutohealError `AH_VARS_INVALID` listing every problem: unreadable or invalid files
 * (with `file:line:col`), files that are not a mapping, and all missing environment variables.
 */
export async function loadVars(options: LoadVarsOptions = {}): Promise<Record<string, unknown>> {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const vars: Record<string, unknown> = {};

  for (const file of options.varsFiles ?? []) {
    const loaded = await readVarsFile(file, problems);
    if (loaded !== undefined) Object.assign(vars, loaded);
  }

  const names = (options.envVars ?? []).flatMap((entry) => entry.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  const missing: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value === undefined) missing.push(name);
    else vars[name] = value;
  }
  if (missing.length > 0) {
    problems.push(`environment variable${missing.length > 1 ? 's' : ''} named by --env-vars not set: ${missing.join(', ')}`);
  }

  if (problems.length > 0) {
    throw new AutohealError(ErrorCode.VarsInvalid, problems.join('\n'), {
      details: { problems, ...(missing.length > 0 ? { missingEnvVars: missing } : {}) },
    });
  }
  return vars;
}

async function readVarsFile(file: string, problems: string[]): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read the vars file: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const { doc, lineCounter } = parseYaml(text);
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const before = problems.length;
  for (const error of doc.errors) problems.push(`${at(error.pos[0])}: invalid YAML: ${error.message}`);
  for (const warning of doc.warnings) {
    if (warning.code === 'TAG_RESOLVE_FAILED') problems.push(`${at(warning.pos[0])}: ${warning.message}; only standard YAML tags and !vault are allowed`);
  }
  if (problems.length > before) return undefined;

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return {};
  if (!isMap(root)) {
    const found = isSeq(root) ? 'a list' : 'a single value';
    problems.push(`${at(root.range[0])}: a vars file must hold a mapping of variable names to values, found ${found}`);
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (err) {
    problems.push(`${file}: cannot read the vars file: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
