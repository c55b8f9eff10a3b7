// An agent written with OpenAI's Agents SDK (@openai/agents) at its defaults (the Responses API,
// function tools, its own tool loop) pointed at the gateway's base URL, on a real Codex lane.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from "@openai/agents";
import OpenAI from "openai";
import { z } from "zod";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { accountLane, Teardown } from "./helpers/fixture";
import { startTestGateway, type TestGateway } from "./helpers/gateway";

let chatgpt: FakeChatGPT;
let gw: TestGateway;
const td = new Teardown();

before(async () => {
  chatgpt = await td.start(startFakeChatGPT());
  gw = await startTestGateway(td, { lanes: [await accountLane(td, chatgpt, "plus", "local")] });
  // As the SDK's docs say for any OpenAI-compatible endpoint: a client with its base URL and key.
  setDefaultOpenAIClient(new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 }));
  setTracingDisabled(true);
});

after(() => td.run());

test("an Agents SDK agent runs its whole tool loop through /v1/responses on a Codex lane", async () => {
  const seen: string[] = [];
  const getWeather = tool({
    name: "get_weather",
    description: "Current weather in a city",
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      seen.push(city);
      return `sunny in ${city}`;
    },
  });
  const agent = new Agent({ name: "Weather", instructions: "Answer with the weather.", model: "gpt-5.5", tools: [getWeather] });
  const result = await run(agent, "What is the weather in Paris?");
  assert.equal(seen.length, 1, "the agent ran its tool once");
  assert.equal(result.finalOutput, `tool results: sunny in ${seen[0]}`);
  const rows = gw.requests().list({ limit: 10 }).rows;
  assert.ok(rows.length >= 2 && rows.every((r) => r.endpoint === "responses" && r.status === "ok"), JSON.stringify(rows.map((r) => [r.endpoint, r.status])));
  assert.deepEqual(rows.map((r) => r.toolCalls).sort(), [0, 1]);
});
