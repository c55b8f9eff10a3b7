// Issue 11: what a tool round trip's follow-up costs on a Codex lane, stateless (a new thread with
// the conversation injected) against continuing the held app-server turn (its pending tool calls
// answered on the open thread), side by side. Two gateways on two accounts of the fake ChatGPT
// backend, one with `limits.toolHoldMs: 0` (always stateless) and one at the default (held), take
// turns on the same tool loop; a delay proxy between Codex and the fake adds 0, 25 or 100 ms round
// trips. Per follow-up: the client's wall time, and what crossed the network (new connections,
// model requests, warm-ups).
//
//   node --import tsx scripts/bench/tool-continue.ts [--loops 20] [--rtts 3]

import { post, target } from "./lib/http-load";
import { fakeAccountLane, startBenchGateway, type BenchGateway } from "./lib/codex-gateway";
import { RemoteFake, type FakeCounts } from "./lib/remote-fake";
import { intFlags, loadLine, machineLine, median, ms, quantile, table } from "./lib/stats";
import type { TestHome } from "../../test/fakes/codex-run";

const flags = intFlags({ loops: 20, rtts: 3 });
const RTTS = [0, 25, 100].slice(0, flags.rtts);
const MODES = ["stateless", "continued"] as const;
const TOOLS = [{ type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];

interface Measured {
  ms: number;
  connections: number;
  requests: number;
  warmups: number;
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await RemoteFake.start({ delayProxy: true });
  const homes: TestHome[] = [];
  const rows: string[][] = [];
  try {
    for (const rtt of RTTS) {
      await fake.setOneWayMs(rtt / 2);
      const gws = new Map<(typeof MODES)[number], BenchGateway>();
      for (const mode of MODES) {
        const lane = await fakeAccountLane(fake, `${mode[0]}${rtt}`, "app-server", homes);
        gws.set(mode, await startBenchGateway([lane], { config: mode === "stateless" ? { limits: { ...limits(), toolHoldMs: 0 } } : {} }));
      }
      try {
        const samples = new Map<string, Measured[]>(MODES.map((m) => [m, []]));
        // Loop 0 warms each app-server up; then the modes take turns.
        for (let i = 0; i <= flags.loops; i++) {
          for (const mode of MODES) {
            const m = await loop(fake, gws.get(mode)!, `weather ${mode} ${rtt} ${i}`);
            if (i > 0) samples.get(mode)!.push(m);
          }
        }
        for (const mode of MODES) rows.push(row(rtt, mode, samples.get(mode)!));
        console.error(`rtt ${rtt} ms done; ${loadLine("now")}`);
      } finally {
        for (const gw of gws.values()) await gw.close();
      }
    }
  } finally {
    await fake.close();
    for (const h of homes) h.cleanup();
  }
  console.log();
  console.log(table(["RTT ms", "follow-up", "loops", "p50 ms", "p90 ms", "new connections", "model requests", "warm-ups"], rows));
  console.log(loadLine("at end"));
}

function limits() {
  return { maxBodyBytes: 10 * 1024 * 1024, maxUploadBytes: 512 * 1024 * 1024, turnTimeoutMs: 30_000 };
}

/** The call (not timed), then the follow-up with its result (timed, with what it cost upstream). */
async function loop(fake: RemoteFake, gw: BenchGateway, text: string): Promise<Measured> {
  const t = target("gw", `${gw.url}/v1/chat/completions`, { authorization: `Bearer ${gw.key}` });
  const messages: unknown[] = [{ role: "user", content: text }];
  const first = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-5.5", messages, tools: TOOLS }),
  });
  const msg = ((await first.json()) as { choices: Array<{ message: { tool_calls?: Array<{ id: string }> } }> }).choices[0]!.message;
  if (!msg.tool_calls?.length) throw new Error(`no tool call: ${JSON.stringify(msg)}`);
  messages.push(msg, ...msg.tool_calls.map((c) => ({ role: "tool", tool_call_id: c.id, content: "sunny" })));
  const body = Buffer.from(JSON.stringify({ model: "gpt-5.5", messages, tools: TOOLS }));
  const before = await fake.counts();
  const s = await post(t, body, false, "tool results: sunny");
  const after = await fake.counts();
  t.agent.destroy();
  const d = (k: keyof FakeCounts) => after[k] - before[k];
  return { ms: s.total, connections: d("connections"), requests: d("requests"), warmups: d("warmups") };
}

function row(rtt: number, mode: string, s: Measured[]): string[] {
  const per = (k: "connections" | "requests" | "warmups") => (s.reduce((a, x) => a + x[k], 0) / s.length).toFixed(2);
  const t = s.map((x) => x.ms);
  return [String(rtt), mode, String(s.length), ms(median(t), 1), ms(quantile(t, 0.9), 1), per("connections"), per("requests"), per("warmups")];
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
