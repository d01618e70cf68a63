/**
 * @module What a command may touch of the outside world, injected so tests run commands
 * in-process and read what they printed.
 */

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/** Exit codes shared by every command (listed in the README). */
export const ExitCode = {
  Ok: 0,
  /** A rulebook, vars or event file is invalid, or the command line is wrong. */
  InputError: 1,
  /** `--expect-match` / `--expect-no-match` was not met. */
  ExpectationFailed: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};
