/**
 * @module Secrets in source arguments. Each secret argument `x` may be written three ways:
 * `x: value` (literal, discouraged: the rulebook is usually in git), `x_env: NAME` (an
 * environment variable) or `x_file: PATH` (a file, e.g. a mounted Kubernetes secret; surrounding
 * whitespace is trimmed, as Prometheus does for `credentials_file`). Resolved once when the
 * source starts; a missing variable or unreadable file is a start error naming it. Messages
 * never contain a secret's value.
 */

/** Where secrets come from: injected so tests and dry runs never touch the real environment. */
export interface SecretDeps {
  /** Environment variables; default `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a UTF-8 text file; relative paths resolve against the working directory. */
  readonly readFile: (path: string) => Promise<string>;
}

export type SecretResolution =
  | { readonly kind: 'absent' }
  | {
      readonly kind: 'value';
      readonly value: string;
      /** True when written literally in the rulebook (worth a warning). */
      readonly literal: boolean;
    }
  | { readonly kind: 'problem'; readonly message: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const given = (v: unknown): boolean => v !== undefined && v !== null;

/** A short description of the JSON type of `v`, for "must be a string, found …" messages. */
export function describeArg(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/**
 * Resolves secret argument `key` of `args` from `key`, `key_env` or `key_file` (at most one).
 * `args` keys are read only, never logged.
 */
export async function resolveSecret(
  args: Readonly<Record<string, unknown>>,
  key: string,
  deps: SecretDeps,
): Promise<SecretResolution> {
  const envKey = `${key}_env`;
  const fileKey = `${key}_file`;
  const present = [key, envKey, fileKey].filter((k) => given(args[k]));
  if (present.length === 0) return { kind: 'absent' };
  if (present.length > 1) {
    return { kind: 'problem', message: `give only one of "${key}", "${envKey}" and "${fileKey}" (found ${present.map((k) => `"${k}"`).join(', ')})` };
  }
  const which = present[0]!;
  const raw = args[which];
  if (typeof raw !== 'string' || raw === '') {
    return { kind: 'problem', message: `"${which}" must be a non-empty string, found ${raw === '' ? 'an empty string' : describeArg(raw)}` };
  }
  if (which === key) return { kind: 'value', value: raw, literal: true };

  if (which === envKey) {
    if (!ENV_NAME.test(raw)) return { kind: 'problem', message: `"${envKey}" must be an environment variable name, found "${raw}"` };
    const value = deps.env[raw];
    if (value === undefined) return { kind: 'problem', message: `"${envKey}" names the environment variable ${raw}, which is not set` };
    if (value === '') return { kind: 'problem', message: `"${envKey}" names the environment variable ${raw}, which is empty` };
    return { kind: 'value', value, literal: false };
  }

  let text: string;
  try {
    text = await deps.readFile(raw);
  } catch (err: unknown) {
    const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'error';
    return { kind: 'problem', message: `"${fileKey}" names the file ${raw}, which cannot be read (${code})` };
  }
  const value = text.trim();
  if (value === '') return { kind: 'problem', message: `"${fileKey}" names the file ${raw}, which is empty` };
  return { kind: 'value', value, literal: false };
}
