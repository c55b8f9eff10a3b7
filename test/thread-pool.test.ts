// Threads started ahead of requests (gateway/codex/thread-pool.ts), with the real pinned Codex
// binary against the fake ChatGPT backend. A lane with the pool and a lane without it get the same
// requests: the answers and what the backend receives must be the same, and with the pool a request
// like the previous one must find its thread's warm-up already done when it arrives.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChatMessage, ChatRequest } from "../gateway/chat/types";
import { LocalCodexLane } from "../gateway/codex/local-lane";
import { ThreadPool } from "../gateway/codex/thread-pool";
import { startFakeChatGPT, type FakeChatGPT, type ModelRequest } from "./fakes/chatgpt";
import { makeHome, type TestHome } from "./fakes/codex-run";
import OpenAI from "openai";
import { signedInLane, startTestGateway } from "./helpers/gateway";
import { answerOf, failureUnder, runTurn } from "./helpers/turns";

const quiet = { info() {}, warn() {} };

function chat(system: string, text: string): ChatRequest {
  const messages: ChatMessage[] = [
    { role: "system", content: [{ type: "text", text: system }] },
    { role: "user", content: [{ type: "text", text }] },
  ];
  return { model: "gpt-5.5", messages, stream: true, includeUsage: true };
}

const PER_THREAD = new Set(["id", "turn_id", "create_time"]);

/** The messages the model is shown, as [role, text]. */
function conversationOf(r: ModelRequest): string[][] {
  const out: string[][] = [];
  for (const item of r.fullInput as Array<Record<string, unknown>>) {
    if (item.type !== "message") continue;
    out.push([String(item.role), (item.content as Array<{ text?: string }>).map((p) => p.text ?? "").join("")]);
  }
  return out;
}

/**
 * What the model is shown, without what differs from one thread or lane to another by nature: ids,
 * times, and the lane's own directories (each test lane has its own home and working directory).
 */
function seen(r: ModelRequest, dirs: Record<string, string>): unknown {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => !PER_THREAD.has(k)).map(([k, x]) => [k, strip(x)])) : v;
  const { model, instructions, tools, tool_choice, reasoning, text } = r.body;
  let json = JSON.stringify({ model, instructions, tools, tool_choice, reasoning, text, input: strip(r.fullInput), instructionsText: r.instructionsText });
  for (const [name, dir] of Object.entries(dirs)) json = json.split(dir).join(`<${name}>`);
  return JSON.parse(json);
}

describe("threads started ahead of requests (app-server engine)", () => {
  let fake: FakeChatGPT;
  const dirs: TestHome[] = [];
  const lanes: LocalCodexLane[] = [];

  const laneDirs = new Map<LocalCodexLane, Record<string, string>>();

  function lane(name: string, readyThreads: number): LocalCodexLane {
    const home = makeHome(`pool-${name}-`);
    const data = makeHome(`pool-data-${name}-`);
    dirs.push(home, data);
    fake.addAccount({ accountId: `acct-${name}`, email: `${name}@example.com`, plan: "plus" });
    fake.writeAuth(home.dir, `acct-${name}`);
    const l = new LocalCodexLane(
      { name, type: "codex", home: home.dir, worker: null, engine: "app-server", concurrency: 2, maxUsedPercent: null, config: fake.codexConfig(), env: fake.codexEnv(), models: null, planPriceUsd: null },
      { dataDir: data.dir, turnTimeoutMs: 30_000, rateLimitPollMs: 0, log: quiet, readyThreads },
    );
    lanes.push(l);
    laneDirs.set(l, { home: home.dir, data: data.dir, lane: `/work/${name}/` });
    return l;
  }

  /**
   * Waits (bounded) for the event the pool promises: a thread of that lane's account started after
   * that request was sent has done its warm-up and is not serving anything. Other lanes' threads do
   * not count: one of an earlier test warming up late would end the wait too soon.
   */
  async function readyThreadWarmed(since: { account: string; sentAt: number }, count = 1): Promise<void> {
    for (let i = 0; i < 800; i++) {
      const used = new Set(fake.requestsFor(since.account).map((r) => r.headers["thread-id"]));
      if (fake.warmupThreadsFor(since.account).slice(since.sentAt).filter((t) => !used.has(t)).length >= count) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail("no ready thread was warmed up within 20 s");
  }

  /** Runs a request and says whether the warm-up of the thread that served it was in before it was sent. */
  async function served(l: LocalCodexLane, account: string, req: ChatRequest) {
    const warmedSoFar = new Set(fake.warmupThreads);
    const sentAt = fake.warmupThreadsFor(account).length;
    const seenSoFar = fake.requestsFor(account).length;
    const events = await runTurn(l, req);
    const text = answerOf(events);
    const mine = fake.requestsFor(account).slice(seenSoFar);
    assert.equal(mine.length, 1, "one model request per chat request");
    const thread = events.find((e) => e.type === "thread");
    return { text, request: mine[0]!, warmedBefore: warmedSoFar.has(mine[0]!.headers["thread-id"]!), account, sentAt, thread: thread?.type === "thread" ? thread.thread : null };
  }

  before(async () => {
    fake = await startFakeChatGPT();
  });
  after(async () => {
    for (const l of lanes) await l.close();
    await fake.close();
    for (const d of dirs) d.cleanup();
  });

  test("with the pool, the same answers and the same upstream requests; a request like the last one finds its thread warmed up", async () => {
    const pooled = lane("pooled", 2);
    const plain = lane("plain", 0);
    const system = "You answer in one word.";
    let last = { account: "acct-pooled", sentAt: 0 };
    for (let i = 0; i < 4; i++) {
      const req = chat(system, `question ${i}`);
      if (i > 0) await readyThreadWarmed(last);
      const a = await served(pooled, "acct-pooled", req);
      last = a;
      const b = await served(plain, "acct-plain", req);
      assert.equal(a.text, `echo: question ${i}`);
      assert.equal(b.text, a.text);
      assert.deepEqual(seen(a.request, laneDirs.get(pooled)!), seen(b.request, laneDirs.get(plain)!));
      assert.match(a.request.instructionsText, /You answer in one word\./);
      assert.equal(b.warmedBefore, false, "without the pool, each thread is warmed up on the request's path");
      if (i > 0) assert.equal(a.warmedBefore, true, `request ${i}: its thread was started and warmed before it arrived`);
    }
  });

  test("a request with other instructions never gets a thread started for different ones: it takes the spare, which carries nothing of another request", async () => {
    const l = lane("switch", 2);
    const first = await served(l, "acct-switch", chat("Rule A: answer in French.", "first"));
    await readyThreadWarmed(first); // the spare
    const other = await served(l, "acct-switch", chat("Rule B: answer in German.", "second"));
    assert.equal(other.text, "echo: second");
    assert.match(other.request.instructionsText, /Rule B/);
    assert.doesNotMatch(other.request.instructionsText, /Rule A/);
    assert.equal(other.thread, "spare");
    assert.equal(other.warmedBefore, true, "the spare was warmed before the request arrived");
    // Rule B seen twice now: a thread is started with its settings for the next request like it.
    await readyThreadWarmed(other);
    const again = await served(l, "acct-switch", chat("Rule B: answer in German.", "third"));
    assert.equal(again.text, "echo: third");
    assert.equal(again.warmedBefore, true);
    assert.deepEqual(conversationOf(again.request), [["developer", "Rule B: answer in German."], ["user", "third"]]);
  });

  test("a new system prompt on every request: each takes the spare, and the backend receives what a thread started for it would send", async () => {
    const pooled = lane("varied", 2);
    const plain = lane("varied-plain", 0);
    let last = { account: "acct-varied", sentAt: 0 };
    for (let i = 0; i < 4; i++) {
      // As agents that stamp the time or retrieved context into their system prompt send them.
      const req = chat(`It is 10:0${i}. Answer briefly.`, `question ${i}`);
      if (i > 0) await readyThreadWarmed(last);
      const a = await served(pooled, "acct-varied", req);
      last = a;
      const b = await served(plain, "acct-varied-plain", req);
      assert.equal(a.text, b.text);
      assert.deepEqual(seen(a.request, laneDirs.get(pooled)!), seen(b.request, laneDirs.get(plain)!));
      if (i > 0) assert.equal(a.thread, "spare", `request ${i}`);
      if (i > 0) assert.equal(a.warmedBefore, true, `request ${i}: the spare was warmed before it arrived`);
    }
  });

  test("a request with client tools never takes the spare: tools are fixed when a thread starts", async () => {
    const l = lane("tools", 2);
    const first = await served(l, "acct-tools", chat("Be brief.", "warm"));
    await readyThreadWarmed(first);
    const tool = { name: "get_weather", description: "Weather for a city.", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false };
    const events = await runTurn(l, { ...chat("Be brief.", "weather in Paris"), tools: [tool] });
    const thread = events.find((e) => e.type === "thread");
    assert.deepEqual(thread, { type: "thread", thread: "new" });
    assert.ok(events.some((e) => e.type === "tool_call" || e.type === "message"), JSON.stringify(events));
  });

  test("the first request after start-up takes the spare the lane started once it was up and signed in", async (t) => {
    const home = makeHome("pool-boot-");
    dirs.push(home);
    const gw = await startTestGateway(t, { lanes: [signedInLane(fake, "pool-boot", home.dir)] });
    // The gateway reads each lane's usage windows at start; the spare follows the first read.
    for (let i = 0; i < 800 && fake.warmupThreadsFor("acct-pool-boot").length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [spare] = fake.warmupThreadsFor("acct-pool-boot");
    assert.ok(spare, "a thread was warmed up before any request");
    assert.equal(fake.requestsFor("acct-pool-boot").length, 0, "and nothing reached the model");
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "first" }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, "echo: first");
    const sent = fake.requestsFor("acct-pool-boot").at(-1)!;
    assert.equal(sent.headers["thread-id"], spare, "the spare carried it");
    assert.equal(sent.instructionsText, "Be brief.");
    assert.equal(sent.body.model, "gpt-5.5", "the spare was started before any model was asked for; the turn sets it");
    assert.deepEqual(gw.requests().get(response.headers.get("x-request-id")!)!.attempts.map((a) => a.thread), ["spare"]);
  });

  test("a ready thread whose connection the backend closed still answers", async () => {
    const l = lane("stale", 2);
    const warm = await served(l, "acct-stale", chat("Be brief.", "warm"));
    // Once the ready thread's warm-up is in, its WebSocket goes.
    await readyThreadWarmed(warm);
    assert.ok(fake.dropWebSockets() >= 1, "the ready thread had its WebSocket open");
    const r = await served(l, "acct-stale", chat("Be brief.", "after the drop"));
    assert.equal(r.text, "echo: after the drop");
    assert.equal(r.warmedBefore, true, "it was the ready thread that answered");
  });

  test("after sign-out, no ready thread serves: the lane answers as an unsigned lane does", async () => {
    const l = lane("signout", 2);
    await served(l, "acct-signout", chat("Be brief.", "while signed in"));
    await l.logout();
    const count = fake.requestsFor("acct-signout").length;
    const events = await runTurn(l, chat("Be brief.", "after sign-out"));
    const last = events.at(-1);
    assert.ok(last?.type === "error", `expected an error, got ${JSON.stringify(events)}`);
    assert.equal(last.class, "unauthorized");
    assert.match(last.message, /codex-lanes login signout/);
    assert.equal(fake.requestsFor("acct-signout").length, count, "nothing reached the model after sign-out");
  });

  /** The error a request ends with, on a lane whose ready thread for it was warmed while the account was fine. */
  async function failureOnReadyThread(name: string, scenario: "unauthorized" | "usage_limit") {
    const l = lane(name, 2);
    const warm = await served(l, `acct-${name}`, chat("Be brief.", "while fine"));
    await readyThreadWarmed(warm);
    const ready = new Set(fake.warmupThreads);
    const { error, sent } = await failureUnder(fake, `acct-${name}`, scenario, () => runTurn(l, chat("Be brief.", "after the change")));
    return { error, modelRequests: sent.length, onReadyThread: sent.some((r) => ready.has(r.headers["thread-id"]!)) };
  }

  test("a sign-in that expired while a ready thread waited still ends as needs-login (unauthorized), not a transient failure", async () => {
    const r = await failureOnReadyThread("expired", "unauthorized");
    assert.equal(r.error.class, "unauthorized", JSON.stringify(r.error));
    assert.match(r.error.message, /sign in again/);
    assert.equal(r.onReadyThread, true, "the ready thread carried the request: its open WebSocket met the 401");
  });

  test("a window spent while a ready thread waited is a usage limit, after one model request", async () => {
    const r = await failureOnReadyThread("spent", "usage_limit");
    assert.equal(r.error.class, "usage_limit", JSON.stringify(r.error));
    assert.equal(r.modelRequests, 1);
    assert.equal(r.onReadyThread, true, "the ready thread carried the request");
  });
});

describe("ThreadPool", () => {
  /** A pool over fake threads: `started` lists each start's parameters, `discarded` each thread let go. */
  function pool(now = () => 0) {
    const started: string[] = [];
    const discarded: string[] = [];
    const p = new ThreadPool<string, string>({
      size: 2,
      maxIdleMs: 60_000,
      now,
      start: (_client, params) => {
        started.push(params);
        return Promise.resolve(`t${started.length}:${params}`);
      },
      discard: (_client, id) => void discarded.push(id),
    });
    return { p, started, discarded };
  }
  const fresh = () => Promise.resolve("fresh");

  test("a request with new settings takes the spare and starts the next one; settings seen twice get a thread of their own", async () => {
    const { p, started } = pool();
    p.keepSpare("c", "spare");
    assert.deepEqual(await p.take("c", "A", fresh, "spare"), { threadId: "t1:spare", taken: "spare" });
    assert.deepEqual(started, ["spare", "spare"], "A was new: no thread started for it, the next spare");
    assert.deepEqual(await p.take("c", "A", fresh, "spare"), { threadId: "t2:spare", taken: "spare" });
    assert.deepEqual(started.slice(2), ["A", "spare"], "A seen twice: a thread for the next A");
    assert.deepEqual(await p.take("c", "A", fresh, "spare"), { threadId: "t3:A", taken: "ready" });
    assert.equal(p.size, 2, "the spare is still there, and another A was started");
  });

  test("a request the spare cannot serve (client tools) starts a thread like it every time, and waits for none", async () => {
    const { p, started } = pool();
    p.keepSpare("c", "spare");
    assert.deepEqual(await p.take("c", "T", fresh), { threadId: "fresh", taken: "new" });
    assert.deepEqual(await p.take("c", "T", fresh), { threadId: "t2:T", taken: "ready" });
    assert.deepEqual(started, ["spare", "T", "T"]);
  });

  test("threads of another client (a restarted app-server) never serve, and an idle spare is dropped, not used", async () => {
    let t = 0;
    const { p, discarded } = pool(() => t);
    p.keepSpare("old", "spare");
    assert.deepEqual(await p.take("new", "A", fresh, "spare"), { threadId: "fresh", taken: "new" });
    assert.deepEqual(discarded, ["t1:spare"], "the old client's spare was let go for the new client's");
    t = 60_001;
    assert.deepEqual(await p.take("new", "B", fresh, "spare"), { threadId: "fresh", taken: "new" });
    assert.ok(discarded.includes("t2:spare"), "the spare that waited too long was let go");
    p.clear();
    assert.equal(p.size, 0);
  });
});
