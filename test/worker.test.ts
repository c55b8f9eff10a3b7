// The account worker's bearer token, over real HTTP on 127.0.0.1: no token, a wrong one, a malformed
// header or the right one, on every route. A refused request never reaches the account's lane.

import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { serve } from "@hono/node-server";
import type { ChatRequest } from "../gateway/chat/types";
import { RemoteCodexLane } from "../gateway/upstreams/codex-remote";
import { createWorkerApp } from "../gateway/worker/app";
import { ScriptedAdapter, aborted, answer } from "./helpers/scripted-adapter";

const TOKEN = "worker-token-plus-a-0123456789abcdef";

const ROUTES: [string, string][] = [
  ["POST", "/turn"],
  ["GET", "/health"],
  ["GET", "/models"],
  ["POST", "/login"],
  ["GET", "/login"],
  ["POST", "/logout"],
];

/** A lane that records every call the worker makes on it. */
class RecordingLane extends ScriptedAdapter {
  readonly touched: string[] = [];
  override async models(): Promise<string[]> {
    this.touched.push("models");
    return super.models();
  }
  override async status() {
    this.touched.push("status");
    return super.status();
  }
  async login() {
    this.touched.push("login");
    return { verificationUrl: "https://auth.example.test/codex/device", userCode: "ABCD-1234" };
  }
  async loginStatus() {
    this.touched.push("loginStatus");
    return { state: "idle" as const };
  }
  async logout() {
    this.touched.push("logout");
  }
}

async function startWorker(t: { after(fn: () => unknown): void }) {
  const lane = new RecordingLane("plus-a");
  const server = serve({ fetch: createWorkerApp({ lane, token: TOKEN }).fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  t.after(() => new Promise((r) => server.close(r)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = (method: string, route: string, authorization?: string) =>
    fetch(`${url}${route}`, {
      method,
      headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
      body: method === "POST" ? JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }) : undefined,
    });
  return { lane, call };
}

test("without the right token every worker route answers 401 and the lane is never touched", async (t) => {
  const { lane, call } = await startWorker(t);
  const wrong: [string, string | undefined][] = [
    ["no header", undefined],
    ["empty header", ""],
    ["scheme without a token", "Bearer "],
    ["a wrong token", "Bearer worker-token-plus-b-0123456789abcdef"],
    ["the right token with a suffix", `Bearer ${TOKEN}x`],
    ["a prefix of the right token", `Bearer ${TOKEN.slice(0, -1)}`],
    ["the right token without the scheme", TOKEN],
    ["the right token in another scheme", `Basic ${TOKEN}`],
  ];
  for (const [method, route] of ROUTES) {
    for (const [what, header] of wrong) {
      const res = await call(method, route, header);
      assert.equal(res.status, 401, `${method} ${route} with ${what}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "unauthorized");
      assert.ok(!JSON.stringify(body).includes(TOKEN), "the error does not echo the token");
    }
  }
  assert.equal(lane.calls.length, 0, "no turn ran");
  assert.deepEqual(lane.touched, []);
});

test("with the right token the worker serves turns and status", async (t) => {
  const { lane, call } = await startWorker(t);
  const auth = `Bearer ${TOKEN}`;
  const turn = await call("POST", "/turn", auth);
  assert.equal(turn.status, 200);
  const events = (await turn.text()).trim().split("\n").map((l) => JSON.parse(l) as { type: string; text?: string });
  assert.equal(events.find((e) => e.type === "message")?.text, "hello from plus-a");
  assert.equal(lane.calls.length, 1);
  const health = await call("GET", "/health", auth);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { signedIn: boolean }).signedIn, true);
  assert.deepEqual(((await (await call("GET", "/models", auth)).json()) as { models: string[] }).models, ["gpt-test"]);
  assert.equal((await call("POST", "/login", auth)).status, 200);
  assert.equal((await call("POST", "/logout", auth)).status, 200);
  assert.deepEqual(lane.touched, ["status", "models", "login", "logout"]);
});

test("through the gateway's remote lane: the events stream as the worker's lane gives them, a cut-short turn stops the worker's, and turns share one connection", async (t) => {
  // The first turn answers in two parts with a pause between; the second never ends until aborted.
  const lane = new ScriptedAdapter("plus-a", {
    script: async function* (_req, { call, signal }) {
      yield { type: "delta", text: "part one, " };
      if (call === 2) return void (await aborted(signal));
      await new Promise((r) => setTimeout(r, 50));
      yield* answer("part one, part two");
    },
  });
  const server = serve({ fetch: createWorkerApp({ lane, token: TOKEN }).fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  const sockets = new Set<unknown>();
  server.on("connection", (s) => sockets.add(s));
  const remote = new RemoteCodexLane("plus-a", { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: TOKEN }, { rateLimitPollMs: 0, turnTimeoutMs: 10_000, models: null });
  t.after(async () => {
    await remote.close();
    await new Promise((r) => server.close(r));
  });
  const req: ChatRequest = { model: "gpt-test", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], stream: true, includeUsage: true };

  const arrivals: Array<{ type: string; at: number }> = [];
  for await (const ev of remote.turn(req, { signal: new AbortController().signal })) arrivals.push({ type: ev.type, at: performance.now() });
  assert.deepEqual(arrivals.map((a) => a.type), ["delta", "delta", "delta", "delta", "delta", "message", "usage"]);
  assert.ok(arrivals[1]!.at - arrivals[0]!.at >= 40, "the first part arrived before the worker's lane had the rest");

  const ac = new AbortController();
  const events: string[] = [];
  for await (const ev of remote.turn(req, { signal: ac.signal })) {
    events.push(ev.type === "error" ? `error:${ev.class}` : ev.type);
    if (ev.type === "delta") ac.abort();
  }
  assert.deepEqual(events, ["delta", "error:cancelled"]);
  await aborted(lane.signals[1]!);
  assert.equal(lane.signals[1]!.aborted, true, "the worker stopped its lane's turn");

  for await (const ev of remote.turn(req, { signal: new AbortController().signal })) assert.notEqual(ev.type, "error");
  assert.equal(sockets.size, 2, "the first and third turns shared a connection; the cut-short one's was closed");
});
