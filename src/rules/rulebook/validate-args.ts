/**
 * @module Argument validation for actions, source plugins and filters: one small JSON Schema per
 * argument object, compiled once with ajv, errors turned into operator-facing sentences with a
 * path the loader maps back to a YAML node. Why not one big `oneOf` schema: shared/spec/stack.md §4.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { didYouMean, suggestionSuffix } from './did-you-mean.js';
import { isVaultMarker } from './yaml-schema.js';

/** One step into an argument object: a key or a list index. */
export type ArgPathSegment = string | number;

/** Where in the argument object an issue sits, for the loader to turn into a line and column. */
export const ArgIssueTarget = {
  /** The value at `path`. */
  Value: 'value',
  /** The key (last segment of `path`) itself: unknown or conflicting arguments. */
  Key: 'key',
  /** The owner (action name, plugin name): a required argument is missing. */
  Owner: 'owner',
} as const;
export type ArgIssueTarget = (typeof ArgIssueTarget)[keyof typeof ArgIssueTarget];

export interface ArgIssue {
  readonly path: readonly ArgPathSegment[];
  readonly target: ArgIssueTarget;
  readonly message: string;
}

/** A compiled argument schema plus what messages need to know about it. */
export interface ArgsValidator {
  readonly validate: ValidateFunction;
  /** Top-level argument names, for "did you mean" and "expected one of". */
  readonly argNames: readonly string[];
  /** Pairs of arguments that may not be given together. */
  readonly exclusive: readonly (readonly [string, string])[];
}

// Operator-written rulebooks are small, so reporting every error (allErrors) costs nothing;
// strict mode catches mistakes in our own schemas at start-up.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

/** Compiles an argument schema (a JSON Schema for an object) once, at module load of the caller. */
export function compileArgsSchema(
  schema: SchemaObject,
  exclusive: readonly (readonly [string, string])[] = [],
): ArgsValidator {
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return { validate: ajv.compile(schema), argNames: Object.keys(properties), exclusive };
}

/**
 * A value that only gets its real type when rendered later: a string holding a `{{ }}` template
 * (Jinja native rendering may turn it into an int, a dict, …) or a `!vault` secret. Type checks
 * do not apply to it.
 */
export function isDeferredValue(value: unknown): boolean {
  return (typeof value === 'string' && value.includes('{{') && value.includes('}}')) || isVaultMarker(value);
}

/**
 * Validates `args` and returns every issue, in schema order. `owner` names the thing in
 * messages: `run_playbook`, `source plugin "ansible.eda.webhook"`.
 */
export function validateArgs(validator: ArgsValidator, args: Readonly<Record<string, unknown>>, owner: string): ArgIssue[] {
  const issues: ArgIssue[] = [];
  for (const [a, b] of validator.exclusive) {
    if (a in args && b in args) {
      issues.push({ path: [b], target: ArgIssueTarget.Key, message: `${owner} takes either "${a}" or "${b}", not both` });
    }
  }
  if (!validator.validate(args)) {
    const errors = validator.validate.errors ?? [];
    // `nmae: x` gives both "unknown nmae" (did you mean "name"?) and "missing name": say it once.
    const misspelled = new Set(
      errors
        .filter((e) => e.keyword === 'additionalProperties' && e.instancePath === '')
        .map((e) => didYouMean(String((e.params as Record<string, unknown>).additionalProperty), validator.argNames)),
    );
    for (const error of errors) {
      const params = error.params as Record<string, unknown>;
      if (error.keyword === 'required' && error.instancePath === '' && misspelled.has(String(params.missingProperty))) continue;
      const issue = toIssue(error, args, validator, owner);
      if (issue !== undefined) issues.push(issue);
    }
  }
  return issues;
}

function toIssue(
  error: ErrorObject,
  args: Readonly<Record<string, unknown>>,
  validator: ArgsValidator,
  owner: string,
): ArgIssue | undefined {
  const path = parsePointer(error.instancePath);
  const value = valueAt(args, path);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty);
      return {
        path,
        target: path.length === 0 ? ArgIssueTarget.Owner : ArgIssueTarget.Value,
        message: `missing required argument "${displayPath([...path, missing])}" for ${owner}`,
      };
    }
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      const known = path.length === 0 ? validator.argNames : [];
      const hint = suggestionSuffix(extra, known) || (known.length > 0 ? `; expected one of ${known.join(', ')}` : '');
      return {
        path: [...path, extra],
        target: ArgIssueTarget.Key,
        message: `unknown argument "${displayPath([...path, extra])}" for ${owner}${hint}`,
      };
    }
    default:
      break;
  }
  // A template or vault value gets its type at render time: only its presence is checked now.
  if (isDeferredValue(value)) return undefined;
  const subject = `argument "${displayPath(path)}" of ${owner}`;
  switch (error.keyword) {
    case 'type':
      return { path, target: ArgIssueTarget.Value, message: `${subject} must be ${expectedTypes(params.type)}, found ${describeValue(value)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, target: ArgIssueTarget.Value, message: `${subject} must be one of ${allowed}, found ${JSON.stringify(value)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        path,
        target: ArgIssueTarget.Value,
        message: `${subject} must be ${String(params.comparison)} ${String(params.limit)}, found ${String(value)}`,
      };
    default:
      return { path, target: ArgIssueTarget.Value, message: `${subject} ${error.message ?? 'is invalid'}` };
  }
}

function parsePointer(pointer: string): ArgPathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^(?:0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
}

function valueAt(root: unknown, path: readonly ArgPathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** `labels[0]`, `job_args.limit`: how an argument path reads in a message. */
export function displayPath(path: readonly ArgPathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function expectedTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

/** "a string", "a list", "a mapping", …: what was found, in YAML words, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (isVaultMarker(value)) return 'a vault-encrypted string';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'boolean':
      return 'a boolean';
    case 'bigint':
      return 'an integer';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a number';
    case 'string':
      return 'a string';
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}
