// An agent written with the Vercel AI SDK (`ai` + `@ai-sdk/openai`) at its defaults, pointed at the
// gateway's base URL, on a real Codex lane: its ToolLoopAgent on the Responses API (the provider's
// default), and streamText with a multi-step tool loop on Chat Completions (`openai.chat(...)`).

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { stepCountIs, streamText, tool, ToolLoopAgent } from "ai";
import { z } from "zod";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { accountLane, Teardown } from "./helpers/fixture";
import { CODEX_KEEPS_TOOLS, startTestGateway, type TestGateway } from "./helpers/gateway";

let chatgpt: FakeChatGPT;
let gw: TestGateway;
let openai: ReturnType<typeof createOpenAI>;
const td = new Teardown();

before(async () => {
  chatgpt = await td.start(startFakeChatGPT());
  gw = await startTestGateway(td, { lanes: [await accountLane(td, chatgpt, "plus", "local")] });
  // As the AI SDK's docs say for an OpenAI-compatible base URL: a provider with its base URL and key.
  openai = createOpenAI({ baseURL: gw.baseURL, apiKey: gw.key });
});

after(() => td.run());

function weatherTool(seen: string[]) {
  return tool({
    description: "Current weather in a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      seen.push(city);
      return `sunny in ${city}`;
    },
  });
}

/** The log rows written since `before` rows existed, oldest first. */
function rowsSince(before: number) {
  const rows = gw.requests().list({ limit: 50 }).rows;
  return rows.slice(0, rows.length - before).reverse();
}

test("an AI SDK ToolLoopAgent runs its tool loop through /v1/responses on a Codex lane", async () => {
  const before = gw.requests().list({ limit: 50 }).rows.length;
  const seen: string[] = [];
  const agent = new ToolLoopAgent({ model: openai("gpt-5.5"), instructions: "Answer with the weather.", tools: { get_weather: weatherTool(seen) } });
  const result = await agent.generate({ prompt: "What is the weather in Paris?" });
  assert.equal(seen.length, 1, "the agent ran its tool once");
  assert.equal(result.steps.length, 2, "a tool step, then the answer");
  assert.equal(result.text, `tool results: sunny in ${seen[0]}`);
  assert.deepEqual([...chatgpt.requests.at(-1)!.toolNames].sort(), ["get_weather", ...CODEX_KEEPS_TOOLS].sort(), "exactly the agent's tools were offered");
  const rows = rowsSince(before);
  assert.deepEqual(rows.map((r) => [r.endpoint, r.status, r.toolCalls]), [["responses", "ok", 1], ["responses", "ok", 0]]);
});

test("AI SDK streamText with tools runs its multi-step loop through /v1/chat/completions, streamed", async () => {
  const before = gw.requests().list({ limit: 50 }).rows.length;
  const seen: string[] = [];
  const result = streamText({
    model: openai.chat("gpt-5.5"),
    system: "Answer with the weather.",
    prompt: "What is the weather in Oslo?",
    tools: { get_weather: weatherTool(seen) },
    stopWhen: stepCountIs(5),
  });
  let streamed = "";
  for await (const delta of result.textStream) streamed += delta;
  assert.equal(seen.length, 1, "the loop ran its tool once");
  assert.equal(streamed, `tool results: sunny in ${seen[0]}`);
  assert.equal((await result.steps).length, 2);
  const rows = rowsSince(before);
  assert.deepEqual(rows.map((r) => [r.endpoint, r.stream, r.status, r.toolCalls]), [["chat.completions", true, "ok", 1], ["chat.completions", true, "ok", 0]]);
});
