// POST /v1/responses (plain and streamed), previous_response_id, GET and DELETE, end to end with the
// official openai client: on a real Codex lane (local and through a worker) and on an API-key lane.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { FunctionTool, ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { accountLane, Teardown } from "./helpers/fixture";
import { CODEX_KEEPS_TOOLS, openaiLane, startTestGateway, type TestGateway } from "./helpers/gateway";

const WEATHER: FunctionTool = {
  type: "function",
  name: "get_weather",
  description: "Current weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: true,
};
const TIME: FunctionTool = { type: "function", name: "get_time", description: "Time in a zone", parameters: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] }, strict: false };

for (const mode of ["local", "worker", "api"] as const)
  describe(`responses API (${mode} lane)`, () => {
    let chatgpt: FakeChatGPT;
    let openai: FakeOpenAI;
    let gw: TestGateway;
    let client: OpenAI;
    const td = new Teardown();

    before(async () => {
      chatgpt = await td.start(startFakeChatGPT());
      openai = await td.start(startFakeOpenAI());
      const lane = mode === "api" ? openaiLane("api", openai.baseUrl, "sk-resp-0123456789abcdef") : await accountLane(td, chatgpt, "plus", mode);
      gw = await startTestGateway(td, { lanes: [lane] });
      client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    });

    after(() => td.run());

    test("a plain answer is a Response with a message item and usage", async () => {
      const r = await client.responses.create({ model: "gpt-5.5", input: "hello responses", instructions: "Be brief." });
      assert.equal(r.object, "response");
      assert.equal(r.status, "completed");
      assert.match(r.id, /^resp_/);
      assert.equal(r.output_text, "echo: hello responses");
      assert.equal(r.output[0]!.type, "message");
      assert.ok(r.usage!.input_tokens > 0 && r.usage!.total_tokens >= r.usage!.output_tokens);
      assert.equal(r.instructions, "Be brief.");
      if (mode !== "api") assert.match(chatgpt.requests.at(-1)!.instructionsText, /Be brief\./);
    });

    test("a tool round trip with previous_response_id, then the follow-up continues the stored conversation", async () => {
      const first = await client.responses.create({ model: "gpt-5.5", input: "What is the weather in Paris?", tools: [WEATHER] });
      const call = first.output.find((o) => o.type === "function_call");
      assert.ok(call && call.type === "function_call", JSON.stringify(first.output));
      assert.equal(call.name, "get_weather");
      assert.deepEqual(Object.keys(JSON.parse(call.arguments)), ["city"]);
      const offered = mode === "api" ? (openai.requests.at(-1)!.body.tools as Array<{ name: string }>).map((t) => t.name) : chatgpt.requests.at(-1)!.toolNames;
      assert.deepEqual([...offered].sort(), ["get_weather", ...(mode === "api" ? [] : CODEX_KEEPS_TOOLS)].sort(), "exactly the client's tools were offered");
      const second = await client.responses.create({
        model: "gpt-5.5",
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "sunny" }],
        tools: [WEATHER],
      });
      assert.equal(second.output_text, "tool results: sunny");
      assert.equal(second.previous_response_id, first.id);
      const sent = mode === "api" ? (openai.requests.at(-1)!.body.input as Array<Record<string, unknown>>) : (chatgpt.requests.at(-1)!.fullInput as Array<Record<string, unknown>>);
      const types = sent.map((i) => i.type ?? "message");
      assert.deepEqual(types.slice(-3), ["message", "function_call", "function_call_output"], "the stored conversation was replayed");
      if (mode === "api") assert.equal(openai.requests.at(-1)!.body.previous_response_id, undefined, "our ids never reach OpenAI");
    });

    test("stateless: the client sends the whole conversation itself as items", async () => {
      const first = await client.responses.create({ model: "gpt-5.5", input: "PARALLEL please", tools: [WEATHER, TIME], store: false });
      const calls = first.output.filter((o) => o.type === "function_call");
      assert.equal(calls.length, 2);
      const input: ResponseInputItem[] = [{ role: "user", content: "PARALLEL please" }, ...(first.output as ResponseInputItem[])];
      for (const c of calls) if (c.type === "function_call") input.push({ type: "function_call_output", call_id: c.call_id, output: `${c.name} done` });
      const second = await client.responses.create({ model: "gpt-5.5", input, tools: [WEATHER, TIME], store: false });
      assert.equal(second.output_text, "tool results: get_weather done | get_time done");
      const missing = await client.responses.retrieve(first.id).catch((e: unknown) => e);
      assert.ok(missing instanceof OpenAI.NotFoundError, "store: false keeps nothing");
    });

    test("streamed: the documented event sequence with sequence numbers, text before the calls", async () => {
      const stream = await client.responses.create({ model: "gpt-5.5", input: "PREAMBLE weather", tools: [WEATHER], stream: true });
      const events: ResponseStreamEvent[] = [];
      for await (const ev of stream) events.push(ev);
      assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
      assert.deepEqual(events.map((e) => e.type), [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        ...events.filter((e) => e.type === "response.output_text.delta").map(() => "response.output_text.delta"),
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
      ]);
      const done = events.at(-1)!;
      assert.ok(done.type === "response.completed");
      assert.deepEqual(done.response.output.map((o) => o.type), ["message", "function_call"]);
      assert.equal(done.response.output_text ?? (done.response.output[0] as { content: Array<{ text: string }> }).content[0]!.text, "Let me look that up.");
      assert.ok(done.response.usage!.total_tokens > 0);
    });

    test("GET returns a stored response to its key only; DELETE removes it", async () => {
      const r = await client.responses.create({ model: "gpt-5.5", input: "keep me" });
      const got = await client.responses.retrieve(r.id);
      assert.equal(got.id, r.id);
      assert.deepEqual(got.output, r.output);
      const other = gw.server.store.keys.create(`other-${mode}`).key;
      const stranger = new OpenAI({ baseURL: gw.baseURL, apiKey: other, maxRetries: 0 });
      const hidden = await stranger.responses.retrieve(r.id).catch((e: unknown) => e);
      assert.ok(hidden instanceof OpenAI.NotFoundError);
      const chained = await stranger.responses.create({ model: "gpt-5.5", input: "x", previous_response_id: r.id }).catch((e: unknown) => e);
      assert.ok(chained instanceof OpenAI.NotFoundError);
      assert.equal(chained.param, "previous_response_id");
      await client.responses.delete(r.id);
      assert.ok((await client.responses.retrieve(r.id).catch((e: unknown) => e)) instanceof OpenAI.NotFoundError);
    });

    test("the request log says responses and counts the calls", async () => {
      const { response } = await client.responses.create({ model: "gpt-5.5", input: "PARALLEL", tools: [WEATHER, TIME] }).withResponse();
      const row = gw.requests().get(response.headers.get("x-request-id")!)!;
      assert.equal(row.endpoint, "responses");
      assert.equal(row.toolCalls, 2);
    });
  });

describe("responses API: a stream that fails after its first text", () => {
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  const td = new Teardown();

  before(async () => {
    openai = await td.start(startFakeOpenAI());
    gw = await startTestGateway(td, { lanes: [openaiLane("api", openai.baseUrl, "sk-fail-0123456789abcdef")] });
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });

  after(() => td.run());

  /** The raw SSE events of one streamed request, as any HTTP client sees them. */
  async function rawEvents(input: string): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
    const res = await fetch(`${gw.baseURL}/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-5.5", input, stream: true }),
    });
    assert.equal(res.status, 200, "the stream had begun when the failure came");
    return (await res.text())
      .split("\n\n")
      .filter((b) => b.trim() !== "")
      .map((b) => ({ event: /^event: (.*)$/m.exec(b)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) as Record<string, unknown> }));
  }

  test("a fault in the request found mid-stream is the error event, which the openai package throws as an APIError", async () => {
    const events = await rawEvents("FAIL_AFTER_TEXT=error");
    const last = events.at(-1)!;
    assert.equal(last.event, "error");
    assert.deepEqual(events.map((e) => e.data.sequence_number), events.map((_, i) => i));
    assert.deepEqual(events.map((e) => e.event).slice(0, 5), ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"]);
    assert.equal(last.data.type, "error");
    assert.equal(last.data.code, "context_window_exceeded");
    assert.equal(last.data.param, null);
    assert.match(String(last.data.message), /context window/);
    assert.ok(!events.some((e) => e.event === "response.failed" || e.event === "response.completed"));

    const stream = await client.responses.create({ model: "gpt-5.5", input: "FAIL_AFTER_TEXT=error", stream: true });
    const seen: string[] = [];
    const thrown = await (async () => {
      for await (const ev of stream) seen.push(ev.type);
    })().catch((e: unknown) => e);
    assert.ok(thrown instanceof OpenAI.APIError, String(thrown));
    assert.equal(thrown.code, "context_window_exceeded");
    assert.equal(thrown.type, "invalid_request_error");
    assert.ok(seen.includes("response.output_text.delta"), "the text before the failure reached the client");
  });

  test("the response's own failure mid-stream is response.failed, with the text so far and the error", async () => {
    const stream = await client.responses.create({ model: "gpt-5.5", input: "FAIL_AFTER_TEXT=failed", stream: true });
    const events: ResponseStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    const last = events.at(-1)!;
    assert.ok(last.type === "response.failed", last.type);
    assert.equal(last.response.status, "failed");
    assert.equal(last.response.error?.code, "server_error");
    assert.match(last.response.error.message, /failed to finish/);
    assert.deepEqual(last.response.output.map((o) => o.type), ["message"]);
    const rows = gw.requests().list({ limit: 1 }).rows;
    assert.equal(rows[0]!.status, "error");
  });
});
