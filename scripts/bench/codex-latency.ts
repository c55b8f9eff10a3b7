// Issue 14: codex lanes on a network with real latency. A delay proxy (lib/delay-proxy.ts) sits
// between Codex and the fake ChatGPT backend, both in the fake's process; TLS passes through it.
// For each round trip (0, 25, 100 ms) fresh gateways start, one per path (app-server engine, exec
// engine, a worker lane running app-server), and each gets the same streamed chat requests in turn.
// Per request it reports what crossed the network (new connections, model requests, warm-ups) and
// the time to first token and to the end, as the client saw them. Two more paths (app-server and
// worker, each on a lane of its own) get one conversation instead: each request carries the
// previous one's messages, its answer and a new user message, as a chat client or an agent sends
// them, so its turn can go on the thread that answered before (gateway/codex/kept-threads.ts). One
// more (app-server) gets independent requests whose system prompt changes every time, as agents
// that stamp the time into theirs send them: no thread started with a request's settings fits, the
// spare does (gateway/codex/thread-pool.ts).
// After each request the harness waits until nothing more crosses to the fake, so what a request
// set going in the background (a ready thread for the next request) is counted with it. Each
// request's time to first token is also split three ways, by the lane adapter's own clock: the
// gateway on the way in, the lane to its first text (Codex, a worker's hop, the network, the
// backend), and the gateway on the way out.

import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { target, post, type Sample } from "./lib/http-load";
import { fakeAccountLane, startBenchGateway, type BenchGateway } from "./lib/codex-gateway";
import { RemoteFake, type FakeCounts } from "./lib/remote-fake";
import { intFlags, loadLine, machineLine, median, ms, quantile, table } from "./lib/stats";
import type { TestHome } from "../../test/fakes/codex-run";
import { codexLane, tempDir } from "../../test/helpers/gateway";
import { startTestWorker, type TestWorker } from "../../test/helpers/worker";

const flags = intFlags({ requests: 20, rtts: 3 });
const RTTS = [0, 25, 100].slice(0, flags.rtts);
const PATHS = ["app-server", "exec", "worker", "app-server, one conversation", "worker, one conversation", "app-server, a new system prompt each"] as const;
type PathName = (typeof PATHS)[number];
type Message = { role: "system" | "user" | "assistant"; content: string };

interface Measured extends Sample {
  connections: number;
  requests: number;
  warmups: number;
  /** Request sent → the lane's turn starts: the gateway's own time on the way in. */
  gatewayIn: number;
  /** The turn starts → its first text: Codex (and a worker lane's hop), the network and the backend. */
  lane: number;
  /** The lane's first text → the client's first token: the gateway's own time on the way out. */
  gatewayOut: number;
  /** The Codex thread that carried it, as the request log says (new, ready, kept, held). */
  thread: string;
}

type Path = { gw: BenchGateway; lane: string; worker?: TestWorker };

/**
 * Waits until the lane is up (its Codex started and its model catalog read), so that request 0 is
 * the first request after start-up rather than one racing the start itself; returns how long that took.
 */
async function laneUp(gw: BenchGateway, lane: string): Promise<number> {
  const t0 = performance.now();
  await gw.adapters.get(lane)!.models();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await RemoteFake.start({ delayProxy: true });
  const homes: TestHome[] = [];
  const results: string[][] = [];
  try {
    for (const rtt of RTTS) {
      await fake.setOneWayMs(rtt / 2);
      const paths = await startPaths(fake, rtt, homes);
      try {
        const samples = new Map<PathName, Measured[]>(PATHS.map((p) => [p, []]));
        const conversations = new Map<PathName, Message[]>(PATHS.map((p) => [p, []]));
        // Request 0 is the first after start-up (the lanes are up: laneUp); the rest are the steady state. Paths take turns.
        for (let i = 0; i <= flags.requests; i++) {
          for (const p of PATHS) {
            const messages: Message[] = p.endsWith("conversation") ? conversations.get(p)! : p.endsWith("each") ? [{ role: "system", content: `It is 10:${String(i).padStart(2, "0")}. Answer briefly.` }] : [];
            messages.push({ role: "user", content: `latency ${p} ${rtt} ${i}` });
            const m = await measured(fake, paths.get(p)!, messages, rtt);
            messages.push({ role: "assistant", content: m.answer });
            samples.get(p)!.push(m);
          }
        }
        for (const p of PATHS) results.push(...rows(rtt, p, samples.get(p)!));
        console.error(`rtt ${rtt} ms done; ${loadLine("now")}`);
      } finally {
        for (const { gw, worker } of paths.values()) {
          await gw.close();
          await worker?.close();
        }
      }
    }
  } finally {
    await fake.close();
    for (const h of homes) h.cleanup();
  }
  console.log();
  console.log(
    table(
      ["RTT ms", "path", "requests", "new connections / request", "model requests / request", "warm-ups / request", "TTFT p50 ms", "TTFT p90 ms", "total p50 ms", "TTFT p50 minus RTT", "gateway in p50", "lane to first text p50", "gateway out p50", "threads (request log)"],
      results,
    ),
  );
  console.log(loadLine("at end"));
}

async function startPaths(fake: RemoteFake, rtt: number, homes: TestHome[]): Promise<Map<PathName, Path>> {
  const out = new Map<PathName, Path>();
  for (const p of PATHS) {
    const name = `${p.startsWith("worker") ? "w" : p === "exec" ? "x" : "a"}${p.endsWith("conversation") ? "c" : p.endsWith("each") ? "p" : ""}${rtt}`;
    const lane = await fakeAccountLane(fake, name, p === "exec" ? "exec" : "app-server", homes);
    if (!p.startsWith("worker")) {
      const gw = await startBenchGateway([lane]);
      console.error(`${p} at ${rtt} ms: lane up ${ms(await laneUp(gw, name), 0)} ms after the gateway listened`);
      out.set(p, { gw, lane: name });
      continue;
    }
    const dataDir = tempDir("bench-worker-");
    const worker = await startTestWorker(lane, { dataDir, turnTimeoutMs: 60_000 });
    const close = worker.close;
    worker.close = async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    const gw = await startBenchGateway([codexLane(name, { concurrency: 2, worker: { url: worker.url, token: worker.token } })]);
    console.error(`${p} at ${rtt} ms: lane up ${ms(await laneUp(gw, name), 0)} ms after the gateway listened`);
    out.set(p, { gw, lane: name, worker });
  }
  return out;
}

async function measured(fake: RemoteFake, { gw, lane }: Path, messages: Message[], rtt: number): Promise<Measured & { answer: string }> {
  const id = `bench-${randomUUID()}`;
  const t = target("gw", `${gw.url}/v1/chat/completions`, { authorization: `Bearer ${gw.key}`, "x-request-id": id });
  const body = Buffer.from(JSON.stringify({ model: "gpt-5.5", stream: true, messages }));
  const before = await fake.counts();
  const sent = performance.now();
  const sample = await post(t, body, true, "[DONE]", true);
  const turn = gw.lastTurn(lane);
  const after = await settled(fake, 250 + 4 * rtt);
  t.agent.destroy();
  const d = (k: keyof FakeCounts) => after[k] - before[k];
  const { body: sse, ...timings } = sample;
  const split = { gatewayIn: turn.start - sent, lane: turn.firstDelta - turn.start, gatewayOut: sent + timings.firstToken - turn.firstDelta };
  const thread = gw.row(id)?.attempts.at(-1)?.thread ?? "-";
  return { ...timings, ...split, thread, connections: d("connections"), requests: d("requests"), warmups: d("warmups"), answer: streamedText(sse) };
}

/**
 * The counts once nothing has crossed to the fake for `quietMs` (at most ~10 s): what a request set
 * going in the background (the ready thread started for the next request like it: a connection and
 * a warm-up, 4 round trips) is counted with that request, not with the next path's.
 */
async function settled(fake: RemoteFake, quietMs: number): Promise<FakeCounts> {
  let last = await fake.counts();
  for (let waited = 0; waited < 10_000; waited += quietMs) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await fake.counts();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  return last;
}

/** The answer's text, from a chat completion's SSE chunks. */
function streamedText(sse: string): string {
  let text = "";
  for (const line of sse.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
    text += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return text;
}

function rows(rtt: number, p: PathName, all: Measured[]): string[][] {
  const line = (label: string, s: Measured[]) => {
    const per = (k: "connections" | "requests" | "warmups") => (s.reduce((a, x) => a + x[k], 0) / s.length).toFixed(2);
    const ttft = s.map((x) => x.firstToken);
    const p50 = (k: "gatewayIn" | "lane" | "gatewayOut") => ms(median(s.map((x) => x[k])), 1);
    const threads = new Map<string, number>();
    for (const x of s) threads.set(x.thread, (threads.get(x.thread) ?? 0) + 1);
    const carried = [...threads].map(([k, n]) => `${k} ${n}`).join(", ");
    return [String(rtt), `${p} (${label})`, String(s.length), per("connections"), per("requests"), per("warmups"), ms(median(ttft), 1), ms(quantile(ttft, 0.9), 1), ms(median(s.map((x) => x.total)), 1), ms(median(ttft) - rtt, 1), p50("gatewayIn"), p50("lane"), p50("gatewayOut"), carried];
  };
  return [line("first after start", all.slice(0, 1)), line("steady", all.slice(1))];
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
