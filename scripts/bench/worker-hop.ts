// The gateway → worker hop alone: a gateway's remote lane (gateway/upstreams/codex-remote.ts) runs
// turns on a worker (gateway/worker/app.ts, served as the worker serves it) whose lane answers at
// once from a script, so what is measured is the hop: the POST, the worker's HTTP and NDJSON, the
// gateway's reading of it. Per turn: time to the first text, to the end, and CPU (both sides run
// in this process, so CPU is the hop's whole cost). Turns run one at a time, then 16 at once.
//
//   node --import tsx scripts/bench/worker-hop.ts [--turns 3000] [--rounds 3]

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ChatRequest, TurnEvent } from "../../gateway/chat/types";
import { RemoteCodexLane } from "../../gateway/upstreams/codex-remote";
import { createWorkerApp } from "../../gateway/worker/app";
import { ScriptedAdapter, answer } from "../../test/helpers/scripted-adapter";
import { intFlags, loadLine, machineLine, median, ms, quantile, table } from "./lib/stats";

const flags = intFlags({ turns: 3000, rounds: 3 });
const TOKEN = "bench-worker-token-0123456789";
const EVENTS: TurnEvent[] = [{ type: "thread", thread: "kept" }, ...answer("Hello there, this is a short answer of a few words.")];
const REQ: ChatRequest = { model: "gpt-5.5", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], stream: true, includeUsage: true };

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const lane = new ScriptedAdapter("w", { script: () => EVENTS });
  const server = serve({ fetch: createWorkerApp({ lane, token: TOKEN }).fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const remote = new RemoteCodexLane("w", { url, token: TOKEN }, { rateLimitPollMs: 0, turnTimeoutMs: 60_000, models: ["gpt-5.5"] });
  const rows: string[][] = [];
  try {
    await run(remote, 200, 1); // warm-up
    for (let r = 0; r < flags.rounds; r++) {
      for (const c of [1, 16]) rows.push(await run(remote, flags.turns, c));
    }
  } finally {
    await remote.close();
    server.close();
  }
  console.log();
  console.log(table(["concurrency", "turns", "first text p50 ms", "first text p90 ms", "end p50 ms", "CPU ms / turn"], rows));
  console.log(loadLine("at end"));
}

async function run(remote: RemoteCodexLane, turns: number, concurrency: number): Promise<string[]> {
  const first: number[] = [];
  const end: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (next < turns) {
      next++;
      const t0 = performance.now();
      let t1 = NaN;
      for await (const ev of remote.turn(REQ, { signal: new AbortController().signal })) {
        if (Number.isNaN(t1) && ev.type === "delta") t1 = performance.now();
        if (ev.type === "error") throw new Error(ev.message);
      }
      first.push(t1 - t0);
      end.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return [String(concurrency), String(turns), ms(median(first), 3), ms(quantile(first, 0.9), 3), ms(median(end), 3), ms((cpu.user + cpu.system) / 1000 / turns, 3)];
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
