// Gateway overhead on the API-key lane (issue 3). The same chat completion is sent, in interleaved
// rounds, straight to a fake OpenAI API on loopback ("direct"), through codex-lanes' API-key lane
// ("codex-lanes"), through @portkey-ai/gateway routed to the same fake ("portkey"), and through a
// bare node:http proxy of a few lines ("floor": what the extra hop costs in Node itself), and the same
// proxy on Hono without and with one SQLite row per request ("hono floor", "hono floor + row": what
// the stack and a durable row cost before any of the gateway's own logic), and with the gateway's
// own row ("hono floor + gateway row": its store, schema and RowWriter). Each
// server runs in a process of its own; the load comes from this process over raw node:http
// keep-alive. Added latency = a gateway's quantile minus direct's quantile over the same rounds.
// CPU per request = the gateway process's utime+stime (/proc/<pid>/stat) over its rounds, divided
// by the requests it served. Prints Markdown tables for scripts/bench/README.md.
//
//   node --import tsx scripts/bench/api-lane-overhead.ts [--rounds 10] [--c1 300] [--c16 1600] [--stream 300] [--paced 100] [--wrk 10] [--warmup 500]
//
// "Paced" streams are answered in 20 chunks 2 ms apart, as a real model streams (the fake's
// `SCENARIO=slow CHUNKS=20 DELAY_MS=2`). They are also sent by wrk, for --wrk seconds per path at
// concurrency 1 and 16, when wrk is installed (Debian: apt-get install wrk).
//
// Embeddings (passed through, issue 15) are measured in the same run: direct, codex-lanes and the
// floor, which proxy /v1/embeddings to the same fake.
//
// BENCH_CPU_PROF=<dir> runs the codex-lanes process under `node --cpu-prof` (profile written on
// exit; summarize with scripts/bench/lib/profile-top.ts). PORTKEY_DIR: where Portkey is installed.

import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { burst, post, target, type Sample, type Target } from "./lib/http-load";
import { cpuMs, forkTs, startPortkey, stop } from "./lib/procs";
import { intFlags, loadLine, machineLine, median, ms, plus, quantile, table } from "./lib/stats";
import { wrk, wrkAvailable, type WrkResult } from "./lib/wrk";

const flags = intFlags({ rounds: 10, c1: 300, c16: 1600, stream: 300, paced: 100, wrk: 10, embed: 300, warmup: 500 });
const PACED = "SCENARIO=slow CHUNKS=20 DELAY_MS=2";
const UPSTREAM_KEY = "sk-bench-direct-0123456789";
const MODEL = "gpt-4o-mini";
const PROMPT = "Say hello in one short sentence.";

interface Scenario {
  label: string;
  concurrency: number;
  perRound: number;
  stream: boolean;
  prompt?: string;
  /** Chat by default. */
  embeddings?: boolean;
}

const EMBED_BODY = Buffer.from(JSON.stringify({ model: "text-embedding-3-small", input: ["The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs."], encoding_format: "float" }));
const EMBED_EXPECT = '"embedding"';

interface Series {
  samples: Sample[];
  /** Median of each round, to show how stable the difference is. */
  roundMedians: number[];
  cpuMs: number;
  requests: number;
}

function body(stream: boolean, prompt = PROMPT): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: MODEL,
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: prompt },
      ],
      ...(stream ? { stream: true } : {}),
    }),
  );
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
    children.push(fake.child);
    const prof = process.env.BENCH_CPU_PROF;
    const gw = await forkTs<{ url: string; key: string }>(
      path.join(__dirname, "lib/gateway-child.ts"),
      { BENCH_UPSTREAM: fake.info.baseUrl },
      prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [],
    );
    children.push(gw.child);
    const floorChild = await forkTs<{ url: string }>(path.join(__dirname, "lib/floor-proxy-child.ts"), { BENCH_UPSTREAM: fake.info.baseUrl });
    children.push(floorChild.child);
    const floor = floorChild;
    const honoFloor = await forkTs<{ url: string }>(path.join(__dirname, "lib/hono-floor-child.ts"), { BENCH_UPSTREAM: fake.info.baseUrl });
    children.push(honoFloor.child);
    const honoRow = await forkTs<{ url: string }>(path.join(__dirname, "lib/hono-floor-child.ts"), { BENCH_UPSTREAM: fake.info.baseUrl, BENCH_ROW: "1" });
    children.push(honoRow.child);
    const honoGatewayRow = await forkTs<{ url: string }>(path.join(__dirname, "lib/hono-floor-child.ts"), { BENCH_UPSTREAM: fake.info.baseUrl, BENCH_ROW: "gateway" });
    children.push(honoGatewayRow.child);
    const portkey = await startPortkey();
    if (typeof portkey !== "string") children.push(portkey.child);

    const targets: Target[] = [
      target("direct", `${fake.info.baseUrl}/chat/completions`, { authorization: `Bearer ${UPSTREAM_KEY}` }),
      target("codex-lanes", `${gw.info.url}/v1/chat/completions`, { authorization: `Bearer ${gw.info.key}` }),
    ];
    targets.push(target("floor", `${floor.info.url}/v1/chat/completions`, {}));
    targets.push(target("hono floor", `${honoFloor.info.url}/v1/chat/completions`, {}));
    targets.push(target("hono floor + row", `${honoRow.info.url}/v1/chat/completions`, {}));
    targets.push(target("hono floor + gateway row", `${honoGatewayRow.info.url}/v1/chat/completions`, {}));
    const pids = new Map<string, number>([
      ["codex-lanes", gw.child.pid!],
      ["floor", floor.child.pid!],
      ["hono floor", honoFloor.child.pid!],
      ["hono floor + row", honoRow.child.pid!],
      ["hono floor + gateway row", honoGatewayRow.child.pid!],
    ]);
    if (typeof portkey !== "string") {
      targets.push(
        target("portkey", `${portkey.url}/v1/chat/completions`, {
          authorization: `Bearer ${UPSTREAM_KEY}`,
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": fake.info.baseUrl,
        }),
      );
      pids.set("portkey", portkey.child.pid!);
    }

    const embedTargets: Target[] = [
      target("direct", `${fake.info.baseUrl}/embeddings`, { authorization: `Bearer ${UPSTREAM_KEY}` }),
      target("codex-lanes", `${gw.info.url}/v1/embeddings`, { authorization: `Bearer ${gw.info.key}` }),
      target("floor", `${floor.info.url}/v1/embeddings`, {}),
    ];

    console.log(`# API-key lane overhead\n\n${machineLine()}`);
    console.log(`Portkey: ${typeof portkey === "string" ? `not measured: ${portkey}` : `@portkey-ai/gateway ${portkey.version} (@hono/node-server ${portkey.nodeServerVersion})`}`);
    console.log(`${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);

    const expect = "echo: ";
    for (const t of targets) {
      await post(t, body(false), false, expect);
      await post(t, body(true), true, "[DONE]");
    }
    for (const t of targets) {
      await burst(t, flags.warmup, 1, body(false), false, expect);
      await burst(t, flags.warmup, 16, body(false), false, expect);
      await burst(t, Math.ceil(flags.warmup / 2), 1, body(true), true, "[DONE]");
    }
    for (const t of embedTargets) await burst(t, flags.warmup, 1, EMBED_BODY, false, EMBED_EXPECT);

    const scenarios: Scenario[] = [
      { label: "non-streaming, concurrency 1", concurrency: 1, perRound: flags.c1, stream: false },
      { label: "non-streaming, concurrency 16", concurrency: 16, perRound: flags.c16, stream: false },
      { label: "stream: true, concurrency 1", concurrency: 1, perRound: flags.stream, stream: true },
      { label: "paced stream (20 chunks 2 ms apart), concurrency 1", concurrency: 1, perRound: flags.paced, stream: true, prompt: PACED },
      { label: "embeddings (passed through), concurrency 1", concurrency: 1, perRound: flags.embed, stream: false, embeddings: true },
    ];
    for (const s of scenarios) {
      const ts = s.embeddings ? embedTargets : targets;
      report(s, await measure(s, ts, pids), ts);
    }
    if (flags.wrk > 0) await wrkRuns(targets, pids);
    summary();
    console.log(loadLine("at end"));
  } finally {
    for (const c of children.reverse()) await stop(c);
  }
}

async function measure(s: Scenario, targets: Target[], pids: Map<string, number>): Promise<Map<string, Series>> {
  const series = new Map<string, Series>(targets.map((t) => [t.name, { samples: [], roundMedians: [], cpuMs: 0, requests: 0 }]));
  const b = s.embeddings ? EMBED_BODY : body(s.stream, s.prompt);
  const expect = s.embeddings ? EMBED_EXPECT : s.stream ? "[DONE]" : "echo: ";
  for (let r = 0; r < flags.rounds; r++) {
    // Rotate the order each round so no target always runs right after another.
    const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
    for (const t of order) {
      const pid = pids.get(t.name);
      const cpu0 = pid ? cpuMs(pid) : 0;
      const samples = await burst(t, s.perRound, s.concurrency, b, s.stream, expect);
      // Let anything a process still does after its last answer (a WAL checkpoint, timers) land in this round.
      await new Promise((res) => setTimeout(res, 80));
      const ser = series.get(t.name)!;
      if (pid) ser.cpuMs += cpuMs(pid) - cpu0;
      ser.requests += samples.length;
      ser.samples.push(...samples);
      ser.roundMedians.push(median(samples.map((x) => (s.stream ? x.firstByte : x.total))));
    }
  }
  return series;
}

/** The paced stream through wrk, each path in turn, at concurrency 1 and 16. */
async function wrkRuns(targets: Target[], pids: Map<string, number>): Promise<void> {
  if (!(await wrkAvailable())) {
    console.log("wrk is not installed: the wrk rows are left out (Debian: apt-get install wrk).\n");
    return;
  }
  const b = body(true, PACED);
  for (const c of [1, 16]) {
    const rows: string[][] = [];
    let direct: WrkResult | null = null;
    for (const t of targets) {
      const pid = pids.get(t.name);
      const cpu0 = pid ? cpuMs(pid) : 0;
      const r = await wrk(t, b, c, flags.wrk);
      const cpu = pid ? (cpuMs(pid) - cpu0) / r.requests : NaN;
      if (t.name === "direct") direct = r;
      const added = (k: "p50" | "p99") => (direct && t.name !== "direct" ? plus(r[k] - direct[k], 3) : "");
      rows.push([t.name, String(r.requests), String(r.errors), ms(r.p50, 3), ms(r.p99, 3), added("p50"), added("p99"), pid ? ms(cpu, 3) : "(fake upstream not counted)"]);
    }
    console.log(`## wrk: paced stream, concurrency ${c}, ${flags.wrk} s per path (latency = request written to last byte)\n`);
    console.log(table(["path", "requests", "errors", "p50 ms", "p99 ms", "added p50 ms", "added p99 ms", "gateway CPU ms/request"], rows) + "\n");
  }
}

/** Per scenario and path: CPU per request and added p50 (first token when streamed), for the summary. */
const results: { label: string; cpu: Map<string, number>; added: Map<string, number> }[] = [];

/** Every path against the floor, from this run's tables: the issue's "≤ 1.5× the floor" in one place. */
function summary(): void {
  const paths = ["hono floor", "hono floor + row", "hono floor + gateway row", "codex-lanes", "portkey"];
  const x = (v: number | undefined, floor: number | undefined) => (v === undefined || floor === undefined ? "" : `${ms(v, 3)} (${(v / floor).toFixed(2)}×)`);
  const rows = (pick: (r: (typeof results)[number]) => Map<string, number>) =>
    results.map((r) => [r.label, ms(pick(r).get("floor") ?? NaN, 3), ...paths.map((p) => x(pick(r).get(p), pick(r).get("floor")))]);
  console.log("## Against the floor: CPU ms per request (× the floor's)\n");
  console.log(table(["scenario", "floor", ...paths], rows((r) => r.cpu)) + "\n");
  console.log("## Against the floor: added p50 ms, first token when streamed (× the floor's)\n");
  console.log(table(["scenario", "floor", ...paths], rows((r) => r.added)) + "\n");
}

function report(s: Scenario, series: Map<string, Series>, targets: Target[]): void {
  const direct = series.get("direct")!;
  const pick = (x: Sample) => (s.stream ? x.firstByte : x.total);
  const d = direct.samples.map(pick);
  const rows = targets.map((t) => {
    const ser = series.get(t.name)!;
    const v = ser.samples.map(pick);
    const isDirect = t.name === "direct";
    const perRound = ser.roundMedians.map((m, i) => m - direct.roundMedians[i]!);
    const cells = [
      t.name,
      ms(median(v), 3),
      ms(quantile(v, 0.99), 3),
      isDirect ? "" : plus(median(v) - median(d), 3),
      isDirect ? "" : plus(quantile(v, 0.99) - quantile(d, 0.99), 3),
      isDirect ? "" : `${plus(Math.min(...perRound), 3)} .. ${plus(Math.max(...perRound), 3)}`,
    ];
    if (s.stream) {
      const tok = ser.samples.map((x) => x.firstToken);
      const dtok = direct.samples.map((x) => x.firstToken);
      const tot = ser.samples.map((x) => x.total);
      const dtot = direct.samples.map((x) => x.total);
      cells.push(ms(median(tok), 3), isDirect ? "" : plus(median(tok) - median(dtok), 3), isDirect ? "" : plus(median(tot) - median(dtot), 3));
    }
    cells.push(isDirect ? "(fake upstream not counted)" : ms(ser.cpuMs / ser.requests, 3));
    return cells;
  });
  const what = s.stream ? "first byte" : "latency";
  const head = [
    "path",
    `${what} p50 ms`,
    `${what} p99 ms`,
    "added p50 ms",
    "added p99 ms",
    "added p50, per-round range",
    ...(s.stream ? ["first token p50 ms", "added first token p50", "added to last byte p50"] : []),
    "gateway CPU ms/request",
  ];
  const cpu = new Map<string, number>();
  const added = new Map<string, number>();
  const at = (x: Sample) => (s.stream ? x.firstToken : x.total);
  for (const t of targets) {
    if (t.name === "direct") continue;
    const ser = series.get(t.name)!;
    cpu.set(t.name, ser.cpuMs / ser.requests);
    added.set(t.name, median(ser.samples.map(at)) - median(direct.samples.map(at)));
  }
  results.push({ label: s.label, cpu, added });
  console.log(`## ${s.label}: ${flags.rounds} rounds x ${s.perRound} requests per path\n`);
  console.log(table(head, rows) + "\n");
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
