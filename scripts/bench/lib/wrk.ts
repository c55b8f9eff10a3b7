// Runs wrk (Debian's `wrk` package) against one target: an independent load generator, written in C,
// whose latency is the time from writing a request to the end of its response.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Target } from "./http-load";

const run = promisify(execFile);

export interface WrkResult {
  requests: number;
  /** Responses that were not 2xx/3xx, plus socket errors. */
  errors: number;
  p50: number;
  p90: number;
  p99: number;
}

export async function wrkAvailable(): Promise<boolean> {
  try {
    await run("wrk", ["--version"]).catch((e: { stdout?: string }) => {
      if (!/wrk/.test(e.stdout ?? "")) throw e; // `wrk --version` exits 1 after printing its version
    });
    return true;
  } catch {
    return false;
  }
}

/** `connections` keep-alive connections for `seconds`, each POSTing `body` in a loop. */
export async function wrk(t: Target, body: Buffer, connections: number, seconds: number): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-wrk-"));
  try {
    const lua = path.join(dir, "post.lua");
    const headers = Object.entries({ ...t.headers, "content-type": "application/json" })
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join("\n");
    writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body.toString("utf8"))}\n${headers}\n`);
    const threads = Math.min(2, connections);
    const { stdout } = await run("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--latency", "-s", lua, t.url.href], { maxBuffer: 1 << 20 });
    return parse(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(out: string): WrkResult {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(out);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${out}`);
    return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0;
  return { requests, errors: non2xx + socketErrors, p50: pct("50"), p90: pct("90"), p99: pct("99") };
}
