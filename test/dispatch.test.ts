// Dispatch through real HTTP: per-lane queue, failover across lanes, cooling, sign-in states,
// client disconnects and the request log, with lanes played by scripted adapters.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import OpenAI from "openai";
import type { TurnEvent } from "../gateway/chat/types";
import { openStore } from "../gateway/store";
import { codexLane, startTestGateway, tempDir, type TestGateway } from "./helpers/gateway";
import { aborted, answer, failure, ScriptedAdapter, USAGE } from "./helpers/scripted-adapter";
import { gate, waitFor } from "./helpers/wait";

const hi = { model: "gpt-test", messages: [{ role: "user", content: "hi" }] };

function post(gw: TestGateway, body: unknown = hi, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
}

function admin(gw: TestGateway, path: string, key = gw.adminKey): Promise<Response> {
  return fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

async function errorOf(res: Response): Promise<{ message: string; type: string; code: string; param: string | null }> {
  return ((await res.json()) as { error: { message: string; type: string; code: string; param: string | null } }).error;
}

test("queue full: 429 queue_full with Retry-After, and the waiting request is served in turn", async (t) => {
  const hold = gate();
  t.after(hold.open);
  const lane = new ScriptedAdapter("a", {
    script: async function* () {
      await hold.promise;
      yield* answer("done");
    },
  });
  const gw = await startTestGateway(t, { lanes: [codexLane("a", { concurrency: 1 })], adapters: { a: lane }, config: { queue: { maxWaiting: 1, maxWaitMs: 30_000 } } });
  const first = post(gw);
  await waitFor("the first turn to start", () => lane.active === 1);
  const second = post(gw);
  await waitFor("the second request to queue", () => gw.server.dispatcher.laneViewsNow()[0]!.queued === 1);
  const third = await post(gw);
  assert.equal(third.status, 429);
  assert.ok(Number(third.headers.get("retry-after")) >= 1);
  assert.equal((await errorOf(third)).code, "queue_full");
  hold.open();
  assert.equal((await first).status, 200);
  assert.equal((await second).status, 200);
  assert.equal(lane.maxActive, 1);
  const rows = gw.requests().list().rows;
  assert.equal(rows.length, 3);
  const full = rows.find((r) => r.httpStatus === 429)!;
  assert.equal(full.errorCode, "queue_full");
  assert.equal(full.status, "error");
  const queued = rows.filter((r) => r.status === "ok").map((r) => r.queueMs);
  assert.ok(queued.some((ms) => ms > 0), "the second request waited in the queue");
});

test("a request that waits longer than queue.maxWaitMs gets the same 429", async (t) => {
  const hold = gate();
  t.after(hold.open);
  const lane = new ScriptedAdapter("a", {
    script: async function* () {
      await hold.promise;
      yield* answer("late");
    },
  });
  const gw = await startTestGateway(t, { lanes: [codexLane("a", { concurrency: 1 })], adapters: { a: lane }, config: { queue: { maxWaiting: 5, maxWaitMs: 150 } } });
  const first = post(gw);
  await waitFor("the first turn to start", () => lane.active === 1);
  const second = await post(gw);
  assert.equal(second.status, 429);
  assert.equal((await errorOf(second)).code, "queue_full");
  assert.ok(second.headers.get("retry-after"));
  hold.open();
  assert.equal((await first).status, 200);
});

test("usage limit on A fails over to B within the request; later requests skip A without trying it", async (t) => {
  const resetsAt = Date.now() + 3_600_000;
  const a = new ScriptedAdapter("a", { script: () => failure("usage_limit", "usage_limit_reached", { resetsAt }) });
  const b = new ScriptedAdapter("b", { script: () => answer("from b") });
  const gw = await startTestGateway(t, { adapters: { a, b } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }).withResponse();
  assert.equal(data.choices[0]!.message.content, "from b");
  assert.equal(response.headers.get("x-codex-lanes-lane"), "b");
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.equal(row.lane, "b");
  assert.deepEqual(
    row.attempts.map((x) => [x.lane, x.outcome, x.code]),
    [["a", "usage_limit", "usage_limit_reached"], ["b", "ok", null]],
  );

  await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "y" }] });
  assert.equal(a.calls.length, 1, "A is not tried again before its reset");
  assert.equal(b.calls.length, 2);

  const lanes = (await (await admin(gw, "/admin/lanes")).json()) as { lanes: { name: string; state: string; until: string | null; reason: string }[] };
  const la = lanes.lanes.find((l) => l.name === "a")!;
  assert.equal(la.state, "cooling");
  assert.equal(Date.parse(la.until!), resetsAt);
});

test("streaming: a failure before the first byte fails over invisibly; the client sees only B's answer", async (t) => {
  const a = new ScriptedAdapter("a", { script: () => failure("transient", "server_error", { status: 500 }) });
  const b = new ScriptedAdapter("b", { script: () => answer("bee answer") });
  const gw = await startTestGateway(t, { adapters: { a, b }, config: { policy: { defaultCooldownMs: 60_000, maxRetries: 1, circuitThreshold: 5, circuitOpenMs: 30_000 } } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const { data: stream, response } = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }], stream: true }).withResponse();
  let text = "";
  for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
  assert.equal(text, "bee answer");
  assert.equal(response.headers.get("x-codex-lanes-lane"), "b");
  const row = gw.requests().get(response.headers.get("x-request-id")!)!;
  assert.deepEqual(row.attempts.map((x) => `${x.lane}:${x.outcome}`), ["a:transient", "a:transient", "b:ok"]);
});

test("streaming: a failure after bytes went out ends the stream with an SSE error object", async (t) => {
  const a = new ScriptedAdapter("a", {
    script: (): TurnEvent[] => [{ type: "delta", text: "partial " }, ...failure("transient", "server_error", { status: 500 })],
  });
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, { adapters: { a, b } });
  const res = await post(gw, { ...hi, stream: true });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-codex-lanes-lane"), "a");
  const events = (await res.text()).split("\n\n").filter(Boolean);
  const last = JSON.parse(events[events.length - 1]!.replace(/^data: /, "")) as { error: { code: string; type: string } };
  assert.equal(last.error.code, "server_error");
  assert.ok(!events.includes("data: [DONE]"));
  assert.equal(b.calls.length, 0, "no failover once bytes went out");
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }], stream: true });
  await assert.rejects(async () => {
    for await (const _ of stream) void _;
  }, OpenAI.APIError);
  const row = gw.requests().list().rows[0]!;
  assert.equal(row.status, "error");
  assert.equal(row.lane, "a");
});

test("transient failures are retried on the lane, then the next lane serves; attempts are in the row", async (t) => {
  const a = new ScriptedAdapter("a", { script: () => failure("transient", "server_overloaded", { status: 503 }) });
  const b = new ScriptedAdapter("b", { script: () => answer("ok") });
  const gw = await startTestGateway(t, { adapters: { a, b } });
  const res = await post(gw);
  assert.equal(res.status, 200);
  const row = gw.requests().get(res.headers.get("x-request-id")!)!;
  assert.deepEqual(row.attempts.map((x) => x.lane), ["a", "a", "a", "b"]);
  assert.equal(a.calls.length, 3);
});

test("every lane cooling: 429 all_lanes_exhausted with Retry-After until the earliest reset", async (t) => {
  const resetsAt = Date.now() + 90_000;
  const a = new ScriptedAdapter("a", { script: () => failure("usage_limit", "usage_limit_reached", { resetsAt }) });
  const b = new ScriptedAdapter("b", { script: () => failure("usage_limit", "usage_limit_reached", { resetsAt: resetsAt + 60_000 }) });
  const gw = await startTestGateway(t, { adapters: { a, b } });
  for (let i = 0; i < 2; i++) {
    const res = await post(gw);
    assert.equal(res.status, 429);
    const e = await errorOf(res);
    assert.equal(e.code, "all_lanes_exhausted");
    const ra = Number(res.headers.get("retry-after"));
    assert.ok(ra > 0 && ra <= 90, `Retry-After ${ra}`);
  }
  assert.equal(a.calls.length + b.calls.length, 2, "the second request tried no lane");
  const rows = gw.requests().list().rows;
  assert.ok(rows.every((r) => r.errorCode === "all_lanes_exhausted" && r.httpStatus === 429));
});

test("a lane that is not signed in is skipped, shown with its fix, and alone it answers 503 with how to sign in", async (t) => {
  const a = new ScriptedAdapter("a", { status: { signedIn: false } });
  const gw = await startTestGateway(t, { adapters: { a } });
  await gw.server.dispatcher.refresh();
  const res = await post(gw);
  assert.equal(res.status, 503);
  const e = await errorOf(res);
  assert.equal(e.code, "needs_login");
  assert.match(e.message, /codex-lanes login a/);
  assert.equal(a.calls.length, 0);
  const lanes = (await (await admin(gw, "/admin/lanes")).json()) as { lanes: { state: string; fix: string | null; signedIn: boolean }[] };
  assert.equal(lanes.lanes[0]!.state, "needs-login");
  assert.equal(lanes.lanes[0]!.fix, "codex-lanes login a");
  assert.equal(lanes.lanes[0]!.signedIn, false);
});

test("an unauthorized turn puts the lane in needs-login; the next lane serves", async (t) => {
  const a = new ScriptedAdapter("a", { script: () => failure("unauthorized", "refresh_token_expired") });
  const b = new ScriptedAdapter("b", { script: () => answer("b") });
  const gw = await startTestGateway(t, { adapters: { a, b } });
  assert.equal((await post(gw)).status, 200);
  assert.equal((await post(gw)).status, 200);
  assert.equal(a.calls.length, 1);
  const views = gw.server.dispatcher.laneViewsNow();
  assert.equal(views[0]!.state, "needs-login");
  assert.equal(views[0]!.fix, "codex-lanes login a");
});

test("a lane whose window reaches maxUsedPercent steps aside; its window shows on /admin/lanes", async (t) => {
  const a = new ScriptedAdapter("a");
  const b = new ScriptedAdapter("b");
  const gw = await startTestGateway(t, { lanes: [codexLane("a", { maxUsedPercent: 90 }), codexLane("b")], adapters: { a, b } });
  const resetsAt = Date.now() + 2 * 3_600_000;
  a.pushRateLimits({ primary: { usedPercent: 93, windowMinutes: 300, resetsAt }, secondary: { usedPercent: 10, windowMinutes: 10080, resetsAt: null }, planType: "plus", observedAt: Date.now() });
  const res = await post(gw);
  assert.equal(res.headers.get("x-codex-lanes-lane"), "b");
  assert.equal(a.calls.length, 0);
  const lanes = (await (await admin(gw, "/admin/lanes")).json()) as { lanes: { name: string; state: string; window: { primary: { usedPercent: number; resetsAt: string } } | null }[] };
  const la = lanes.lanes.find((l) => l.name === "a")!;
  assert.equal(la.state, "cooling");
  assert.equal(la.window!.primary.usedPercent, 93);
  assert.equal(Date.parse(la.window!.primary.resetsAt), resetsAt);
});

test("a restart remembers a cooling lane", async (t) => {
  const dataDir = tempDir();
  const resetsAt = Date.now() + 3_600_000;
  {
    const a = new ScriptedAdapter("a", { script: () => failure("usage_limit", "usage_limit_reached", { resetsAt }) });
    const gw = await startTestGateway({ after: () => {} }, { adapters: { a, b: new ScriptedAdapter("b") }, dataDir });
    assert.equal((await post(gw)).headers.get("x-codex-lanes-lane"), "b");
    await gw.server.close();
  }
  const a2 = new ScriptedAdapter("a");
  const gw2 = await startTestGateway(t, { adapters: { a: a2, b: new ScriptedAdapter("b") }, dataDir });
  assert.equal((await post(gw2)).headers.get("x-codex-lanes-lane"), "b");
  assert.equal(a2.calls.length, 0);
});

test("a client that disconnects mid-stream aborts the lane's turn; the row says cancelled", async (t) => {
  const a = new ScriptedAdapter("a", {
    script: async function* (_req, ctx) {
      yield { type: "delta", text: "first words " };
      await aborted(ctx.signal);
      yield* failure("cancelled", "cancelled");
    },
  });
  const gw = await startTestGateway(t, { adapters: { a } });
  const ctl = new AbortController();
  const res = await post(gw, { ...hi, stream: true }, { signal: ctl.signal });
  const reader = res.body!.getReader();
  let seen = "";
  while (!seen.includes("first words")) seen += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  await waitFor("the lane's signal to abort", () => a.signals[0]?.aborted);
  const row = await waitFor("the cancelled row", () => gw.requests().list().rows[0]);
  assert.equal(row.status, "cancelled");
  assert.equal(row.lane, "a");
});

test("a client that disconnects before a non-streamed answer cancels the turn", async (t) => {
  const a = new ScriptedAdapter("a", {
    script: async function* (_req, ctx) {
      await aborted(ctx.signal);
      yield* failure("cancelled", "cancelled");
    },
  });
  const gw = await startTestGateway(t, { adapters: { a } });
  const ctl = new AbortController();
  const pending = post(gw, hi, { signal: ctl.signal }).catch(() => null);
  await waitFor("the turn to start", () => a.active === 1);
  ctl.abort();
  await pending;
  await waitFor("the lane's signal to abort", () => a.signals[0]?.aborted);
  const row = await waitFor("the cancelled row", () => gw.requests().list().rows[0]);
  assert.equal(row.status, "cancelled");
});

test("200 concurrent requests: 200 answers, 200 rows, every id unique", async (t) => {
  const a = new ScriptedAdapter("a", {
    script: async function* (req, ctx) {
      // Turns overlap and end out of order, the same way on every run.
      for (let i = 0; i < ctx.call % 5; i++) await new Promise((r) => setImmediate(r));
      const text = JSON.stringify(req.messages[0]!.content[0]);
      yield* answer(text);
    },
  });
  const gw = await startTestGateway(t, { lanes: [codexLane("a", { concurrency: 8 })], adapters: { a }, config: { queue: { maxWaiting: 500, maxWaitMs: 30_000 } } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: `n${i}` }] }).withResponse()),
  );
  results.forEach((r, i) => assert.match(r.data.choices[0]!.message.content!, new RegExp(`"n${i}"`)));
  assert.equal(new Set(results.map((r) => r.data.id)).size, 200);
  const rids = new Set(results.map((r) => r.response.headers.get("x-request-id")));
  assert.equal(rids.size, 200);
  assert.equal(gw.requests().count(), 200);
  assert.equal(gw.requests().count({ status: "ok" }), 200);
  for (const id of rids) assert.ok(gw.requests().get(id!));
  assert.ok(a.maxActive <= 8);
});

test("admin routes: client keys get 403, no key 401, admin keys and CODEX_LANES_ADMIN_KEY get in", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") }, config: { adminKey: "env-admin-key-0123456789" } });
  assert.equal((await admin(gw, "/admin/lanes", gw.key)).status, 403);
  assert.equal((await errorOf(await admin(gw, "/admin/requests", gw.key))).code, "admin_key_required");
  assert.equal((await fetch(`${gw.url}/admin/lanes`)).status, 401);
  assert.equal((await admin(gw, "/admin/lanes", "cl-nope")).status, 401);
  assert.equal((await admin(gw, "/admin/lanes")).status, 200);
  assert.equal((await admin(gw, "/admin/lanes", "env-admin-key-0123456789")).status, 200);
});

test("GET /admin/requests pages and filters by lane, key, status and time", async (t) => {
  const a = new ScriptedAdapter("a", { script: (_r, ctx) => (ctx.call % 2 === 0 ? failure("client_error", "bad_request", { status: 400 }) : answer("x")) });
  const gw = await startTestGateway(t, { adapters: { a } });
  const before = Date.now();
  for (let i = 0; i < 6; i++) await post(gw);
  const all = (await (await admin(gw, "/admin/requests?limit=4")).json()) as { rows: { id: string; status: string }[]; nextCursor: string | null };
  assert.equal(all.rows.length, 4);
  assert.ok(all.nextCursor);
  const next = (await (await admin(gw, `/admin/requests?limit=4&before=${encodeURIComponent(all.nextCursor)}`)).json()) as { rows: unknown[] };
  assert.equal(next.rows.length, 2);
  const errors = (await (await admin(gw, "/admin/requests?status=error")).json()) as { rows: { status: string; httpStatus: number }[] };
  assert.equal(errors.rows.length, 3);
  assert.ok(errors.rows.every((r) => r.status === "error" && r.httpStatus === 400));
  const byKey = (await (await admin(gw, "/admin/requests?key=test-client&lane=a&status=ok")).json()) as { rows: unknown[] };
  assert.equal(byKey.rows.length, 3);
  const since = (await (await admin(gw, `/admin/requests?since=${new Date(before).toISOString()}&until=${Date.now() + 1000}`)).json()) as { rows: unknown[] };
  assert.equal(since.rows.length, 6);
  const none = (await (await admin(gw, "/admin/requests?lane=zzz")).json()) as { rows: unknown[] };
  assert.equal(none.rows.length, 0);
  const bad = await admin(gw, "/admin/requests?status=weird");
  assert.equal(bad.status, 400);
  assert.equal((await errorOf(bad)).param, "status");
});

test("GET /admin/requests: a since or until out of range is a 400 naming it, not a 500", async (t) => {
  const gw = await startTestGateway(t, { adapters: { a: new ScriptedAdapter("a") } });
  for (const [query, param] of [
    ["since=99999999999999999999", "since"],
    ["until=253402300800000", "until"],
    ["since=%2B275760-09-13T00:00:00.000Z", "since"],
  ] as const) {
    const res = await admin(gw, `/admin/requests?${query}`);
    assert.equal(res.status, 400, query);
    const e = await errorOf(res);
    assert.equal(e.type, "invalid_request_error");
    assert.equal(e.param, param, query);
    assert.match(e.message, new RegExp(param));
  }
});

test("stopping the gateway refuses new connections and lets a request in progress finish", async (t) => {
  const hold = gate();
  t.after(hold.open);
  const lane = new ScriptedAdapter("a", {
    script: async function* () {
      await hold.promise;
      yield* answer("finished after stop");
    },
  });
  const gw = await startTestGateway(t, { adapters: { a: lane } });
  const pending = post(gw);
  await waitFor("the turn to start", () => lane.active === 1);
  const closing = gw.server.close();
  await assert.rejects(fetch(`${gw.url}/healthz`));
  hold.open();
  const res = await pending;
  assert.equal(res.status, 200);
  assert.match(await res.text(), /finished after stop/);
  await closing;
  assert.ok(lane.closed, "adapters are closed");
});

test("a request still running when the stop's grace period ends is cancelled and logged", async (t) => {
  const lane = new ScriptedAdapter("a", {
    script: async function* (_req, ctx) {
      await aborted(ctx.signal);
      yield* failure("cancelled", "cancelled");
    },
  });
  const gw = await startTestGateway(t, { adapters: { a: lane }, server: { shutdownGraceMs: 100 } });
  const pending = post(gw).catch(() => null);
  await waitFor("the turn to start", () => lane.active === 1);
  await gw.server.close();
  await pending;
  assert.ok(lane.signals[0]!.aborted);
  const store = openStore(gw.dataDir);
  try {
    const [row] = store.requests.list().rows;
    assert.equal(row!.status, "error");
    assert.equal(row!.errorCode, "shutting_down");
  } finally {
    store.close();
  }
});

test("log.bodies off keeps the prompt and the answer out of the row and the database file; on stores both", async (t) => {
  for (const bodies of [false, true]) {
    const a = new ScriptedAdapter("a", { script: () => answer("ANSWER-MARKER-5150 here") });
    const gw = await startTestGateway(t, { adapters: { a }, config: { log: { bodies, retentionDays: 30 } } });
    for (const stream of [false, true]) {
      const res = await post(gw, { model: "gpt-test", stream, messages: [{ role: "user", content: "PROMPT-MARKER-8086 please" }] });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /ANSWER-MARKER-5150/);
      const row = gw.requests().get(res.headers.get("x-request-id")!)!;
      if (bodies) {
        assert.match(row.requestBody ?? "", /PROMPT-MARKER-8086/);
        assert.equal(row.responseBody, "ANSWER-MARKER-5150 here");
      } else {
        assert.equal(row.requestBody, null, `stream: ${stream}`);
        assert.equal(row.responseBody, null, `stream: ${stream}`);
      }
    }
    await gw.server.close();
    const db = readdirSync(gw.dataDir).filter((f) => f.startsWith("gateway.db")).map((f) => readFileSync(path.join(gw.dataDir, f)).toString("latin1")).join("");
    assert.equal(db.includes("PROMPT-MARKER-8086"), bodies, `prompt in the db file with log.bodies ${bodies}`);
    assert.equal(db.includes("ANSWER-MARKER-5150"), bodies, `answer in the db file with log.bodies ${bodies}`);
  }
});

test("streaming: when the closing message extends the deltas, the client still gets the whole answer", async (t) => {
  const a = new ScriptedAdapter("a", {
    script: (): TurnEvent[] => [
      { type: "delta", text: "The answer " },
      { type: "delta", text: "is" },
      { type: "message", text: "The answer is 42.", finishReason: "stop" },
      { type: "usage", usage: USAGE },
    ],
  });
  const gw = await startTestGateway(t, { adapters: { a } });
  const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "x" }], stream: true });
  let text = "";
  for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
  assert.equal(text, "The answer is 42.");
  const whole = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "y" }] });
  assert.equal(whole.choices[0]!.message.content, "The answer is 42.");
});
