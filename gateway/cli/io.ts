// What every command gets: its streams, environment and working directory (so tests run commands
// in-process), and the typed error for bad usage (exit code 2).

export interface CliIO {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on Ctrl-C for long-running commands (login, logs --follow). */
  signal: AbortSignal;
}

/** Bad usage: the message says what is wrong and what to do; the exit code is 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  readonly exitCode = 2;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
