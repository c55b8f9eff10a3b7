// Every other /v1 route, passed through to the API-key lanes: the official client against the
// gateway, the gateway against the fake OpenAI API.

import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { test } from "node:test";
import OpenAI, { toFile } from "openai";
import { savingsLedger } from "../gateway/calc";
import { FAKE_EMBEDDING_DIMS, FAKE_SPEECH, FAKE_TRANSCRIPTION_USAGE } from "./fakes/openai-pass";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { StreamScrubber } from "../gateway/upstreams/pass-through";
import { codexLane, openaiLane, startTestGateway } from "./helpers/gateway";
import { answer, ScriptedAdapter } from "./helpers/scripted-adapter";
import { waitFor } from "./helpers/wait";

const API_KEY = "sk-test-PASS-0123456789abcdefghijklmn";
const OTHER_KEY = "sk-test-OTHER-9876543210zyxwvutsrqpo";

async function fake(t: { after(fn: () => unknown): void }): Promise<FakeOpenAI> {
  const f = await startFakeOpenAI();
  t.after(() => f.close());
  return f;
}

function client(baseURL: string, apiKey: string): OpenAI {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0 });
}

/** A codex lane first (it must never be tried), then the API-key lane. */
async function gateway(t: { after(fn: () => unknown): void }, up: FakeOpenAI, extra: Parameters<typeof openaiLane>[3] = {}) {
  const codex = new ScriptedAdapter("plus-a", { script: () => answer("from the plan") });
  const gw = await startTestGateway(t, { lanes: [codexLane("plus-a"), openaiLane("api", up.baseUrl, API_KEY, extra)], adapters: { "plus-a": codex } });
  return { gw, codex };
}

test("one base URL: chat goes to the plan, embeddings to the API key, each with its row; the app does not know", async (t) => {
  const up = await fake(t);
  const { gw, codex } = await gateway(t, up);
  const c = client(gw.baseURL, gw.key);

  const chat = await c.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
  assert.equal(chat.choices[0]!.message.content, "from the plan");

  const { data, response } = await c.embeddings.create({ model: "text-embedding-3-small", input: ["three small words", "two words"] }).withResponse();
  assert.equal(data.data.length, 2);
  assert.equal(data.data[0]!.embedding.length, FAKE_EMBEDDING_DIMS, "the client decoded the vectors it asked for");
  assert.equal(data.usage.prompt_tokens, 5);
  assert.equal(response.headers.get("x-codex-lanes-lane"), "api");
  assert.equal(response.headers.get("x-upstream-request-id"), "req_fake_upstream_emb", "the upstream's request id comes back");
  assert.equal(codex.calls.length, 1, "the codex lane saw only the chat");

  const sent = up.requests.at(-1)!;
  assert.equal(sent.path, "/v1/embeddings");
  assert.equal(sent.apiKey, API_KEY, "the lane's key goes upstream, not the gateway key");
  assert.equal(sent.headers["x-client-request-id"], response.headers.get("x-request-id"));
  assert.equal(sent.body.model, "text-embedding-3-small");

  const rows = gw.requests();
  const row = rows.get(response.headers.get("x-request-id")!)!;
  assert.deepEqual(
    [row.endpoint, row.lane, row.status, row.httpStatus, row.model, row.inputTokens, row.outputTokens],
    ["embeddings", "api", "ok", 200, "text-embedding-3-small", 5, 0],
  );
  assert.equal(row.apiCostUsd, 1e-7, "5 tokens priced as text-embedding-3-small ($0.02 per million)");
  assert.deepEqual(row.attempts.map((a) => [a.lane, a.outcome]), [["api", "ok"]]);
  assert.equal(rows.list({ endpoint: "chat.completions" }).rows.length, 1);
  // The savings ledger's metered spend is the lane's month spend (shown to the cent).
  assert.equal(rows.monthSpend("api", Date.now()), 1e-7, "counted as the API-key lane's metered spend");
  assert.deepEqual(savingsLedger({ lanes: [openaiLane("api", up.baseUrl, API_KEY)] }, rows, Date.now()).metered.map((m) => m.lane), ["api"]);

  const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).text();
  assert.match(metrics, /^codex_lanes_endpoint_requests_total\{endpoint="embeddings",status="ok"\} 1$/m);
  assert.match(metrics, /^codex_lanes_endpoint_requests_total\{endpoint="chat.completions",status="ok"\} 1$/m);
  assert.match(metrics, /^codex_lanes_tokens_total\{lane="api",kind="input"\} 5$/m);
});

test("moderations pass through and are logged", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  const res = await client(gw.baseURL, gw.key).moderations.create({ model: "omni-moderation-latest", input: ["fine text", "FLAG this"] });
  assert.deepEqual(res.results.map((r) => r.flagged), [false, true]);
  const [row] = gw.requests().list({ endpoint: "moderations" }).rows;
  assert.deepEqual([row?.lane, row?.status, row?.model], ["api", "ok", "omni-moderation-latest"]);
});

test("an audio transcription upload (multipart) arrives whole; its usage and model are logged", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  const audio = Buffer.alloc(300_000, 7);
  const { data, response } = await client(gw.baseURL, gw.key)
    .audio.transcriptions.create({ model: "gpt-4o-transcribe", file: await toFile(audio, "note.wav", { type: "audio/wav" }) })
    .withResponse();
  assert.equal(data.text, `heard ${audio.length} bytes of note.wav`);
  const got = up.uploads.at(-1)!;
  assert.equal(got.sha256, createHash("sha256").update(audio).digest("hex"));
  assert.equal(got.fields.model, "gpt-4o-transcribe");
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.deepEqual(
    [row.endpoint, row.model, row.inputTokens, row.outputTokens],
    ["audio.transcriptions", "gpt-4o-transcribe", FAKE_TRANSCRIPTION_USAGE.input_tokens, FAKE_TRANSCRIPTION_USAGE.output_tokens],
  );
});

test("speech streams back as it is made: the first chunk reaches the client before the upstream has sent the rest", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  let release!: () => void;
  up.holdSpeech(new Promise<void>((r) => (release = r)));
  t.after(() => release());
  const res = await client(gw.baseURL, gw.key).audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input: "Hello there." });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "audio/mpeg");
  const reader = res.body!.getReader();
  const received: Uint8Array[] = [];
  let bytes = 0;
  // The fake holds everything after its first chunk until release(): the first chunk can only
  // arrive here if the gateway passed it on without waiting for the whole answer.
  while (bytes < FAKE_SPEECH.chunkBytes) {
    const r = await reader.read();
    assert.ok(!r.done, "the stream ended early");
    received.push(r.value);
    bytes += r.value.byteLength;
  }
  release();
  for (let r = await reader.read(); !r.done; r = await reader.read()) received.push(r.value);
  const audio = Buffer.concat(received);
  assert.equal(audio.length, FAKE_SPEECH.chunks * FAKE_SPEECH.chunkBytes);
  for (let i = 0; i < FAKE_SPEECH.chunks; i++) assert.equal(audio[i * FAKE_SPEECH.chunkBytes], i + 1, `chunk ${i} in order`);
  const row = gw.requests().get(res.headers.get("x-request-id")!)!;
  assert.deepEqual([row.endpoint, row.status, row.lane], ["audio.speech", "ok", "api"]);
});

test("a client that leaves in the middle of a streamed answer: the upstream is let go and the row says cancelled", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  let release!: () => void;
  up.holdSpeech(new Promise<void>((r) => (release = r)));
  t.after(() => release());
  const ctl = new AbortController();
  const res = await fetch(`${gw.baseURL}/audio/speech`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini-tts", voice: "alloy", input: "Hello." }),
    signal: ctl.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  ctl.abort();
  const id = res.headers.get("x-request-id")!;
  const row = await waitFor("the cancelled row", () => gw.requests().get(id));
  assert.deepEqual([row.status, row.httpStatus, row.errorCode, row.lane], ["cancelled", 499, "cancelled", "api"]);
  const views = await waitFor("the lane's slot back", () => gw.server.dispatcher.laneViewsNow().find((v) => v.name === "api" && v.inFlight === 0));
  assert.equal(views.state, "ready", "a client leaving is no fault of the lane");
});

test("an SSE answer passes through as events, and its usage from the last event is logged", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  const res = await client(gw.baseURL, gw.key).audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input: "Hi.", stream_format: "sse" });
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const text = await res.text();
  assert.equal(text.match(/speech\.audio\.delta/g)?.length, FAKE_SPEECH.chunks);
  assert.match(text, /speech\.audio\.done/);
  const row = gw.requests().get(res.headers.get("x-request-id")!)!;
  assert.deepEqual([row.inputTokens, row.outputTokens, row.model], [9, 40, "gpt-4o-mini-tts"]);
});

test("a file upload goes through with its purpose; the upstream's answer comes back as is", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  const content = Buffer.from(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ custom_id: `r${i}` })).join("\n"));
  const file = await client(gw.baseURL, gw.key).files.create({ file: await toFile(content, "batch.jsonl"), purpose: "batch" });
  assert.deepEqual([file.bytes, file.filename, file.purpose, file.object], [content.length, "batch.jsonl", "batch", "file"]);
  assert.equal(up.uploads.at(-1)!.sha256, createHash("sha256").update(content).digest("hex"));
  const [row] = gw.requests().list({ endpoint: "files" }).rows;
  assert.deepEqual([row?.status, row?.lane, row?.httpStatus], ["ok", "api", 200]);
});

test("failover between two API-key lanes: a failing first lane is retried, then the second serves; an upload is replayed whole", async (t) => {
  const down = await fake(t);
  const upB = await fake(t);
  down.setScenario("server_error");
  const gw = await startTestGateway(t, {
    lanes: [codexLane("plus-a"), openaiLane("api-a", down.baseUrl, API_KEY), openaiLane("api-b", upB.baseUrl, OTHER_KEY)],
    adapters: { "plus-a": new ScriptedAdapter("plus-a") },
    server: { dispatch: { random: () => 0, sleep: async () => {} } },
  });
  const c = client(gw.baseURL, gw.key);
  const { data, response } = await c.embeddings.create({ model: "text-embedding-3-small", input: "hello" }).withResponse();
  assert.equal(data.usage.prompt_tokens, 1);
  assert.equal(response.headers.get("x-codex-lanes-lane"), "api-b");
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.deepEqual(
    row.attempts.map((a) => `${a.lane}:${a.outcome}`),
    ["api-a:transient", "api-a:transient", "api-a:transient", "api-b:ok"],
    "the same retry rules as chat: two retries on the lane, then the next lane",
  );
  assert.equal(upB.requests.at(-1)!.apiKey, OTHER_KEY);

  // An upload larger than what is kept in memory (1 MiB) is spooled, then replayed to the next lane.
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 3);
  const file = await c.files.create({ file: await toFile(big, "big.jsonl"), purpose: "batch" });
  assert.equal(file.bytes, big.length);
  assert.equal(upB.uploads.at(-1)!.sha256, createHash("sha256").update(big).digest("hex"));
});

test("no API-key lane: an OpenAI-shaped 404 that names the route and the fix, and a row", async (t) => {
  const codex = new ScriptedAdapter("plus-a");
  const gw = await startTestGateway(t, { adapters: { "plus-a": codex } });
  const c = client(gw.baseURL, gw.key);
  const err = await c.embeddings.create({ model: "text-embedding-3-small", input: "x" }).then(
    () => assert.fail("expected an error"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OpenAI.NotFoundError, String(err));
  assert.equal(err.code, "no_api_key_lane");
  assert.match(err.message, /POST \/v1\/embeddings/);
  assert.match(err.message, /"type": "openai"/);
  assert.equal(codex.calls.length, 0, "a codex lane is never tried for a pass-through route");
  const [row] = gw.requests().list({ endpoint: "embeddings" }).rows;
  assert.deepEqual([row?.status, row?.httpStatus, row?.errorCode, row?.lane], ["error", 404, "no_api_key_lane", null]);

  // An unknown path no lane can serve: the same shape, naming the path.
  const res = await fetch(`${gw.baseURL}/no/such/thing`, { method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" }, body: "{}" });
  assert.equal(res.status, 404);
  const body = (await res.json()) as { error: { message: string; type: string; code: string } };
  assert.equal(body.error.type, "invalid_request_error");
  assert.match(body.error.message, /POST \/v1\/no\/such\/thing/);
});

test("an API-key lane without its key: 503 naming the lane and the command that fixes it", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", up.baseUrl, null)] });
  const err = await client(gw.baseURL, gw.key).moderations.create({ input: "x" }).then(
    () => assert.fail("expected an error"),
    (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
  );
  assert.equal(err.status, 503);
  assert.match(err.message, /lane 'api' needs an API key: run `codex-lanes secrets set api`/);
  assert.equal(up.requests.length, 0);
});

test("a route outside a lane's allowlist skips that lane; outside every lane's, a 404 naming the lists and the fix", async (t) => {
  const compat = await fake(t);
  const openai = await fake(t);
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("compat", compat.baseUrl, API_KEY, { routes: ["embeddings"] }), openaiLane("openai", openai.baseUrl, OTHER_KEY, { routes: ["audio", "moderations"] })],
  });
  const c = client(gw.baseURL, gw.key);
  const emb = await c.embeddings.create({ model: "text-embedding-3-small", input: "x" }).withResponse();
  assert.equal(emb.response.headers.get("x-codex-lanes-lane"), "compat");
  const mod = await c.moderations.create({ input: "x" }).withResponse();
  assert.equal(mod.response.headers.get("x-codex-lanes-lane"), "openai", "compat does not list moderations");
  assert.equal(compat.requests.filter((r) => r.path === "/v1/moderations").length, 0);
  const tts = await c.audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input: "x" });
  assert.equal(tts.headers.get("x-codex-lanes-lane"), "openai", '"audio" covers audio.speech');
  await tts.arrayBuffer();

  const err = await c.files.create({ file: await toFile(Buffer.from("x"), "a.jsonl"), purpose: "batch" }).then(
    () => assert.fail("expected an error"),
    (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
  );
  assert.equal(err.status, 404);
  assert.equal(err.code, "route_not_allowed");
  assert.match(err.message, /'compat' \(embeddings\), 'openai' \(audio, moderations\)/);
  assert.match(err.message, /Add "files" to a lane's "routes"/);
  assert.equal(compat.uploads.length + openai.uploads.length, 0);
});

test("upstream errors come back with their status and body, the key scrubbed from body and headers", async (t) => {
  const up = await fake(t);
  const { gw } = await gateway(t, up);
  up.setScenario("echo_key");
  const res = await fetch(`${gw.baseURL}/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "text-embedding-3-small", input: "x" }),
  });
  assert.equal(res.status, 400);
  const text = await res.text();
  assert.ok(up.requests.length > 0 && up.requests.at(-1)!.apiKey === API_KEY, "positive control: the key went upstream");
  assert.ok(!text.includes(API_KEY), text);
  assert.match(text, /\[redacted\] may not use this model/);
  assert.equal(res.headers.get("x-echo"), null, "headers outside the list stay behind");
  const row = gw.requests().get(res.headers.get("x-request-id")!)!;
  assert.deepEqual([row.status, row.httpStatus, row.errorCode, row.lane], ["error", 400, "bad_request", "api"]);
  assert.ok(!gw.logs.text().includes(API_KEY));
});

test("a JSON body over limits.maxBodyBytes and an upload over limits.maxUploadBytes get 413 naming the setting", async (t) => {
  const up = await fake(t);
  const gw = await startTestGateway(t, {
    lanes: [openaiLane("api", up.baseUrl, API_KEY)],
    config: { limits: { maxBodyBytes: 4096, maxUploadBytes: 64 * 1024, turnTimeoutMs: 30_000 } },
  });
  const c = client(gw.baseURL, gw.key);
  const small = await c.files.create({ file: await toFile(Buffer.alloc(10_000, 1), "ok.jsonl"), purpose: "batch" });
  assert.equal(small.bytes, 10_000, "an upload above maxBodyBytes but within maxUploadBytes passes");
  const e1 = await c.embeddings.create({ model: "m", input: "x".repeat(5000) }).catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  assert.equal((e1 as InstanceType<typeof OpenAI.APIError>).status, 413);
  assert.match((e1 as Error).message, /limits\.maxBodyBytes/);
  const e2 = await c.files.create({ file: await toFile(Buffer.alloc(100_000, 1), "big.jsonl"), purpose: "batch" }).catch((e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
  assert.equal((e2 as InstanceType<typeof OpenAI.APIError>).status, 413);
  assert.match((e2 as Error).message, /limits\.maxUploadBytes/);
  const rows = gw.requests().list({ endpoint: "files" }).rows;
  assert.deepEqual(rows.map((r) => r.httpStatus).sort(), [200, 413]);
  assert.equal(up.uploads.length, 1, "the oversized upload never reached the upstream");
});

test("a 100 MB upload goes through with bounded gateway memory (peak RSS of the gateway's own process)", async (t) => {
  const up = await fake(t);
  const child = fork(path.join(__dirname, "helpers/gateway-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, GATEWAY_UPSTREAM: up.baseUrl },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null) child.send("stop");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once("message", (m) => resolve(m as T));
      child.once("exit", (code) => reject(new Error(`the gateway process exited (${code})`)));
    });
  const gw = await next<{ url: string; key: string }>();
  const c = client(`${gw.url}/v1`, gw.key);
  const rss = async () => {
    const reply = next<{ maxRssKb: number }>();
    child.send("rss");
    return (await reply).maxRssKb * 1024;
  };

  // Warm up on a few MiB so the baseline includes a spooled upload's working set.
  await c.files.create({ file: await toFile(Buffer.alloc(4 * 1024 * 1024, 1), "warm.jsonl"), purpose: "batch" });
  const before = await rss();
  const size = 100 * 1024 * 1024;
  const big = Buffer.alloc(size, 5);
  const file = await c.files.create({ file: await toFile(big, "big.jsonl"), purpose: "batch" });
  assert.equal(file.bytes, size);
  assert.equal(up.uploads.at(-1)!.sha256, createHash("sha256").update(big).digest("hex"), "the upstream got every byte");
  const grew = (await rss()) - before;
  // Holding the file would add at least its 100 MiB. Streaming adds buffers of a few hundred KiB,
  // plus chunks already passed on that the garbage collector has not freed yet: 26-41 MiB seen,
  // more on a busy machine. Half the file tells the two apart whatever the load.
  assert.ok(grew < size / 2, `the gateway's peak RSS grew by ${(grew / 1048576).toFixed(1)} MiB for a 100 MiB upload`);
});

test("the key is scrubbed from a streamed text answer wherever the chunks split it, and nothing else changes", () => {
  const text = `{"a":"${API_KEY}","b":"sk-test","c":"${API_KEY}${API_KEY}"}`;
  const want = `{"a":"[redacted]","b":"sk-test","c":"[redacted][redacted]"}`;
  const bytes = Buffer.from(text);
  for (let i = 0; i <= bytes.length; i++) {
    for (const j of [i, Math.min(bytes.length, i + 7), Math.min(bytes.length, i + API_KEY.length)]) {
      const s = new StreamScrubber(API_KEY);
      const out = Buffer.concat([s.push(bytes.subarray(0, i)), s.push(bytes.subarray(i, j)), s.push(bytes.subarray(j)), s.flush()]).toString();
      assert.equal(out, want, `split at ${i} and ${j}`);
    }
  }
  const plain = new StreamScrubber(API_KEY);
  assert.equal(plain.push(Buffer.from("data: {}\n\n")).toString(), "data: {}\n\n", "a chunk that cannot start the key is passed on whole, at once");
});

/** An upstream of a few lines: /v1/files answers JSON in pieces, then ends or breaks off. */
async function piecesUpstream(t: { after(fn: () => unknown): void }, pieces: string[], breakOff: boolean): Promise<string> {
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      const next = (i: number) => {
        if (i < pieces.length) {
          res.write(pieces[i]);
          setTimeout(() => next(i + 1), 5);
        } else if (breakOff) res.destroy();
        else res.end();
      };
      next(0);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
}

test("a JSON answer that came in pieces goes out whole, with its length; a large one streams through intact", async (t) => {
  for (const [name, pieces] of [
    ["small", ['{"object":"list",', '"data":[{"id":"file-1"}],', '"has_more":false}']],
    ["large", ['{"object":"list","data":"', "x".repeat(200_000), "y".repeat(200_000), '"}']],
  ] as const) {
    const base = await piecesUpstream(t, [...pieces], false);
    const gw = await startTestGateway(t, { lanes: [openaiLane("api", base, API_KEY)] });
    const res = await fetch(`${gw.baseURL}/files`, { headers: { authorization: `Bearer ${gw.key}` } });
    const body = await res.text();
    assert.equal(res.status, 200, name);
    assert.equal(body, pieces.join(""), `${name}: the bytes as the upstream sent them`);
    if (name === "small") {
      assert.equal(res.headers.get("content-length"), String(Buffer.byteLength(body)), "small: sent with its length");
      assert.equal(res.headers.get("transfer-encoding"), null);
    }
    const row = gw.requests().get(res.headers.get("x-request-id")!)!;
    assert.deepEqual([row.endpoint, row.status, row.httpStatus, row.lane], ["files", "ok", 200, "api"], name);
  }
});

test("a JSON answer the upstream breaks off: the client gets what came and then the break, and the row says error", async (t) => {
  const base = await piecesUpstream(t, ['{"object":"list",', '"data":[{"id":"fi'], true);
  const gw = await startTestGateway(t, { lanes: [openaiLane("api", base, API_KEY)] });
  const res = await fetch(`${gw.baseURL}/files`, { headers: { authorization: `Bearer ${gw.key}` } });
  assert.equal(res.status, 200, "the upstream's status, as before it broke off");
  await assert.rejects(res.text(), "the body ends in a broken connection, never as if it were complete");
  const row = await waitFor("the row", () => gw.requests().get(res.headers.get("x-request-id")!));
  assert.deepEqual([row.status, row.errorCode, row.lane], ["error", "stream_incomplete", "api"]);
});
