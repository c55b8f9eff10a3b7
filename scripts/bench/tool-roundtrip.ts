// Issue 11: the gateway's own added time per tool round trip, outside any model turn. A tool loop
// (the call, then the follow-up carrying its result) goes straight to the fake OpenAI API
// ("direct") and through the gateway's API-key lane to the same fake, interleaved, for chat
// completions and the Responses API (stateless: the whole conversation in the follow-up). The
// gateway and the fake each run in a process of their own (lib/gateway-child.ts,
// lib/fake-openai-child.ts), with the gateway logging at warn as deployed, and the client is a raw
// node:http keep-alive agent, so the difference is the gateway's time and its one extra HTTP hop.
// Added time = median(gateway round trip) - median(direct round trip).
//
//   node --import tsx scripts/bench/tool-roundtrip.ts [--loops 400] [--warmup 50]

import path from "node:path";
import { post, target, type Target } from "./lib/http-load";
import { cpuMs, forkTs, stop } from "./lib/procs";
import { intFlags, loadLine, machineLine, median, ms, plus, quantile, table } from "./lib/stats";

const flags = intFlags({ loops: 400, warmup: 50 });
const TOOL = { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

type Loop = (t: (p: string) => Target) => Promise<void>;

/** Chat completions: the call, then the follow-up with the assistant's tool_calls and the tool result. */
const chatLoop: Loop = async (t) => {
  const tools = [{ type: "function", function: TOOL }];
  await post(t("/chat/completions"), Buffer.from(JSON.stringify({ model: "gpt-5.5", messages: [{ role: "user", content: "weather in Paris?" }], tools })), false, '"tool_calls"');
  const call = { id: "call_bench", type: "function", function: { name: "get_weather", arguments: '{"city":"fake"}' } };
  const messages = [{ role: "user", content: "weather in Paris?" }, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "sunny" }];
  await post(t("/chat/completions"), Buffer.from(JSON.stringify({ model: "gpt-5.5", messages, tools })), false, "tool results: sunny");
};

/** Responses, stateless: the call, then the whole conversation with the function_call_output. */
const responsesLoop: Loop = async (t) => {
  const tools = [{ type: "function", ...TOOL }];
  const input: unknown[] = [{ role: "user", content: "weather in Paris?" }];
  await post(t("/responses"), Buffer.from(JSON.stringify({ model: "gpt-5.5", input, tools, store: false })), false, '"function_call"');
  input.push({ type: "function_call", call_id: "call_bench", name: "get_weather", arguments: '{"city":"fake"}' }, { type: "function_call_output", call_id: "call_bench", output: "sunny" });
  await post(t("/responses"), Buffer.from(JSON.stringify({ model: "gpt-5.5", input, tools, store: false })), false, "tool results: sunny");
};

function targets(base: string, key: string): (p: string) => Target {
  const cache = new Map<string, Target>();
  return (p) => {
    let t = cache.get(p);
    if (!t) cache.set(p, (t = target(p, `${base}${p}`, { authorization: `Bearer ${key}` })));
    return t;
  };
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(loadLine("at start"));
  const fake = await forkTs<{ baseUrl: string }>(path.join(__dirname, "lib/fake-openai-child.ts"), {});
  const gw = await forkTs<{ url: string; key: string }>(path.join(__dirname, "lib/gateway-child.ts"), { BENCH_UPSTREAM: fake.info.baseUrl });
  const direct = targets(fake.info.baseUrl, "sk-direct");
  const through = targets(`${gw.info.url}/v1`, gw.info.key);
  const rows: string[][] = [];
  try {
    for (const [label, loop] of [["chat completions", chatLoop], ["responses (stateless)", responsesLoop]] as const) {
      for (let i = 0; i < flags.warmup; i++) {
        await loop(direct);
        await loop(through);
      }
      const d: number[] = [];
      const g: number[] = [];
      const cpu0 = cpuMs(gw.child.pid!);
      for (let i = 0; i < flags.loops; i++) {
        let t0 = performance.now();
        await loop(direct);
        d.push(performance.now() - t0);
        t0 = performance.now();
        await loop(through);
        g.push(performance.now() - t0);
      }
      const cpu = (cpuMs(gw.child.pid!) - cpu0) / flags.loops;
      rows.push([label, String(flags.loops), ms(median(d)), ms(median(g)), plus(median(g) - median(d)), ms(quantile(d, 0.9)), ms(quantile(g, 0.9)), ms(cpu)]);
    }
  } finally {
    await stop(gw.child);
    await stop(fake.child);
  }
  console.log();
  console.log(
    table(
      ["tool round trip (call + follow-up)", "loops", "direct p50 ms", "through the gateway p50 ms", "added by the gateway (p50)", "direct p90 ms", "gateway p90 ms", "gateway CPU ms per round trip"],
      rows,
    ),
  );
  console.log(loadLine("at end"));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
