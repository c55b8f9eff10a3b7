// ActionIO for a real runner: @actions/core for inputs, outputs, masking, state and the summary;
// @actions/exec for short commands; node:child_process for codex exec (its output is read line
// by line and it can be stopped at the lane's deadline). Only the entry points import this file:
// @actions/* are ESM-only and reach the CommonJS bundle through esbuild.

import * as core from "@actions/core";
import * as exec from "@actions/exec";
import { spawn as spawnChild, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { ActionIO, ChildHandle, ExecResult, SpawnOptions } from "./io";

const KILL_GRACE_MS = 5_000;

export function createRealIO(): ActionIO {
  const children = new Set<ChildProcess>();
  stopChildrenOnSignal(children);
  return {
    env: process.env,
    cwd: process.cwd(),
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => core.setSecret(value),
    info: (line) => core.info(line),
    warning: (message) => core.warning(message),
    setFailed: (message) => core.setFailed(message),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    appendSummary: async (text) => {
      // Outside a runner (a local try-out) there is no summary file; nothing to append to.
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(text, true).write();
    },
    exec: runExec,
    spawn: (cmd, args, opts) => spawnLines(children, cmd, args, opts),
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    sleep,
    random: () => Math.random(),
  };
}

async function runExec(cmd: string, args: string[], opts: { env?: Record<string, string> } = {}): Promise<ExecResult> {
  try {
    return await exec.getExecOutput(cmd, args, { silent: true, ignoreReturnCode: true, ...(opts.env ? { env: opts.env } : {}) });
  } catch (err) {
    // @actions/exec throws when the command is not on PATH.
    return { exitCode: 127, stdout: "", stderr: err instanceof Error ? err.message : String(err) };
  }
}

function spawnLines(children: Set<ChildProcess>, cmd: string, args: string[], opts: SpawnOptions): ChildHandle {
  const child = spawnChild(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  child.stdin?.on("error", () => {});
  child.stdin?.end(opts.stdin);
  if (child.stdout) createInterface({ input: child.stdout }).on("line", opts.onStdoutLine);
  if (child.stderr) createInterface({ input: child.stderr }).on("line", opts.onStderrLine);
  const done = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once("error", (err) => {
      opts.onStderrLine(`cannot start ${cmd}: ${err.message}`);
      children.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { done, kill: () => stop(child) };
}

function stop(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, KILL_GRACE_MS).unref();
}

/** A cancelled job sends SIGINT/SIGTERM: stop Codex too; the post step removes the temp homes. */
function stopChildrenOnSignal(children: Set<ChildProcess>): void {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const c of children) c.kill("SIGTERM");
      process.exit(1);
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      if (signal) reject(abortReason(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Why a signal aborted: an Error (AbortError, TimeoutError) unless whoever aborted it gave another value. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}
