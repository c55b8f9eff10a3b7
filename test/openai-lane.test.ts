// The OpenAI API-key lane against the fake OpenAI API, through the gateway with the official client.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import OpenAI from "openai";
import { FAKE_OPENAI_USAGE, startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { codexLane, openaiLane, startTestGateway } from "./helpers/gateway";
import { answer, ScriptedAdapter } from "./helpers/scripted-adapter";

const API_KEY = "sk-test-SECRET-0123456789abcdefghij";

async function fake(t: { after(fn: () => unknown): void }): Promise<FakeOpenAI> {
  const f = await startFakeOpenAI();
  t.after(() => f.close());
  return f;
}

function client(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

test("non-streaming through the API-key lane: the client's body goes upstream with our key; usage is mapped", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY)] });
  const { data, response } = await client(gw.baseURL, gw.key)
    .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], temperature: 0.4, seed: 3 })
    .withResponse();
  assert.equal(data.choices[0]!.message.content, "echo: hello");
  assert.equal(response.headers.get("x-codex-lanes-lane"), "api");
  assert.equal(data.usage!.prompt_tokens, FAKE_OPENAI_USAGE.prompt_tokens);
  assert.equal(data.usage!.prompt_tokens_details!.cached_tokens, FAKE_OPENAI_USAGE.cached_tokens);
  assert.equal(data.usage!.completion_tokens_details!.reasoning_tokens, FAKE_OPENAI_USAGE.reasoning_tokens);
  const sent = up.requests.at(-1)!;
  assert.equal(sent.apiKey, API_KEY);
  assert.equal(sent.body.model, "gpt-4o-mini");
  assert.equal(sent.body.temperature, 0.4, "fields a Codex lane ignores are honoured here");
  assert.equal(sent.body.stream, false);
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.equal(row.lane, "api");
  assert.equal(row.inputTokens, FAKE_OPENAI_USAGE.prompt_tokens);
  assert.ok(row.apiCostUsd > 0, "gpt-4o-mini has a price");
});

test("a non-streamed answer reaches the client as the upstream sent it: its id, model and fields", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY)] });
  const data = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "as is" }] });
  assert.match(data.id, /^chatcmpl-fake/, "the upstream's own completion id");
  assert.equal(data.system_fingerprint, "fp_fake");
  assert.equal(data.choices[0]!.message.refusal, null);
  assert.equal(data.choices[0]!.message.content, "echo: as is");
});

test("a stream that keeps arriving is not timed out, however long it lasts; only silence is", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY, { timeoutMs: 1_500 })] });
  // 20 chunks 100 ms apart: over 2 s in all, never 1.5 s without a byte.
  up.setScenario({ name: "slow", delayMs: 100, chunks: 20 });
  const stream = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "a long answer to stream" }], stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  assert.equal(text, "echo: a long answer to stream");
  assert.equal(gw.requests().list().rows[0]!.status, "ok");
});

test("streaming through the API-key lane: deltas pass through; usage is always asked upstream and logged", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY)] });
  const c = client(gw.baseURL, gw.key);
  const stream = await c.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "stream me" }], stream: true });
  let text = "";
  let usageChunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) usageChunks++;
  }
  assert.equal(text, "echo: stream me");
  assert.equal(usageChunks, 0, "the client did not ask for usage");
  assert.deepEqual(up.requests.at(-1)!.body.stream_options, { include_usage: true });
  assert.equal(gw.requests().list().rows[0]!.outputTokens, FAKE_OPENAI_USAGE.completion_tokens);

  const withUsage = await c.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "u" }], stream: true, stream_options: { include_usage: true } });
  let total = 0;
  for await (const chunk of withUsage) if (chunk.usage) total = chunk.usage.total_tokens;
  assert.equal(total, FAKE_OPENAI_USAGE.prompt_tokens + FAKE_OPENAI_USAGE.completion_tokens);
});

test("429 with Retry-After is retried on the lane, then the next lane serves", async (t) => {
  const up = await fake(t);
  const b = new ScriptedAdapter("b", { script: () => answer("from b") });
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("api", up.baseUrl, API_KEY), codexLane("b")],
    adapters: { b },
    config: { policy: { defaultCooldownMs: 60_000, maxRetries: 1, circuitThreshold: 5, circuitOpenMs: 30_000 } },
  });
  up.setScenario({ name: "rate_limited", retryAfterSecs: 1 });
  const { data, response } = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(data.choices[0]!.message.content, "from b");
  assert.equal(up.requests.length, 2, "one retry on the API lane after its Retry-After");
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.deepEqual(row.attempts.map((a) => `${a.lane}:${a.outcome}:${a.code ?? ""}`), ["api:transient:rate_limited", "api:transient:rate_limited", "b:ok:"]);

  // A Retry-After beyond the policy's patience moves on at once.
  up.setScenario({ name: "rate_limited", retryAfterSecs: 600 });
  await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "y" }] });
  assert.equal(up.requests.length, 3);
});

test("an upstream 400 goes back to the client as a 400 with the upstream's message, without failover", async (t) => {
  const up = await fake(t);
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY), codexLane("b")], adapters: { b } });
  up.setScenario("bad_request");
  const err = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.BadRequestError);
  assert.match(err.message, /asked to reject/);
  assert.equal(b.calls.length, 0);
});

test("a rejected key puts the lane in needs-login with its fix; the next lane serves", async (t) => {
  const up = await fake(t);
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, API_KEY), codexLane("b")], adapters: { b } });
  up.setScenario("unauthorized");
  const c = client(gw.baseURL, gw.key);
  await c.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] });
  await c.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] });
  assert.equal(up.requests.length, 1);
  const view = gw.server.dispatcher.laneViewsNow().find((v) => v.name === "api")!;
  assert.equal(view.state, "needs-login");
  assert.equal(view.fix, "codex-lanes secrets set api");
});

test("a lane with no API key is skipped and shown with how to add one", async (t) => {
  const up = await fake(t);
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, null), codexLane("b")], adapters: { b } });
  const res = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(res.response.headers.get("x-codex-lanes-lane"), "b");
  assert.equal(up.requests.length, 0);
  const view = gw.server.dispatcher.laneViewsNow().find((v) => v.name === "api")!;
  assert.equal(view.state, "disabled");
  assert.equal(view.code, "no_api_key");
});

test("the monthly spend cap skips the lane once reached", async (t) => {
  const up = await fake(t);
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("api", up.baseUrl, API_KEY, { monthlySpendCapUsd: 0.00001 }), codexLane("b")],
    adapters: { b },
    config: { prices: { "gpt-test": { input: 1, cachedInput: 1, output: 1 } } },
  });
  const c = client(gw.baseURL, gw.key);
  const first = await c.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(first.response.headers.get("x-codex-lanes-lane"), "api");
  const second = await c.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(second.response.headers.get("x-codex-lanes-lane"), "b");
  assert.equal(up.requests.length, 1);
  const view = gw.server.dispatcher.laneViewsNow().find((v) => v.name === "api")!;
  assert.equal(view.code, "spend_cap_reached");
});

test("a lane that does not answer within timeoutMs fails with 504", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("api", up.baseUrl, API_KEY, { timeoutMs: 150 })],
    config: { policy: { defaultCooldownMs: 60_000, maxRetries: 0, circuitThreshold: 5, circuitOpenMs: 30_000 } },
  });
  up.setScenario({ name: "slow", delayMs: 1_000, chunks: 2 });
  const err = await client(gw.baseURL, gw.key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.APIError);
  assert.equal(err.status, 504);
  assert.equal(gw.requests().list().rows[0]!.errorCode, "timeout");
});

test("the API key never appears in the db file, the logs, admin output or error messages, even when the upstream echoes it", async (t) => {
  // An upstream that puts the key it received into its error message.
  const echo = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    req.resume();
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `bad request made with ${auth} (key ${auth.slice(7)})`, type: "invalid_request_error", code: null } }));
  });
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
  t.after(() => new Promise<void>((r) => echo.close(() => r())));
  const up = await fake(t);
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("echo", `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`, API_KEY, { models: ["gpt-echo"] }), openaiLane("api", up.baseUrl, API_KEY)],
    config: { log: { bodies: true, retentionDays: 30 } },
  });
  const c = client(gw.baseURL, gw.key);
  const seen: string[] = [];
  const err = await c.chat.completions.create({ model: "gpt-echo", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.BadRequestError);
  seen.push(err.message, JSON.stringify(err.error));
  await c.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ok" }] });
  for (const s of ["unauthorized", "server_error", "rate_limited"] as const) {
    up.setScenario({ name: s, retryAfterSecs: 0 });
    const e = await c.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: s }], stream: true }).catch((x: unknown) => x);
    seen.push(String((e as Error).message));
  }
  for (const p of ["/admin/lanes", "/admin/requests?limit=500"]) {
    seen.push(await (await fetch(`${gw.url}${p}`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).text());
  }
  seen.push(await (await fetch(`${gw.url}/healthz`)).text());
  await gw.server.close();
  for (const f of readdirSync(gw.dataDir).filter((f) => f.startsWith("gateway.db"))) seen.push(readFileSync(path.join(gw.dataDir, f)).toString("latin1"));
  seen.push(gw.logs.text(), gw.stdout());
  assert.ok(seen.join("\n").includes("[redacted]"), "the echoed key was replaced");
  for (const s of seen) assert.ok(!s.includes(API_KEY) && !s.includes(API_KEY.slice(3)), "the API key leaked");
});
