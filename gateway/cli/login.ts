// `codex-lanes login <lane>` and `codex-lanes logout <lane>`: the terminal side of the device-code
// sign-in, for any adapter that can sign in (a local lane, or a worker lane through the gateway).

import os from "node:os";
import path from "node:path";
import type { CodexLaneConfig } from "../config/types";
import { createCodexAdapter } from "../upstreams/codex";
import type { LaneAdapter } from "../chat/lane-adapter";

export interface LoginIO {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream;
  signal: AbortSignal;
  /** How often to ask whether the user has finished (ms). */
  pollMs?: number;
  /** Give up after this long (device codes expire after 15 minutes). */
  timeoutMs?: number;
}

const SPINNER = ["|", "/", "-", "\\"];

export async function runLoginFlow(lane: Pick<LaneAdapter, "name" | "login" | "loginStatus">, io: LoginIO): Promise<number> {
  if (!lane.login || !lane.loginStatus) {
    io.err.write(`Lane "${lane.name}" is not a ChatGPT lane; only codex lanes sign in.\n`);
    return 2;
  }
  let start: { verificationUrl: string; userCode: string };
  try {
    start = await lane.login();
  } catch (err) {
    io.err.write(`Could not start the sign-in for lane "${lane.name}": ${(err as Error).message}\n`);
    return 1;
  }
  io.out.write(
    `Sign in lane "${lane.name}" with your ChatGPT account:\n\n` +
      `  1. Open ${start.verificationUrl}\n` +
      `  2. Enter the code ${start.userCode}\n\n` +
      `The code expires in 15 minutes. Only continue if you started this sign-in yourself.\n`,
  );
  const pollMs = io.pollMs ?? 1_000;
  const deadline = Date.now() + (io.timeoutMs ?? 15 * 60_000);
  for (let i = 0; Date.now() < deadline; i++) {
    if (io.signal.aborted) {
      io.err.write("\nSign-in abandoned.\n");
      return 1;
    }
    progress(io, i);
    const s = await lane.loginStatus().catch((err: Error) => ({ state: "failed" as const, error: err.message }));
    if (s.state === "succeeded") {
      clearProgress(io);
      io.out.write(`Signed in: lane "${lane.name}"${s.email ? ` as ${s.email}` : ""}${s.plan ? ` (ChatGPT ${s.plan})` : ""}.\n`);
      return 0;
    }
    if (s.state === "failed") {
      clearProgress(io);
      io.err.write(`Sign-in failed for lane "${lane.name}": ${s.error}\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  clearProgress(io);
  io.err.write(`Sign-in for lane "${lane.name}" timed out; run the command again for a new code.\n`);
  return 1;
}

export async function runLogoutFlow(lane: Pick<LaneAdapter, "name" | "logout">, io: Pick<LoginIO, "out" | "err">): Promise<number> {
  if (!lane.logout) {
    io.err.write(`Lane "${lane.name}" is not a ChatGPT lane; only codex lanes sign out.\n`);
    return 2;
  }
  try {
    await lane.logout();
  } catch (err) {
    io.err.write(`Could not sign out lane "${lane.name}": ${(err as Error).message}\n`);
    return 1;
  }
  io.out.write(`Signed out: lane "${lane.name}".\n`);
  return 0;
}

function progress(io: LoginIO, i: number): void {
  if (io.out.isTTY) io.out.write(`\r${SPINNER[i % SPINNER.length]} Waiting for you to enter the code…`);
  else if (i % 10 === 0) io.out.write("Waiting for you to enter the code…\n");
}

function clearProgress(io: LoginIO): void {
  if (io.out.isTTY) io.out.write("\r\u001b[K");
}

/** Signs a configured codex lane in from this machine (local mode: its CODEX_HOME here). */
export function runLoginCommand(lane: CodexLaneConfig, io: LoginIO): Promise<number> {
  return withCliAdapter(lane, (adapter) => runLoginFlow(adapter, io));
}

export function runLogoutCommand(lane: CodexLaneConfig, io: LoginIO): Promise<number> {
  return withCliAdapter(lane, (adapter) => runLogoutFlow(adapter, io));
}

/** Runs one command on the lane's adapter, and closes it (its app-server) whatever the outcome. */
async function withCliAdapter(lane: CodexLaneConfig, run: (adapter: ReturnType<typeof cliAdapter>) => Promise<number>): Promise<number> {
  const adapter = cliAdapter(lane);
  try {
    return await run(adapter);
  } finally {
    await adapter.close();
  }
}

function cliAdapter(lane: CodexLaneConfig): LaneAdapter {
  const quiet = { info: () => {}, warn: () => {} };
  return createCodexAdapter(lane, { dataDir: path.join(os.tmpdir(), "codex-lanes-cli"), turnTimeoutMs: 60_000, rateLimitPollMs: 0, log: quiet });
}
