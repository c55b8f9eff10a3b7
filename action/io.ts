// The action's whole contact with the runner and the machine, as one small interface. `run(io)`
// and `runPost(io)` take it, so unit tests pass fakes (node:test cannot mock the ESM-only
// @actions/* packages on Node 20); real-io.ts implements it with @actions/core, @actions/exec and
// node:child_process, and only the bundle's entry points import that file.

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Written to the child's stdin, which is then closed (an open stdin makes `codex exec` wait). */
  stdin: string;
  onStdoutLine: (line: string) => void;
  onStderrLine: (line: string) => void;
}

export interface ChildHandle {
  /** Resolves when the process has exited and its output is read. `code` is null after a signal. */
  done: Promise<{ code: number | null; signal: string | null }>;
  /** SIGTERM, then SIGKILL after a grace period. */
  kill(): void;
}

export interface ActionIO {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The step's working directory (GITHUB_WORKSPACE on a runner). */
  readonly cwd: string;
  /** An input, trimmed; "" when unset. */
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  /** Registers a value the runner masks in every later log line. */
  setSecret(value: string): void;
  info(line: string): void;
  warning(message: string): void;
  /** Fails the step with an `::error::` annotation and exit code 1. */
  setFailed(message: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Appends Markdown/HTML to the job summary ($GITHUB_STEP_SUMMARY). */
  appendSummary(text: string): Promise<void>;
  /** Runs a short command to completion with its output captured, not echoed. Never throws on a non-zero exit. */
  exec(cmd: string, args: string[], opts?: { env?: Record<string, string> }): Promise<ExecResult>;
  /** Starts a long-running process (codex exec) whose output is read line by line. */
  spawn(cmd: string, args: string[], opts: SpawnOptions): ChildHandle;
  fetch: typeof fetch;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}
