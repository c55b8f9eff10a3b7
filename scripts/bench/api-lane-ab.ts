// Issue 14 item 4: the API-key lane before and after its CPU work, in one run. The same requests go,
// in interleaved rounds (the order rotating), to a gateway built from BEFORE_TREE (a checkout of the
// commit before, with node_modules) and to this tree's, each in its own process, both against one fake
// OpenAI API. On a shared machine this is the fair comparison: both see the same load. Prints CPU ms
// per request (utime+stime of the gateway's process over its rounds) and the p50 of the latency (of
// the first token when streamed), each gateway's and their ratio, with the floor (a bare node:http
// proxy, lib/floor-proxy-child.ts) taking its turn beside them. A paced stream of 80 chunks next to
// the one of 20 splits a stream's CPU into a part per chunk and a part per stream.
//
// Then, with wrk installed, the paced stream through wrk at concurrency 1 and 16 (--wrk seconds per
// gateway and round, the gateways taking turns): wrk's p50 (request written to last byte) and CPU per
// request.
//
//   BEFORE_TREE=<checkout> node --import tsx scripts/bench/api-lane-ab.ts [--rounds 8] [--c1 300] [--c16 1600] [--stream 300] [--paced 100] [--paced16 400] [--paced80 200] [--embed 300] [--speech 200] [--wrk 5] [--wrk-rounds 2]

import path from "node:path";
import { burst, target, type Sample } from "./lib/http-load";
import { cpuMs, forkTs, stop } from "./lib/procs";
import { intFlags, loadLine, machineLine, median, ms, table } from "./lib/stats";
import { wrk, wrkAvailable } from "./lib/wrk";

const flags = intFlags({ rounds: 8, c1: 300, c16: 1600, stream: 300, paced: 100, paced16: 400, paced80: 200, embed: 300, speech: 200, wrk: 5, wrkRounds: 2 });

const chat = (stream: boolean, prompt = "Say hello in one short sentence.") =>
  Buffer.from(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "system", content: "You are terse." }, { role: "user", content: prompt }], ...(stream ? { stream: true } : {}) }));
const PACED = chat(true, "SCENARIO=slow CHUNKS=20 DELAY_MS=2");
const PACED_80 = chat(true, "SCENARIO=slow CHUNKS=80 DELAY_MS=2");
/** The fake answers 4 chunks of 16 KiB of binary audio, the last one filled with the byte 4. */
const SPEECH = Buffer.from(JSON.stringify({ model: "gpt-4o-mini-tts", voice: "alloy", input: "Say hello." }));
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

const PACED_16 = "paced stream (20 chunks 2 ms apart), concurrency 16";
const PACED_80_16 = "paced stream (80 chunks 2 ms apart), concurrency 16";

const scenarios: Scenario[] = [
  { label: "non-streamed, concurrency 1", route: "chat/completions", body: chat(false), stream: false, concurrency: 1, count: flags.c1, expect: "echo: " },
  { label: "non-streamed, concurrency 16", route: "chat/completions", body: chat(false), stream: false, concurrency: 16, count: flags.c16, expect: "echo: " },
  { label: "stream: true, concurrency 1", route: "chat/completions", body: chat(true), stream: true, concurrency: 1, count: flags.stream, expect: "[DONE]" },
  { label: "paced stream (20 chunks 2 ms apart), concurrency 1", route: "chat/completions", body: PACED, stream: true, concurrency: 1, count: flags.paced, expect: "[DONE]" },
  { label: PACED_16, route: "chat/completions", body: PACED, stream: true, concurrency: 16, count: flags.paced16, expect: "[DONE]" },
  { label: PACED_80_16, route: "chat/completions", body: PACED_80, stream: true, concurrency: 16, count: flags.paced80, expect: "[DONE]" },
  { label: "embeddings passed through, concurrency 1", route: "embeddings", body: EMBED, stream: false, concurrency: 1, count: flags.embed, expect: '"embedding"' },
  { label: "speech passed through (64 KiB of audio), concurrency 1", route: "audio/speech", body: SPEECH, stream: false, concurrency: 1, count: flags.speech, expect: "\u0004" },
];

interface Path {
  name: "before" | "after" | "floor";
  url: string;
  headers: Record<string, string>;
  pid: number;
}

/** CPU ms per request of each path, by scenario label. */
const cpuOf = new Map<string, Map<string, number>>();

async function main(): Promise<void> {
  const before = process.env.BEFORE_TREE;
  if (!before) throw new Error("BEFORE_TREE is not set: a checkout of the commit to compare with, with node_modules");
  const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
  const env = { BENCH_UPSTREAM: fake.info.baseUrl };
  const children = [fake.child];
  const gateway = async (name: "before" | "after", tree: string): Promise<Path> => {
    const g = await forkTs<{ url: string; key: string }>(path.join(tree, "scripts/bench/lib/gateway-child.ts"), env);
    children.push(g.child);
    return { name, url: g.info.url, headers: { authorization: `Bearer ${g.info.key}` }, pid: g.child.pid! };
  };
  const floor = await forkTs<{ url: string }>(path.join(__dirname, "lib/floor-proxy-child.ts"), env);
  children.push(floor.child);
  const paths = [await gateway("before", before), await gateway("after", path.join(__dirname, "../..")), { name: "floor" as const, url: floor.info.url, headers: {}, pid: floor.child.pid! }];
  console.log(`# API-key lane, before and after (interleaved)\n\n${machineLine()}\nbefore: ${before}\n${loadLine("at start")}\nFlags: ${JSON.stringify(flags)}\n`);
  const rows: string[][] = [];
  try {
    for (const s of scenarios) rows.push(await runScenario(s, paths));
    console.log(table(["scenario", "CPU ms/request before", "after", "after / before", "floor", "p50 ms before (first token when streamed)", "after", "floor"], rows) + "\n");
    perChunk();
    console.log(loadLine("after the scenarios"));
    if (flags.wrk > 0) await wrkRuns(paths);
  } finally {
    for (const c of children) await stop(c);
  }
  console.log(loadLine("at end"));
}

async function runScenario(s: Scenario, paths: Path[]): Promise<string[]> {
  const ts = paths.map((p) => ({ t: target(p.name, `${p.url}/v1/${s.route}`, p.headers), pid: p.pid }));
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
  const per = new Map([...cpu].map(([n, v]) => [n, v / (flags.rounds * s.count)]));
  cpuOf.set(s.label, per);
  const p50 = (n: string) => ms(median(lat.get(n)!), 3);
  return [s.label, ms(per.get("before")!, 3), ms(per.get("after")!, 3), `${(per.get("after")! / per.get("before")!).toFixed(2)}×`, ms(per.get("floor")!, 3), p50("before"), p50("after"), p50("floor")];
}

/** The paced streams of 20 and 80 chunks at concurrency 16: CPU per extra chunk, and what a stream costs besides its chunks. */
function perChunk(): void {
  const short = cpuOf.get(PACED_16);
  const long = cpuOf.get(PACED_80_16);
  if (!short || !long) return;
  const rows = ["before", "after", "floor"].map((n) => {
    const chunk = (long.get(n)! - short.get(n)!) / 60;
    return [n, (chunk * 1000).toFixed(1), ms(short.get(n)! - 20 * chunk, 3)];
  });
  console.log("## Paced streams at concurrency 16: CPU per chunk (80 chunks minus 20, over 60) and per stream besides its chunks\n");
  console.log(table(["path", "CPU µs per chunk", "CPU ms per stream besides its chunks"], rows) + "\n");
}

/** The paced stream through wrk (C, keep-alive), the paths taking turns: p50 to the last byte and CPU per request. */
async function wrkRuns(paths: Path[]): Promise<void> {
  if (!(await wrkAvailable())) return console.log("wrk is not installed: no wrk rows (Debian: apt-get install wrk).\n");
  const rows: string[][] = [];
  const ts = paths.map((p) => ({ to: target(p.name, `${p.url}/v1/chat/completions`, p.headers), pid: p.pid }));
  for (const c of [1, 16]) {
    const got = new Map<string, { requests: number; cpu: number; p50: number[]; errors: number }>();
    for (let r = 0; r < flags.wrkRounds; r++) {
      for (const { to, pid } of r % 2 === 0 ? ts : [...ts].reverse()) {
        const c0 = cpuMs(pid);
        const w = await wrk(to, PACED, c, flags.wrk);
        const g = got.get(to.name) ?? { requests: 0, cpu: 0, p50: [], errors: 0 };
        g.cpu += cpuMs(pid) - c0;
        g.requests += w.requests;
        g.errors += w.errors;
        g.p50.push(w.p50);
        got.set(to.name, g);
      }
    }
    const cell = (n: string) => got.get(n)!;
    const per = (n: string) => cell(n).cpu / cell(n).requests;
    const errors = [...got.values()].reduce((a, g) => a + g.errors, 0);
    rows.push([`concurrency ${c}`, ms(per("before"), 3), ms(per("after"), 3), `${(per("after") / per("before")).toFixed(2)}×`, ms(per("floor"), 3), ms(median(cell("before").p50), 3), ms(median(cell("after").p50), 3), ms(median(cell("floor").p50), 3), String(errors)]);
  }
  console.log(`## wrk: paced stream (20 chunks), ${flags.wrkRounds} × ${flags.wrk} s per path (p50 = request written to last byte)\n`);
  console.log(table(["wrk", "CPU ms/request before", "after", "after / before", "floor", "p50 ms before", "after", "floor", "errors"], rows) + "\n");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
