// The OpenAI surface of the gateway, through real HTTP on 127.0.0.1 with the official `openai`
// client (raw fetch for bad input), lanes played by scripted adapters.

import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";
import { rmSync } from "node:fs";
import http from "node:http";
import { connect } from "node:net";
import { GATEWAY_KEEP_ALIVE_MS } from "../gateway/config/rules";
import { startTestGateway, tempDir, type TestGateway } from "./helpers/gateway";
import { answer, ScriptedAdapter } from "./helpers/scripted-adapter";
import { gate, waitFor } from "./helpers/wait";

function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

const hi = { model: "gpt-test", messages: [{ role: "user", content: "hi" }] };

test("a request without a valid key gets 401 in OpenAI's shape, never reaches a lane and leaves no row", async (t) => {
  const lane = new ScriptedAdapter("a");
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  for (const auth of [undefined, "Bearer cl-not-a-real-key", "Basic abc", `Bearer ${gw.key}x`]) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(hi),
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.code, "invalid_api_key");
    assert.equal(body.error.type, "invalid_request_error");
    assert.ok(res.headers.get("x-request-id"));
  }
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: "cl-wrong", maxRetries: 0 });
  await assert.rejects(client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }), OpenAI.AuthenticationError);
  assert.equal(lane.calls.length, 0);
  assert.equal(gw.requests().count(), 0);
});

test("a revoked key stops working within a moment (the gateway trusts a verified key for at most a second)", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") } });
  const { key } = gw.server.store.keys.create("temp");
  assert.equal((await post(gw, hi, { authorization: `Bearer ${key}` })).status, 200);
  gw.server.store.keys.revoke("temp");
  let status = 0;
  for (let i = 0; i < 100 && status !== 401; i++) {
    status = (await post(gw, hi, { authorization: `Bearer ${key}` })).status;
    if (status !== 401) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status, 401);
});

/** A JSON schema whose objects nest `levels` deep. */
function nestedSchema(levels: number): Record<string, unknown> {
  let s: Record<string, unknown> = { type: "string" };
  for (let i = 1; i < levels; i++) s = { type: "object", properties: { a: s } };
  return s;
}

const BAD_BODIES: [string, unknown, string | null][] = [
  ["a lone surrogate in a message", { model: "gpt-test", messages: [{ role: "user", content: "x\ud800y" }] }, "messages[0].content"],
  ["a lone low surrogate in a text part", { model: "gpt-test", messages: [{ role: "user", content: [{ type: "text", text: "\udfffx" }] }] }, "messages[0].content[0].text"],
  ["a lone surrogate in a system message", { model: "gpt-test", messages: [{ role: "system", content: "be\ud83d" }, { role: "user", content: "x" }] }, "messages[0].content"],
  ["a lone surrogate in a schema key", { ...hi, tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { "k\ud800": { type: "string" } } } } }] }, "tools[0].function.parameters.properties"],
  ["a response schema nested past the limit", { ...hi, response_format: { type: "json_schema", json_schema: { name: "deep", schema: nestedSchema(70) } } }, "response_format.json_schema.schema.properties.a.properties"],
  ["tool parameters nested past the limit", { ...hi, tools: [{ type: "function", function: { name: "f", parameters: nestedSchema(70) } }] }, "tools[0].function.parameters.properties.a"],

  ["missing messages", { model: "gpt-test" }, "messages"],
  ["empty messages", { model: "gpt-test", messages: [] }, "messages"],
  ["missing model", { messages: [{ role: "user", content: "x" }] }, "model"],
  ["model of the wrong type", { model: 5, messages: [{ role: "user", content: "x" }] }, "model"],
  ["messages not an array", { model: "gpt-test", messages: "hi" }, "messages"],
  ["unknown role", { model: "gpt-test", messages: [{ role: "wizard", content: "x" }] }, "messages[0].role"],
  ["tool result answering no call", { model: "gpt-test", messages: [{ role: "tool", content: "x", tool_call_id: "1" }] }, "messages[0]"],
  ["tool result without tool_call_id", { model: "gpt-test", messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
  ["legacy function role", { model: "gpt-test", messages: [{ role: "function", name: "f", content: "x" }] }, "messages[0].role"],
  ["content of the wrong type", { model: "gpt-test", messages: [{ role: "user", content: 7 }] }, "messages[0].content"],
  ["text part without text", { model: "gpt-test", messages: [{ role: "user", content: [{ type: "text" }] }] }, "messages[0].content[0].text"],
  [
    "remote image URL",
    { model: "gpt-test", messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] },
    "messages[0].content[1].image_url",
  ],
  ["last message not from the user", { model: "gpt-test", messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }] }, "messages"],
  ["a hosted tool type", { ...hi, tools: [{ type: "web_search" }] }, "tools[0].type"],
  ["a tool without a function", { ...hi, tools: [{ type: "function" }] }, "tools[0].function"],
  ["a tool name with a space", { ...hi, tools: [{ type: "function", function: { name: "get weather" } }] }, "tools[0].function.name"],
  ["a tool name of 65 characters", { ...hi, tools: [{ type: "function", function: { name: "f".repeat(65) } }] }, "tools[0].function.name"],
  ["a tool named like a Codex built-in", { ...hi, tools: [{ type: "function", function: { name: "apply_patch" } }] }, "tools[0].function.name"],
  ["two tools with one name", { ...hi, tools: [{ type: "function", function: { name: "f" } }, { type: "function", function: { name: "f" } }] }, "tools[1].function.name"],
  ["parameters of the wrong type", { ...hi, tools: [{ type: "function", function: { name: "f", parameters: "x" } }] }, "tools[0].function.parameters"],
  ["tool_choice required without tools", { ...hi, tool_choice: "required" }, "tool_choice"],
  ["tool_choice naming a tool not offered", { ...hi, tools: [{ type: "function", function: { name: "f" } }], tool_choice: { type: "function", function: { name: "g" } } }, "tool_choice"],
  ["tool_choice of an unknown kind", { ...hi, tool_choice: "sometimes" }, "tool_choice"],
  ["parallel_tool_calls of the wrong type", { ...hi, parallel_tool_calls: "yes" }, "parallel_tool_calls"],
  ["legacy functions", { ...hi, functions: [{ name: "f" }] }, "functions"],
  ["legacy function_call", { ...hi, function_call: "auto" }, "function_call"],
  [
    "a tool call without its result",
    { model: "gpt-test", messages: [{ role: "user", content: "x" }, { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "user", content: "y" }] },
    "messages[1]",
  ],
  [
    "a tool call with arguments that are not a string",
    { model: "gpt-test", messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: {} } }] }, { role: "tool", tool_call_id: "c1", content: "r" }] },
    "messages[1].tool_calls[0].function.arguments",
  ],
  ["n > 1", { ...hi, n: 2 }, "n"],
  ["logprobs", { ...hi, logprobs: true }, "logprobs"],
  ["top_logprobs", { ...hi, top_logprobs: 3 }, "top_logprobs"],
  ["audio", { ...hi, audio: { voice: "alloy", format: "mp3" } }, "audio"],
  ["audio modality", { ...hi, modalities: ["text", "audio"] }, "modalities"],
  ["temperature of the wrong type", { ...hi, temperature: "warm" }, "temperature"],
  ["stream of the wrong type", { ...hi, stream: "yes" }, "stream"],
  ["unknown response_format", { ...hi, response_format: { type: "yaml" } }, "response_format.type"],
  ["json_schema without a schema", { ...hi, response_format: { type: "json_schema", json_schema: { name: "x" } } }, "response_format.json_schema.schema"],
  ["unknown reasoning_effort", { ...hi, reasoning_effort: "extreme" }, "reasoning_effort"],
  ["a JSON array body", [1, 2], null],
];

test("each bad body gets a 400 naming the field, and a request-log row; no lane is called", async (t) => {
  const lane = new ScriptedAdapter("a");
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  for (const [what, body, param] of BAD_BODIES) {
    const res = await post(gw, body);
    assert.equal(res.status, 400, what);
    const err = ((await res.json()) as { error: { param: string | null; type: string; message: string } }).error;
    assert.equal(err.param, param, what);
    assert.equal(err.type, "invalid_request_error", what);
    assert.ok(err.message.length > 0, what);
  }
  const invalidJson = await post(gw, "{not json");
  assert.equal(invalidJson.status, 400);
  assert.equal(((await invalidJson.json()) as { error: { code: string } }).error.code, "invalid_json");
  assert.equal(lane.calls.length, 0);
  const rows = gw.requests().list({ limit: 500 }).rows;
  assert.equal(rows.length, BAD_BODIES.length + 1);
  assert.ok(rows.every((r) => r.status === "error" && r.httpStatus === 400 && r.lane === null && r.keyName === "test-client"));
});

test("sampling fields are accepted and ignored; the lane gets the normalized request", async (t) => {
  const lane = new ScriptedAdapter("a");
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  await client.chat.completions.create({
    model: "gpt-test",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
    ],
    temperature: 0.3,
    top_p: 0.9,
    max_tokens: 10,
    presence_penalty: 0,
    seed: 1,
    stop: ["x"],
    user: "u1",
    reasoning_effort: "low",
    response_format: { type: "json_schema", json_schema: { name: "r", schema: { type: "object" }, strict: true } },
  });
  const req = lane.calls[0]!;
  assert.equal(req.reasoningEffort, "low");
  assert.deepEqual(req.responseFormat, { type: "json_schema", name: "r", schema: { type: "object" }, strict: true });
  assert.deepEqual(req.messages[1]!.content[1], { type: "image", dataUrl: "data:image/png;base64,iVBORw0KGgo=" });
  assert.equal(req.messages[0]!.role, "system");
});

test("a body over limits.maxBodyBytes gets 413, with or without Content-Length", async (t) => {
  const lane = new ScriptedAdapter("a");
  const gw = await startTestGateway(t, { adapters: { a: lane }, config: { limits: { maxBodyBytes: 2048, maxUploadBytes: 4096, turnTimeoutMs: 30_000 } } });
  const big = JSON.stringify({ ...hi, messages: [{ role: "user", content: "x".repeat(5000) }] });
  const res = await post(gw, big);
  assert.equal(res.status, 413);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "body_too_large");
  // A chunked body (no Content-Length) is cut off while it is read.
  const chunked = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(big));
      c.close();
    },
  });
  const res2 = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
    body: chunked,
    duplex: "half",
  } as RequestInit);
  assert.equal(res2.status, 413);
  assert.equal(lane.calls.length, 0);
  assert.equal(gw.requests().count({ status: "error" }), 2);
});

test("an unknown model gets 404 model_not_found", async (t) => {
  const lane = new ScriptedAdapter("a", { models: ["gpt-test"] });
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  await gw.server.dispatcher.refresh({ catalogs: true });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const err = await client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.NotFoundError);
  assert.equal(err.code, "model_not_found");
  assert.equal(err.param, "model");
  assert.equal(lane.calls.length, 0);
  const [row] = gw.requests().list().rows;
  assert.equal(row!.httpStatus, 404);
  assert.equal(row!.errorCode, "model_not_found");
});

/** A codex lane whose model catalog is read only once the test lets it. */
class SlowCatalogAdapter extends ScriptedAdapter {
  readonly catalog = gate();
  override async models(): Promise<string[]> {
    await this.catalog.promise;
    return super.models();
  }
}

test("right after start-up, requests wait for the lanes' model catalogs: an unknown model is a 404 and a known one is served, never the other way round", async (t) => {
  const lane = new SlowCatalogAdapter("a", { models: ["gpt-test"] });
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const unknown = client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
  const known = client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  // Both are in the gateway before the lane has read its catalog; then it reads it.
  await waitFor("both requests to arrive", () => gw.server.dispatcher.active() === 2);
  lane.catalog.open();
  const err = await unknown;
  assert.ok(err instanceof OpenAI.NotFoundError, String(err));
  assert.equal(err.code, "model_not_found");
  assert.equal((await known).response.headers.get("x-codex-lanes-lane"), "a");
  assert.deepEqual(lane.calls.map((c) => c.model), ["gpt-test"], "the lane never got the model it does not serve");
});

test("a lane whose catalog is not read within the bound gets no model it may not serve: the next lane serves it, and an unknown model is a 404", async (t) => {
  const stuck = new SlowCatalogAdapter("a", { models: ["gpt-test"] });
  t.after(() => stuck.catalog.open());
  const next = new ScriptedAdapter("b", { models: ["gpt-test"] });
  const gw = await startTestGateway(t, { adapters: { a: stuck, b: next } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  // Both sent while lane a's catalog read is still under way (its own bound is longer than the wait).
  const [{ response }, err] = await Promise.all([
    client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse(),
    client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e),
  ]);
  assert.equal(response.headers.get("x-codex-lanes-lane"), "b");
  assert.ok(err instanceof OpenAI.NotFoundError, String(err));
  assert.equal(stuck.calls.length, 0);
  assert.equal(next.calls.length, 1);
});

test("non-streaming: chat.completion shape, usage details, x-request-id and x-codex-lanes-lane", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a", { script: () => answer("Hello there.") }) } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }).withResponse();
  assert.match(data.id, /^chatcmpl-/);
  assert.equal(data.object, "chat.completion");
  assert.equal(data.model, "gpt-test");
  assert.ok(Math.abs(data.created - Date.now() / 1000) < 60);
  assert.equal(data.choices.length, 1);
  assert.equal(data.choices[0]!.message.role, "assistant");
  assert.equal(data.choices[0]!.message.content, "Hello there.");
  assert.equal(data.choices[0]!.finish_reason, "stop");
  assert.deepEqual(
    { p: data.usage?.prompt_tokens, c: data.usage?.completion_tokens, t: data.usage?.total_tokens, cached: data.usage?.prompt_tokens_details?.cached_tokens, r: data.usage?.completion_tokens_details?.reasoning_tokens },
    { p: 11, c: 7, t: 18, cached: 3, r: 2 },
  );
  const rid = response.headers.get("x-request-id")!;
  assert.match(rid, /^req_/);
  assert.equal(response.headers.get("x-codex-lanes-lane"), "a");
  const row = gw.requests().get(rid)!;
  assert.equal(row.status, "ok");
  assert.equal(row.lane, "a");
  assert.equal(row.inputTokens, 11);
  assert.equal(row.outputTokens, 7);
  assert.equal(row.stream, false);
});

test("a sane client x-request-id is kept; an unsafe one is replaced", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") } });
  const ok = await post(gw, hi, { "x-request-id": "client-abc.123" });
  assert.equal(ok.headers.get("x-request-id"), "client-abc.123");
  assert.ok(gw.requests().get("client-abc.123"));
  const bad = await post(gw, hi, { "x-request-id": "has spaces and <html>" });
  assert.match(bad.headers.get("x-request-id")!, /^req_/);
  // Reused ids still leave one row per request.
  await post(gw, hi, { "x-request-id": "client-abc.123" });
  assert.equal(gw.requests().count(), 3);
});

test("streaming: role chunk, a chunk per delta, finish chunk, usage chunk with include_usage, then [DONE]", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a", { script: () => answer("one two three") }) } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const { data: stream, response } = await client.chat.completions
    .create({ model: "gpt-test", messages: [{ role: "user", content: "count" }], stream: true, stream_options: { include_usage: true } })
    .withResponse();
  assert.equal(response.headers.get("x-codex-lanes-lane"), "a");
  assert.match(response.headers.get("content-type")!, /text\/event-stream/);
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  assert.equal(chunks[0]!.choices[0]!.delta.role, "assistant");
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  assert.equal(text, "one two three");
  assert.equal(chunks.filter((c) => c.choices[0]?.delta.content).length, 3);
  const finish = chunks.find((c) => c.choices[0]?.finish_reason);
  assert.equal(finish!.choices[0]!.finish_reason, "stop");
  const last = chunks[chunks.length - 1]!;
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage!.total_tokens, 18);
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]!.id));
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.equal(row.stream, true);
  assert.equal(row.status, "ok");
  assert.ok(row.firstByteMs !== null);
});

test("streaming without include_usage sends no usage chunk; the raw stream ends with data: [DONE]", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a", { script: () => answer("hi there") }) } });
  const res = await post(gw, { ...hi, stream: true });
  assert.equal(res.status, 200);
  const raw = await res.text();
  const events = raw.split("\n\n").filter(Boolean);
  assert.equal(events[events.length - 1], "data: [DONE]");
  const parsed = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, "")) as Record<string, unknown>);
  assert.ok(parsed.every((p) => !("usage" in p)));
  // Usage is still recorded in the log.
  assert.equal(gw.requests().list().rows[0]!.inputTokens, 11);
});

test("GET /v1/models lists the lanes' models in OpenAI's list shape", async (t) => {
  const gw = await startTestGateway(t, {
    adapters: { a: new ScriptedAdapter("a", { models: ["gpt-a", "gpt-shared"] }), b: new ScriptedAdapter("b", { models: ["gpt-shared", "gpt-b"] }) },
  });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const ids: string[] = [];
  for await (const m of client.models.list()) {
    assert.equal(m.object, "model");
    assert.equal(m.owned_by, "codex-lanes");
    ids.push(m.id);
  }
  assert.deepEqual(ids.sort(), ["gpt-a", "gpt-b", "gpt-shared"]);

  const one = await client.models.retrieve("gpt-b");
  assert.deepEqual([one.id, one.object, one.owned_by], ["gpt-b", "model", "codex-lanes"]);
  const missing = await client.models.retrieve("gpt-nope").catch((e: unknown) => e);
  assert.ok(missing instanceof OpenAI.NotFoundError, "an unknown model is the client's 404");
  assert.equal(missing.code, "model_not_found");
  assert.match(missing.message, /"gpt-nope" is not served by any lane/);
});

test("/healthz needs no key and shows no secret; unknown routes get 404 in OpenAI's shape", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") } });
  const res = await fetch(`${gw.url}/healthz`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const body = JSON.parse(text) as { status: string; version: string; lanes: { total: number; ready: number; notReady: number } };
  assert.equal(body.status, "ok");
  assert.match(body.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(body.lanes, { total: 1, ready: 1, notReady: 0 });
  assert.ok(!text.includes(gw.key) && !text.includes(gw.adminKey));
  assert.ok(res.headers.get("x-request-id"));

  for (const [method, path] of [["GET", "/nope"], ["GET", "/v1/chat/completions"], ["DELETE", "/healthz"]] as const) {
    const r = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(r.status, 404, `${method} ${path}`);
    const e = (await r.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(e.error.type, "invalid_request_error");
    assert.ok(r.headers.get("x-request-id"));
  }
});

test("idle client connections are kept 75 s, and the gateway says so, so a proxy in front can let its own go sooner", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") } });
  const agent = new http.Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const hint = await new Promise<string | undefined>((resolve, reject) => {
    http.get(`${gw.url}/healthz`, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.headers["keep-alive"])));
    }).on("error", reject);
  });
  assert.equal(hint, `timeout=${GATEWAY_KEEP_ALIVE_MS / 1000}`);
});

test("an adapter that throws becomes an upstream error, never a 500 with a stack", async (t) => {
  const gw = await startTestGateway(t, {
    adapters: {
      a: new ScriptedAdapter("a", {
        script: () => ({
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("boom at /secret/path.ts:12")) }),
        }),
      }),
    },
    config: { policy: { defaultCooldownMs: 60_000, maxRetries: 0, circuitThreshold: 5, circuitOpenMs: 30_000 } },
  });
  const res = await post(gw, hi);
  assert.equal(res.status, 502);
  const text = await res.text();
  assert.ok(!text.includes("boom") && !text.includes("/secret/path.ts"));
  assert.equal(((JSON.parse(text) as { error: { code: string } }).error.code), "adapter_error");
});

test("the first start creates a client key named default and prints it once; a restart prints nothing", async (t) => {
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestGateway({ after: () => {} }, { adapters: { a: new ScriptedAdapter("a") }, dataDir });
  const printed = first.stdout();
  const key = printed.trimEnd().split("\n").pop()!;
  assert.match(printed, /created gateway key "default"/);
  assert.match(key, /^cl-/);
  const client = new OpenAI({ baseURL: first.baseURL, apiKey: key, maxRetries: 0 });
  const res = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  assert.equal(res.choices[0]!.message.content, "hello from a");
  assert.ok(!first.logs.text().includes(key), "the key is not in the logs");
  await first.server.close();
  const second = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") }, dataDir });
  assert.equal(second.stdout(), "");
});

test("a deployment (admin key from the environment) prints no key to its logs on the first start", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") }, config: { adminKey: "admin-key-from-env-0123456789abcdef" } });
  assert.doesNotMatch(gw.stdout(), /cl-/);
  assert.match(gw.stdout(), /keys create/);
});

test("a client that goes away while sending its body leaves a cancelled row and no error in the log", async (t) => {
  const lane = new ScriptedAdapter("a");
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  const url = new URL(gw.url);
  const sock = connect(Number(url.port), url.hostname);
  await new Promise((r) => sock.once("connect", r));
  // "Expect: 100-continue": the server answers "100 Continue" as it hands the request to the gateway,
  // so the client vanishes mid-body only once the gateway has the request.
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${gw.key}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\nexpect: 100-continue\r\n\r\n`);
  await new Promise<void>((resolve) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      if (/^HTTP\/1\.1 100 /.test(got)) {
        sock.off("data", onData);
        resolve();
      }
    };
    sock.on("data", onData);
  });
  sock.write(`{"model":`);
  sock.destroy();
  const row = await waitFor("the row", () => gw.requests().list().rows[0]);
  assert.equal(row.status, "cancelled");
  assert.equal(lane.calls.length, 0);
  assert.ok(!gw.logs.lines().some((l) => l.level === "error"), "no error logged");
});
