// Finds the Codex processes a test started, through Linux /proc: by their CODEX_HOME.

import { readdirSync, readFileSync } from "node:fs";

/** Pids of `codex app-server` processes whose CODEX_HOME is `home`. */
export function appServerPids(home: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd[1] !== "app-server") continue;
      const env = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (env.includes(`CODEX_HOME=${home}`)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** The one app-server of `home`; fails the test when there is not exactly one. */
export function theAppServer(home: string): number {
  const pids = appServerPids(home);
  if (pids.length !== 1) throw new Error(`expected one codex app-server for ${home}, found ${pids.length}`);
  return pids[0]!;
}

/**
 * Stops the process (SIGSTOP): alive, holding its pipes, answering nothing, as a hung app-server is.
 * The returned function lets it go on (SIGCONT), when it still exists.
 */
export function freeze(pid: number): () => void {
  process.kill(pid, "SIGSTOP");
  return () => {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // already gone: replaced, as it should be
    }
  };
}
