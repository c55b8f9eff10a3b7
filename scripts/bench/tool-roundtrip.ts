// The gateway's own added time per tool round trip (issue 11), outside any model turn: a tool loop
// (the call, then the follow-up carrying its result) sent straight to the fake OpenAI API on
// loopback ("direct") and through the gateway's API-key lane to the same fake, interleaved, for
// chat completions and the Responses API (stateless: the whole conversation in the follow-up).
// Added time = median(gateway round trip) - median(direct round trip). Gateway and fake share this
// process, so the figure includes no extra process hop beyond the HTTP one.
//
//   node --import tsx scripts/bench/tool-roundtrip.ts [--n 300]

import { startFakeOpenAI } from "../../test/fakes/openai";
import { openaiLane, startTestGateway } from "../../test/helpers/gateway";

const n = Number(process.argv[process.argv.indexOf("--n") + 1]) || 300;
const TOOL = { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

async function post(url: string, key: string, body: unknown): Promise<any> {
  const r = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function chatLoop(base: string, key: string): Promise<void> {
  const messages: any[] = [{ role: "user", content: "weather in Paris?" }];
  const tools = [{ type: "function", function: TOOL }];
  const first = await post(`${base}/chat/completions`, key, { model: "gpt-5.5", messages, tools });
  const msg = first.choices[0].message;
  messages.push(msg, ...msg.tool_calls.map((c: any) => ({ role: "tool", tool_call_id: c.id, content: "sunny" })));
  await post(`${base}/chat/completions`, key, { model: "gpt-5.5", messages, tools });
}

async function responsesLoop(base: string, key: string): Promise<void> {
  const tools = [{ type: "function", ...TOOL }];
  const input: any[] = [{ role: "user", content: "weather in Paris?" }];
  const first = await post(`${base}/responses`, key, { model: "gpt-5.5", input, tools, store: false });
  input.push(...first.output, ...first.output.filter((o: any) => o.type === "function_call").map((c: any) => ({ type: "function_call_output", call_id: c.call_id, output: "sunny" })));
  await post(`${base}/responses`, key, { model: "gpt-5.5", input, tools, store: false });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const cleanups: (() => unknown)[] = [];
  const fake = await startFakeOpenAI();
  const gw = await startTestGateway({ after: (f: () => unknown) => cleanups.push(f) }, { lanes: [openaiLane("api", fake.baseUrl, "sk-bench-0123456789abcdef")] });
  try {
    for (const [label, loop] of [["chat completions", chatLoop], ["responses (stateless)", responsesLoop]] as const) {
      const direct: number[] = [];
      const through: number[] = [];
      for (let i = 0; i < 30; i++) await loop(gw.baseURL, gw.key); // warm-up
      for (let i = 0; i < n; i++) {
        let t = performance.now();
        await loop(fake.baseUrl, "sk-direct");
        direct.push(performance.now() - t);
        t = performance.now();
        await loop(gw.baseURL, gw.key);
        through.push(performance.now() - t);
      }
      const d = median(direct);
      const g = median(through);
      console.log(`| ${label} | ${n} | ${d.toFixed(2)} ms | ${g.toFixed(2)} ms | ${(g - d).toFixed(2)} ms |`);
    }
  } finally {
    for (const f of cleanups.reverse()) await f();
    await fake.close();
  }
}

console.log("| tool round trip (call + follow-up) | loops | direct median | through the gateway median | added by the gateway |");
console.log("|---|---|---|---|---|");
void main();
