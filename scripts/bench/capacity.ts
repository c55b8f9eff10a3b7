// Issue 14: capacity of one account's worker. One worker process (the worker HTTP service over one
// app-server lane) against the fake ChatGPT backend (its own process; it answers at once, so what
// is measured is Codex's and the worker's own cost). Rounds of `c` concurrent chat turns go through
// the worker protocol, for growing c. Per level: turn latency (median, p90, ratio to c = 1), CPU
// per turn of the worker and its app-server, and at the busiest moment their resident memory and
// the app-server's open file descriptors. Idle figures are taken before the first and after the
// last round (when the app-server still holds the threads' connections) and after its idle drop.

import path from "node:path";
import type { ChatRequest } from "../../gateway/chat/types";
import { RemoteCodexLane } from "../../gateway/upstreams/codex-remote";
import { fakeAccountLane, directTurn, userRequest } from "./lib/codex-gateway";
import { cpuMs, forkTs, stop } from "./lib/procs";
import { RemoteFake } from "./lib/remote-fake";
import { intFlags, loadLine, machineLine, median, ms, quantile, table } from "./lib/stats";
import type { TestHome } from "../../test/fakes/codex-run";
import { readdirSync, readFileSync } from "node:fs";

const flags = intFlags({ rounds: 4, max: 32, idle: 0 });

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** The `codex app-server` child of a process. */
function appServerOf(parent: number): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[1] === "app-server") return Number(entry);
    } catch {
      // gone while we looked
    }
  }
  return null;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await RemoteFake.start();
  const homes: TestHome[] = [];
  const lane = await fakeAccountLane(fake, "cap", "app-server", homes);
  const { child, info } = await forkTs<{ url: string; token: string }>(path.join(__dirname, "lib/worker-child.ts"), { BENCH_LANE: JSON.stringify({ ...lane, concurrency: 256 }) });
  const remote = new RemoteCodexLane("cap", { url: info.url, token: info.token }, { rateLimitPollMs: 0, turnTimeoutMs: 120_000, models: null });
  try {
    await directTurn(remote, userRequest("gpt-5.5", "start"));
    const app = appServerOf(child.pid!);
    if (!app) throw new Error("no app-server under the worker");
    const mem = () => ({ worker: rssMiB(child.pid!), app: rssMiB(app) });
    const idle0 = { ...mem(), fds: fds(app) };
    const rows: string[][] = [];
    let base = NaN;
    for (let c = 1; c <= flags.max; c *= 2) {
      const lat: number[] = [];
      let peak = { worker: 0, app: 0, fds: 0 };
      const cpu0 = cpuMs(child.pid!) + cpuMs(app);
      const sample = setInterval(() => {
        const m = mem();
        peak = { worker: Math.max(peak.worker, m.worker), app: Math.max(peak.app, m.app), fds: Math.max(peak.fds, fds(app)) };
      }, 50);
      for (let r = 0; r < flags.rounds; r++) {
        await Promise.all(
          Array.from({ length: c }, async (_, i) => {
            const req: ChatRequest = userRequest("gpt-5.5", `capacity c${c} r${r} #${i}`);
            const t0 = performance.now();
            await directTurn(remote, req);
            lat.push(performance.now() - t0);
          }),
        );
      }
      clearInterval(sample);
      const cpu = (cpuMs(child.pid!) + cpuMs(app) - cpu0) / lat.length;
      if (c === 1) base = median(lat);
      rows.push([String(c), String(lat.length), ms(median(lat), 1), ms(quantile(lat, 0.9), 1), (median(lat) / base).toFixed(2), ms(cpu, 1), ms(peak.worker, 0), ms(peak.app, 0), String(peak.fds)]);
      console.error(`c=${c} done; ${loadLine("now")}`);
    }
    const after = { ...mem(), fds: fds(app) };
    console.log();
    console.log(table(["concurrent turns", "turns", "latency p50 ms", "latency p90 ms", "p50 / p50 at 1", "CPU ms per turn (worker + app-server)", "worker RSS MiB (peak)", "app-server RSS MiB (peak)", "app-server fds (peak)"], rows));
    console.log();
    const idleRows = [["idle, after the first turn", ms(idle0.worker, 0), ms(idle0.app, 0), String(idle0.fds)], ["idle, right after the last round", ms(after.worker, 0), ms(after.app, 0), String(after.fds)]];
    if (flags.idle > 0) {
      await new Promise((r) => setTimeout(r, flags.idle * 1000));
      const later = { ...mem(), fds: fds(app) };
      idleRows.push([`idle, ${flags.idle} s later`, ms(later.worker, 0), ms(later.app, 0), String(later.fds)]);
    }
    console.log(table(["when", "worker RSS MiB", "app-server RSS MiB", "app-server fds"], idleRows));
  } finally {
    await remote.close();
    await stop(child);
    await fake.close();
    for (const h of homes) h.cleanup();
  }
  console.log(loadLine("at end"));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
