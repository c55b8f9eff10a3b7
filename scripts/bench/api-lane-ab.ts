// Issue 14 item 4: the API-key lane before and after its CPU work, in one run. The same requests go,
// in interleaved rounds (the order rotating), to a gateway built from BEFORE_TREE (a checkout of the
// commit before, with node_modules) and to this tree's, each in its own process, both against one fake
// OpenAI API. On a shared machine this is the fair comparison: both see the same load. Prints CPU ms
// per request (utime+stime of the gateway's process over its rounds) and the p50 of the latency (of
// the first token when streamed), each gateway's and their ratio.
//
// Then, with wrk installed, the paced stream through wrk at concurrency 1 and 16 (--wrk seconds per
// gateway and round, the gateways taking turns): wrk's p50 (request written to last byte) and CPU per
// request.
//
//   BEFORE_TREE=<checkout> node --import tsx scripts/bench/api-lane-ab.ts [--rounds 8] [--c1 300] [--c16 1600] [--stream 300] [--paced 100] [--paced16 400] [--embed 300] [--wrk 5] [--wrk-rounds 2]

import path from "node:path";
import { burst, target, type Sample, type Target } from "./lib/http-load";
import { cpuMs, forkTs, stop } from "./lib/procs";
import { intFlags, loadLine, machineLine, median, ms, table } from "./lib/stats";
import { wrk, wrkAvailable } from "./lib/wrk";

const flags = intFlags({ rounds: 8, c1: 300, c16: 1600, stream: 300, paced: 100, paced16: 400, embed: 300, wrk: 5, wrkRounds: 2 });

const chat = (stream: boolean, prompt = "Say hello in one short sentence.") =>
  Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "system", content: "You are terse." }, { role: "user", content: prompt }], ...(stream ? { stream: true } : {}) }));
const PACED = chat(true, "SCENARIO=slow CHUNKS=20 DELAY_MS=2");
const EMBED = Buffer.from(JSON.stringify({ model: "text-embedding-3-small", input: ["The quick brown fox jumps over the lazy dog.", "Pack my box with five dozen liquor jugs."], encoding_format: "float" }));

interface Scenario {
  label: string;
  route: string;
  body: Buffer;
  stream: boolean;
  concurrency: number;
  count: number;
  expect: string;
}

const scenarios: Scenario[] = [
  { label: "non-streamed, concurrency 1", route: "chat/completions", body: chat(false), stream: false, concurrency: 1, count: flags.c1, expect: "echo: " },
  { label: "non-streamed, concurrency 16", route: "chat/completions", body: chat(false), stream: false, concurrency: 16, count: flags.c16, expect: "echo: " },
  { label: "stream: true, concurrency 1", route: "chat/completions", body: chat(true), stream: true, concurrency: 1, count: flags.stream, expect: "[DONE]" },
  { label: "paced stream (20 chunks 2 ms apart), concurrency 1", route: "chat/completions", body: PACED, stream: true, concurrency: 1, count: flags.paced, expect: "[DONE]" },
  { label: "paced stream (20 chunks 2 ms apart), concurrency 16", route: "chat/completions", body: PACED, stream: true, concurrency: 16, count: flags.paced16, expect: "[DONE]" },
  { label: "embeddings passed through, concurrency 1", route: "embeddings", body: EMBED, stream: false, concurrency: 1, count: flags.embed, expect: '"embedding"' },
];

async function main(): Promise<void> {
  const before = process.env.BEFORE_TREE;
  if (!before) throw new Error("BEFORE_TREE is not set: a checkout of the commit to compare with, with node_modules");
  const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
  const env = { BENCH_UPSTREAM: fake.info.baseUrl };
  const gws = [
    { name: "before", ...(await forkTs<{ url: string; key: string }>(path.join(before, "scripts/bench/lib/gateway-child.ts"), env)) },
    { name: "after", ...(await forkTs<{ url: string; key: string }>(path.join(__dirname, "lib/gateway-child.ts"), env)) },
  ];
  console.log(`# API-key lane, before and after (interleaved)\n\n${machineLine()}\nbefore: ${before}\n${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);
  const rows: string[][] = [];
  try {
    for (const s of scenarios) {
      const ts = gws.map((g) => ({ t: target(g.name, `${g.info.url}/v1/${s.route}`, { authorization: `Bearer ${g.info.key}` }), pid: g.child.pid! }));
      for (const { t } of ts) await burst(t, Math.min(500, s.count), s.concurrency, s.body, s.stream, s.expect);
      const cpu = new Map<string, number>();
      const lat = new Map<string, number[]>();
      for (let r = 0; r < flags.rounds; r++) {
        for (const { t, pid } of r % 2 === 0 ? ts : [...ts].reverse()) {
          const c0 = cpuMs(pid);
          const samples = await burst(t, s.count, s.concurrency, s.body, s.stream, s.expect);
          await new Promise((res) => setTimeout(res, 50));
          cpu.set(t.name, (cpu.get(t.name) ?? 0) + cpuMs(pid) - c0);
          lat.set(t.name, [...(lat.get(t.name) ?? []), ...samples.map((x: Sample) => (s.stream ? x.firstToken : x.total))]);
        }
      }
      const per = (n: string) => cpu.get(n)! / (flags.rounds * s.count);
      const p50 = (n: string) => median(lat.get(n)!);
      rows.push([s.label, ms(per("before"), 3), ms(per("after"), 3), `${(per("after") / per("before")).toFixed(2)}×`, ms(p50("before"), 3), ms(p50("after"), 3)]);
    }
    console.log(table(["scenario", "CPU ms/request before", "after", "after / before", "p50 ms before (first token when streamed)", "after"], rows) + "\n");
    console.log(loadLine("after the scenarios"));
    if (flags.wrk > 0) await wrkRuns(gws.map((g) => ({ to: target(g.name, `${g.info.url}/v1/chat/completions`, { authorization: `Bearer ${g.info.key}` }), pid: g.child.pid! })));
  } finally {
    for (const c of [...gws.map((g) => g.child), fake.child]) await stop(c);
  }
  console.log(loadLine("at end"));
}

/** The paced stream through wrk (C, keep-alive), the gateways taking turns: p50 to the last byte and CPU per request. */
async function wrkRuns(ts: { to: Target; pid: number }[]): Promise<void> {
  if (!(await wrkAvailable())) return console.log("wrk is not installed: no wrk rows (Debian: apt-get install wrk).\n");
  const rows: string[][] = [];
  for (const c of [1, 16]) {
    const got = new Map<string, { requests: number; cpu: number; p50: number[]; errors: number }>();
    for (let r = 0; r < flags.wrkRounds; r++) {
      for (const { to: t, pid } of r % 2 === 0 ? ts : [...ts].reverse()) {
        const c0 = cpuMs(pid);
        const w = await wrk(t, PACED, c, flags.wrk);
        const g = got.get(t.name) ?? { requests: 0, cpu: 0, p50: [], errors: 0 };
        g.cpu += cpuMs(pid) - c0;
        g.requests += w.requests;
        g.errors += w.errors;
        g.p50.push(w.p50);
        got.set(t.name, g);
      }
    }
    const b = got.get("before")!;
    const a = got.get("after")!;
    const per = (g: typeof b) => g.cpu / g.requests;
    rows.push([`concurrency ${c}`, ms(per(b), 3), ms(per(a), 3), `${(per(a) / per(b)).toFixed(2)}×`, ms(median(b.p50), 3), ms(median(a.p50), 3), String(b.requests), String(a.requests), String(b.errors + a.errors)]);
  }
  console.log(`## wrk: paced stream, ${flags.wrkRounds} × ${flags.wrk} s per gateway (p50 = request written to last byte)\n`);
  console.log(table(["wrk", "CPU ms/request before", "after", "after / before", "p50 ms before", "after", "requests before", "after", "errors"], rows) + "\n");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
