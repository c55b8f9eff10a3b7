// Starting, measuring and stopping the processes a benchmark runs beside itself.

import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

const TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of a process (all its threads) so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
}

/** Forks a TypeScript child (run by tsx) and waits for its first IPC message. */
export async function forkTs<T>(file: string, env: Record<string, string>, execArgv: string[] = []): Promise<{ child: ChildProcess; info: T }> {
  const child = fork(file, [], { execArgv: ["--import", "tsx", ...execArgv], env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const info = await new Promise<T>((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`${path.basename(file)} exited (${code}) before it was ready`)));
  });
  return { child, info };
}

export async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listened on 127.0.0.1:${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Portkey {
  child: ChildProcess;
  url: string;
  version: string;
  nodeServerVersion: string;
}

/**
 * Starts @portkey-ai/gateway from an install outside this repo (PORTKEY_DIR, default /tmp/portkey).
 * Returns the reason instead when it is not installed.
 */
export async function startPortkey(dir = process.env.PORTKEY_DIR ?? "/tmp/portkey"): Promise<Portkey | string> {
  const pkg = path.join(dir, "node_modules/@portkey-ai/gateway");
  const entry = path.join(pkg, "build/start-server.js");
  if (!existsSync(entry)) return `@portkey-ai/gateway is not installed in ${dir} (see scripts/bench/README.md)`;
  const version = JSON.parse(readFileSync(path.join(pkg, "package.json"), "utf8")).version as string;
  const nodeServerPkg = [path.join(pkg, "node_modules/@hono/node-server/package.json"), path.join(dir, "node_modules/@hono/node-server/package.json")].find(existsSync);
  const nodeServerVersion = nodeServerPkg ? (JSON.parse(readFileSync(nodeServerPkg, "utf8")).version as string) : "?";
  const port = await freePort();
  const child = spawn(process.execPath, [entry, `--port=${port}`, "--headless"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port, 15_000);
  return { child, url: `http://127.0.0.1:${port}`, version, nodeServerVersion };
}
