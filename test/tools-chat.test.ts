// Client function tools on /v1/chat/completions, end to end: the official openai client -> the
// gateway -> a real Codex lane (the pinned CLI's app-server against the fake ChatGPT backend), run
// locally, through an account worker, and on an API-key lane (the fake OpenAI API).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { clientTools, CODEX_TOOL_NAMES } from "./fakes/responses";
import { accountLane, Teardown } from "./helpers/fixture";
import { CODEX_KEEPS_TOOLS, openaiLane, signedInLane, startTestGateway, type TestGateway } from "./helpers/gateway";

const WEATHER: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
const TIME: ChatCompletionTool = {
  type: "function",
  function: { name: "get_time", description: "Current time in a time zone", parameters: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] } },
};

/** What the client's own tool returns. */
function runTool(name: string, args: string): string {
  const a = JSON.parse(args) as Record<string, string>;
  return name === "get_weather" ? `sunny in ${a.city}` : `noon in ${a.zone}`;
}

for (const mode of ["local", "worker", "api"] as const)
  describe(`chat tools (${mode} lane)`, () => {
    let chatgpt: FakeChatGPT;
    let openai: FakeOpenAI;
    let gw: TestGateway;
    let client: OpenAI;
    const td = new Teardown();

    before(async () => {
      chatgpt = await td.start(startFakeChatGPT());
      openai = await td.start(startFakeOpenAI());
      const lane = mode === "api" ? openaiLane("api", openai.baseUrl, "sk-tools-0123456789abcdef") : await accountLane(td, chatgpt, "plus", mode);
      gw = await startTestGateway(td, { lanes: [lane] });
      client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    });

    after(() => td.run());

    /** Every tool the upstream model was offered on the latest request, sorted. */
    const offered = (): string[] => {
      if (mode === "api") {
        const body = openai.requests.at(-1)!.body as { tools?: Array<{ function: { name: string } }> };
        return (body.tools ?? []).map((t) => t.function.name).sort();
      }
      return [...chatgpt.requests.at(-1)!.toolNames].sort();
    };
    /** What `offered()` must be: the client's tools, plus on a Codex lane the ones Codex cannot drop. */
    const exactly = (client: string[]): string[] => [...client, ...(mode === "api" ? [] : CODEX_KEEPS_TOOLS)].sort();

    test("a full tool round trip: the model calls the function, the client answers, the model uses the result", async () => {
      const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];
      const first = await client.chat.completions.create({ model: "gpt-5.5", messages, tools: [WEATHER] });
      const choice = first.choices[0]!;
      assert.equal(choice.finish_reason, "tool_calls");
      const calls = choice.message.tool_calls!;
      assert.equal(calls.length, 1);
      const call = calls[0]!;
      assert.equal(call.type, "function");
      assert.ok(call.type === "function" && call.function.name === "get_weather");
      assert.ok(call.id.length > 0);
      assert.deepEqual(Object.keys(JSON.parse(call.type === "function" ? call.function.arguments : "{}")), ["city"]);
      assert.deepEqual(offered(), exactly(["get_weather"]), "exactly the client's tools were offered");

      messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: call.type === "function" ? runTool(call.function.name, call.function.arguments) : "" });
      const second = await client.chat.completions.create({ model: "gpt-5.5", messages, tools: [WEATHER] });
      assert.equal(second.choices[0]!.finish_reason, "stop");
      assert.equal(second.choices[0]!.message.content, "tool results: sunny in fake");
      if (mode !== "api") {
        const input = chatgpt.requests.at(-1)!.fullInput as Array<Record<string, unknown>>;
        const tail = input.slice(-2);
        assert.deepEqual(tail.map((i) => i.type), ["function_call", "function_call_output"], "history injected as items");
        assert.equal(tail[0]!.call_id, call.id);
        assert.equal(tail[1]!.call_id, call.id);
        assert.ok(!input.slice(-1).some((i) => i.role === "user"), "no user message after the tool result");
      }
    });

    test("streamed: text before the calls, then delta.tool_calls with index, finish_reason tool_calls", async () => {
      const stream = await client.chat.completions.create({
        model: "gpt-5.5",
        messages: [{ role: "user", content: "PREAMBLE PARALLEL weather and time please" }],
        tools: [WEATHER, TIME],
        stream: true,
      });
      let content = "";
      const byIndex = new Map<number, { id: string; name: string; args: string }>();
      let finish: string | null = null;
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (!c) continue;
        if (c.delta.content) content += c.delta.content;
        for (const tc of c.delta.tool_calls ?? []) {
          const cur = byIndex.get(tc.index) ?? { id: "", name: "", args: "" };
          if (tc.id) cur.id = tc.id;
          if (tc.function?.name) cur.name += tc.function.name;
          if (tc.function?.arguments) cur.args += tc.function.arguments;
          byIndex.set(tc.index, cur);
        }
        if (c.finish_reason) finish = c.finish_reason;
      }
      assert.equal(finish, "tool_calls");
      assert.equal(content, "Let me look that up.");
      assert.deepEqual([...byIndex.keys()], [0, 1]);
      assert.deepEqual([...byIndex.values()].map((c) => c.name), ["get_weather", "get_time"]);
      for (const c of byIndex.values()) JSON.parse(c.args);
    });

    test("parallel_tool_calls false returns only the first call", async () => {
      const r = await client.chat.completions.create({
        model: "gpt-5.5",
        messages: [{ role: "user", content: "PARALLEL both" }],
        tools: [WEATHER, TIME],
        parallel_tool_calls: false,
      });
      assert.deepEqual(r.choices[0]!.message.tool_calls!.map((c) => (c.type === "function" ? c.function.name : "")), ["get_weather"]);
    });

    test("tool_choice naming a function answers with a call to it", async () => {
      const r = await client.chat.completions.create({
        model: "gpt-5.5",
        messages: [{ role: "user", content: "NO_TOOL just talk" }],
        tools: [WEATHER, TIME],
        tool_choice: { type: "function", function: { name: "get_time" } },
      });
      const calls = r.choices[0]!.message.tool_calls ?? [];
      if (mode === "api") {
        // The API-key lane hands tool_choice to OpenAI as the client sent it.
        assert.deepEqual((openai.requests.at(-1)!.body as { tool_choice: unknown }).tool_choice, { type: "function", function: { name: "get_time" } });
        return;
      }
      assert.equal(r.choices[0]!.finish_reason, "tool_calls");
      assert.equal(calls.length, 1);
      assert.ok(calls[0]!.type === "function" && calls[0]!.function.name === "get_time");
      assert.deepEqual(Object.keys(JSON.parse(calls[0]!.type === "function" ? calls[0]!.function.arguments : "")), ["zone"]);
      assert.deepEqual(offered(), exactly([]), "a forced call is asked for as the output schema, with none of the client's tools offered");
    });

    test("the request log records the tool calls it returned", async () => {
      const { response } = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "PARALLEL" }], tools: [WEATHER, TIME] }).withResponse();
      const row = gw.requests().get(response.headers.get("x-request-id")!)!;
      assert.equal(row.endpoint, "chat.completions");
      assert.equal(row.toolCalls, 2);
      assert.equal(row.status, "ok");
      const lane = mode === "api" ? "api" : "plus";
      const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).text();
      const calls = new RegExp(`^codex_lanes_tool_calls_total\\{lane="${lane}",endpoint="chat.completions"\\} (\\d+)$`, "m").exec(metrics);
      assert.ok(calls && Number(calls[1]) >= 2, metrics);
      assert.match(metrics, /^codex_lanes_endpoint_requests_total\{endpoint="chat.completions",status="ok"\} \d+$/m);
    });
  });

test("the fake tells client tools from Codex's own", () => {
  const body = { tools: [{ type: "function", name: "request_user_input" }, { type: "function", name: "mine" }, { type: "custom", name: "apply_patch" }] };
  assert.deepEqual(clientTools(body).map((t) => t.name), ["mine"]);
  assert.ok(CODEX_TOOL_NAMES.has("apply_patch"));
});

describe("chat tools skip exec lanes", () => {
  let chatgpt: FakeChatGPT;
  const td = new Teardown();
  const lane = (name: string, engine: "exec" | "app-server") => signedInLane(chatgpt, name, td.home(`${name}-`), { engine });
  before(async () => {
    chatgpt = await td.start(startFakeChatGPT());
  });
  after(() => td.run());

  test("a tool request skips an exec lane like a lane that does not serve the model, and the next lane serves it", async () => {
    const gw = await startTestGateway(td, { lanes: [lane("ex", "exec"), lane("as", "app-server")] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "weather?" }], tools: [WEATHER] }).withResponse();
    assert.equal(data.choices[0]!.finish_reason, "tool_calls");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "as");
    const row = gw.requests().get(response.headers.get("x-request-id")!)!;
    assert.deepEqual(row.attempts.map((a) => `${a.lane}:${a.outcome}:${a.code}`), ["ex:model_not_served:tools_not_supported", "as:ok:null"]);
    assert.equal(chatgpt.requestsFor("acct-ex").length, 0, "the exec lane never ran Codex");
  });

  test("when only exec lanes serve the model, a tool request gets a 400 naming tools", async () => {
    const gw = await startTestGateway(td, { lanes: [lane("ex2", "exec")] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "weather?" }], tools: [WEATHER] }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.param, "tools");
    assert.match(err.message, /exec engine/);
  });
});

describe("failover in the middle of a tool loop", () => {
  let chatgpt: FakeChatGPT;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  const td = new Teardown();

  before(async () => {
    chatgpt = await td.start(startFakeChatGPT());
    openai = await td.start(startFakeOpenAI());
    const lanes = [await accountLane(td, chatgpt, "fa", "local"), await accountLane(td, chatgpt, "fb", "local")];
    lanes.push(openaiLane("api", openai.baseUrl, "sk-failover-0123456789abcdef"));
    gw = await startTestGateway(td, { lanes });
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });

  after(() => td.run());

  test("chat: account A is spent between the call and the follow-up; B continues the loop from the injected history", async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "weather in Oslo?" }];
    const { data: first, response } = await client.chat.completions.create({ model: "gpt-5.5", messages, tools: [WEATHER] }).withResponse();
    assert.equal(response.headers.get("x-codex-lanes-lane"), "fa");
    const call = first.choices[0]!.message.tool_calls![0]!;
    chatgpt.setScenario("acct-fa", { name: "usage_limit", resetsAt: Math.floor(Date.now() / 1000) + 3600 });
    messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "rain" });
    const { data: second, response: r2 } = await client.chat.completions.create({ model: "gpt-5.5", messages, tools: [WEATHER] }).withResponse();
    assert.equal(r2.headers.get("x-codex-lanes-lane"), "fb");
    assert.equal(second.choices[0]!.message.content, "tool results: rain");
    const row = gw.requests().get(r2.headers.get("x-request-id")!)!;
    assert.deepEqual(row.attempts.map((a) => `${a.lane}:${a.outcome}`), ["fa:usage_limit", "fb:ok"]);
    const injected = chatgpt.requestsFor("acct-fb").at(-1)!.fullInput as Array<Record<string, unknown>>;
    assert.equal(injected.filter((i) => i.type === "function_call" && i.call_id === call.id).length, 1);
  });

  test("Responses: with both accounts spent, the API-key lane continues a stored conversation in the same answer shape", async () => {
    chatgpt.setScenario("acct-fa", "ok");
    const first = await client.responses.create({ model: "gpt-5.5", input: "weather in Rome?", tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false }] }).withResponse();
    assert.equal(first.response.headers.get("x-codex-lanes-lane"), "fb");
    const call = first.data.output.find((o) => o.type === "function_call")!;
    assert.ok(call.type === "function_call");
    chatgpt.setScenario("acct-fb", { name: "usage_limit", resetsAt: Math.floor(Date.now() / 1000) + 3600 });
    const second = await client.responses
      .create({ model: "gpt-5.5", previous_response_id: first.data.id, input: [{ type: "function_call_output", call_id: call.call_id, output: "warm" }] })
      .withResponse();
    assert.equal(second.response.headers.get("x-codex-lanes-lane"), "api");
    assert.equal(second.data.object, "response");
    assert.equal(second.data.output_text, "tool results: warm");
    assert.deepEqual(second.data.output.map((o) => o.type), ["message"]);
    const upstream = openai.requests.at(-1)!.body.input as Array<Record<string, unknown>>;
    assert.deepEqual(upstream.map((i) => i.type ?? "message"), ["message", "function_call", "function_call_output"]);
  });
});
