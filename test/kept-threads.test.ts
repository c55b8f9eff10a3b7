// Threads kept after an answer (gateway/codex/kept-threads.ts), with the real pinned Codex binary
// against the fake ChatGPT backend. A lane that keeps threads and a lane that does not get the same
// conversations: the answers, and the conversation the backend receives, must be the same. With
// threads kept, the request continuing a conversation must be carried on the thread that answered
// before: no new connection, no warm-up. Anything else must not see that thread's history.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { ChatMessage, ChatRequest } from "../gateway/chat/types";
import { KeptThreads } from "../gateway/codex/kept-threads";
import { LocalCodexLane } from "../gateway/codex/local-lane";
import { startFakeChatGPT, type FakeChatGPT, type ModelRequest } from "./fakes/chatgpt";
import { makeHome, type TestHome } from "./fakes/codex-run";
import { signedInLane, startTestGateway, testConfig } from "./helpers/gateway";
import { answerOf, failureUnder, runTurn } from "./helpers/turns";

const quiet = { info() {}, warn() {} };
const SYSTEM = "You answer in one word.";

const msg = (role: "system" | "user" | "assistant", text: string): ChatMessage => ({ role, content: [{ type: "text", text }] });

function chat(messages: ChatMessage[]): ChatRequest {
  return { model: "gpt-5.5", messages, stream: true, includeUsage: true };
}

/** The conversation a model request stands for, as "role: text" lines (ids, metadata and reasoning left out). */
function conversation(r: ModelRequest): string[] {
  const out: string[] = [];
  for (const item of r.fullInput as Array<Record<string, unknown>>) {
    if (item.type !== "message" || (item.role !== "user" && item.role !== "assistant")) continue;
    const parts = (item.content as Array<{ text?: string }>).map((p) => p.text ?? "").join("");
    out.push(`${item.role as string}: ${parts}`);
  }
  return out;
}

describe("threads kept for the request that continues their conversation (app-server engine)", () => {
  let fake: FakeChatGPT;
  const dirs: TestHome[] = [];
  const lanes: LocalCodexLane[] = [];

  function lane(name: string, keepThreadMs?: number): { check: LocalCodexLane; account: string; home: string } {
    const home = makeHome(`kept-${name}-`);
    const data = makeHome(`kept-data-${name}-`);
    dirs.push(home, data);
    const account = `acct-kept-${name}`;
    fake.addAccount({ accountId: account, email: `${name}@example.com`, plan: "plus" });
    fake.writeAuth(home.dir, account);
    const l = new LocalCodexLane(
      { name, type: "codex", home: home.dir, worker: null, engine: "app-server", concurrency: 2, maxUsedPercent: null, config: fake.codexConfig(), env: fake.codexEnv(), models: null, planPriceUsd: null },
      // No ready threads: every new thread's connection and warm-up then shows on its request.
      { dataDir: data.dir, turnTimeoutMs: 30_000, rateLimitPollMs: 0, log: quiet, readyThreads: 0, ...(keepThreadMs === undefined ? {} : { keepThreadMs }) },
    );
    lanes.push(l);
    return { check: l, account, home: home.dir };
  }

  /** One request: its answer, its one model request, and what it cost on the network. */
  async function served(l: LocalCodexLane, account: string, req: ChatRequest) {
    const seen = fake.requestsFor(account).length;
    const c0 = fake.counters();
    const text = answerOf(await runTurn(l, req));
    const c1 = fake.counters();
    const mine = fake.requestsFor(account).slice(seen);
    assert.equal(mine.length, 1, "one model request per chat request");
    const request = mine[0]!;
    return { text, request, thread: request.headers["thread-id"], webSockets: c1.webSockets - c0.webSockets, warmups: c1.warmups - c0.warmups };
  }

  before(async () => {
    fake = await startFakeChatGPT();
  });
  after(async () => {
    for (const l of lanes) await l.close();
    await fake.close();
    for (const d of dirs) d.cleanup();
  });

  test("a conversation continued request after request: the same answers and the same conversation upstream, on one thread, with no new connection or warm-up", async () => {
    const kept = lane("on");
    const plain = lane("off", 0);
    const messages: ChatMessage[] = [msg("system", SYSTEM)];
    let first: string | undefined;
    for (let i = 0; i < 4; i++) {
      messages.push(msg("user", `question ${i}`));
      const a = await served(kept.check, kept.account, chat([...messages]));
      const b = await served(plain.check, plain.account, chat([...messages]));
      assert.equal(a.text, `echo: question ${i}`);
      assert.equal(b.text, a.text);
      const expected = messages.filter((m) => m.role !== "system").map((m) => `${m.role}: ${(m.content[0] as { text: string }).text}`);
      assert.deepEqual(conversation(a.request), expected, `request ${i}: the model sees exactly the conversation`);
      assert.deepEqual(conversation(b.request), expected);
      assert.match(a.request.instructionsText, /You answer in one word\./);
      assert.equal(b.webSockets, 1, "without kept threads, every request opens a WebSocket");
      if (i === 0) first = a.thread;
      else {
        assert.equal(a.thread, first, `request ${i} continued on the thread that answered before`);
        assert.equal(a.webSockets, 0, `request ${i}: no new connection`);
        assert.equal(a.warmups, 0, `request ${i}: no warm-up`);
      }
      messages.push(msg("assistant", a.text));
    }
  });

  test("a request that does not continue the conversation exactly gets a new thread, and sees only its own conversation", async () => {
    const { check: l, account } = lane("other");
    const first = await served(l, account, chat([msg("system", SYSTEM), msg("user", "secret one")]));
    // The answer edited by the client: not what the thread holds.
    const edited = await served(l, account, chat([msg("system", SYSTEM), msg("user", "secret one"), msg("assistant", "something else"), msg("user", "next")]));
    assert.notEqual(edited.thread, first.thread);
    assert.deepEqual(conversation(edited.request), ["user: secret one", "assistant: something else", "user: next"]);
    // Other instructions: a thread's instructions are fixed when it starts.
    const other = await served(l, account, chat([msg("system", "Rule B."), msg("user", "secret one"), msg("assistant", first.text), msg("user", "next")]));
    assert.notEqual(other.thread, first.thread);
    assert.match(other.request.instructionsText, /Rule B\./);
    assert.doesNotMatch(other.request.instructionsText, /one word/);
    // A new conversation: nothing of the kept one.
    const fresh = await served(l, account, chat([msg("system", SYSTEM), msg("user", "hello")]));
    assert.notEqual(fresh.thread, first.thread);
    assert.deepEqual(conversation(fresh.request), ["user: hello"]);
    // The kept thread is still there for its own continuation.
    const cont = await served(l, account, chat([msg("system", SYSTEM), msg("user", "secret one"), msg("assistant", first.text), msg("user", "two")]));
    assert.equal(cont.thread, first.thread);
    assert.deepEqual(conversation(cont.request), ["user: secret one", `assistant: ${first.text}`, "user: two"]);
  });

  test("two requests continuing the same conversation at once: one on the kept thread, one on a new thread, both answered", async () => {
    const { check: l, account } = lane("twice");
    const start = [msg("system", SYSTEM), msg("user", "shared")];
    const first = await served(l, account, chat(start));
    const seen = fake.requestsFor(account).length;
    const next = (text: string) => chat([...start, msg("assistant", first.text), msg("user", text)]);
    const [a, b] = await Promise.all([runTurn(l, next("left")), runTurn(l, next("right"))]);
    assert.equal(answerOf(a), "echo: left");
    assert.equal(answerOf(b), "echo: right");
    const mine = fake.requestsFor(account).slice(seen);
    assert.equal(mine.length, 2);
    const threads = new Set(mine.map((r) => r.headers["thread-id"]));
    assert.equal(threads.size, 2, "one turn per thread at a time");
    assert.ok(threads.has(first.thread), "one of them continued on the kept thread");
    for (const r of mine) assert.deepEqual(conversation(r), ["user: shared", `assistant: ${first.text}`, `user: ${r.lastUserText}`]);
  });

  test("a kept thread whose connection the backend closed still carries the continuation, with the whole conversation", async () => {
    const { check: l, account } = lane("stale");
    const start = [msg("system", SYSTEM), msg("user", "before the drop")];
    const first = await served(l, account, chat(start));
    assert.ok(fake.dropWebSockets() >= 1, "the kept thread had its WebSocket open");
    const r = await served(l, account, chat([...start, msg("assistant", first.text), msg("user", "after the drop")]));
    assert.equal(r.text, "echo: after the drop");
    assert.equal(r.thread, first.thread);
    assert.deepEqual(conversation(r.request), ["user: before the drop", `assistant: ${first.text}`, "user: after the drop"]);
  });

  test("after sign-out, no kept thread serves: nothing reaches the model, and a new sign-in's account carries the continuation", async () => {
    const { check: l, account, home } = lane("signout");
    const start = [msg("system", SYSTEM), msg("user", "while signed in")];
    const first = await served(l, account, chat(start));
    await l.logout();
    const next = chat([...start, msg("assistant", first.text), msg("user", "after sign-out")]);
    const count = fake.requestsFor(account).length;
    const events = await runTurn(l, next);
    const last = events.at(-1);
    assert.ok(last?.type === "error", `expected an error, got ${JSON.stringify(events)}`);
    assert.equal(last.class, "unauthorized");
    assert.equal(fake.requestsFor(account).length, count, "nothing reached the model after sign-out");
    // Another account signs in on this lane (as `codex login` from another process would).
    const other = "acct-kept-signout-b";
    fake.addAccount({ accountId: other, email: "signout-b@example.com", plan: "plus" });
    fake.writeAuth(home, other);
    const r = await served(l, other, next);
    assert.equal(r.text, "echo: after sign-out");
    assert.notEqual(r.thread, first.thread, "the thread kept under the old sign-in does not serve the new one");
    assert.equal(fake.requestsFor(account).length, count, "nothing went out under the old account");
  });

  test("a Responses follow-up by previous_response_id goes on in the thread that answered, through the gateway", async (t) => {
    const home = makeHome("kept-responses-");
    dirs.push(home);
    const gw = await startTestGateway(t, { lanes: [signedInLane(fake, "kept-responses", home.dir)] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const first = await client.responses.create({ model: "gpt-5.5", instructions: SYSTEM, input: "first question" });
    const thread = fake.requestsFor("acct-kept-responses").at(-1)!.headers["thread-id"];
    // Counted for this thread only: the gateway's ready threads may connect in the background meanwhile.
    const socketsOf = (threadId: string | undefined) => fake.calls.filter((c) => c.method === "WS" && c.threadId === threadId).length;
    const sockets = socketsOf(thread);
    assert.ok(sockets >= 1, "the thread's own WebSocket is seen");
    const second = await client.responses.create({ model: "gpt-5.5", instructions: SYSTEM, input: "second question", previous_response_id: first.id });
    assert.equal(second.output_text, "echo: second question");
    const last = fake.requestsFor("acct-kept-responses").at(-1)!;
    assert.equal(last.headers["thread-id"], thread);
    assert.equal(socketsOf(thread), sockets, "no new connection");
    assert.deepEqual(conversation(last), ["user: first question", `assistant: ${first.output_text}`, "user: second question"]);
  });

  test("one gateway key's kept thread never carries another key's request, even the exact continuation", async (t) => {
    const home = makeHome("kept-keys-");
    dirs.push(home);
    const gw = await startTestGateway(t, { lanes: [signedInLane(fake, "kept-keys", home.dir)] });
    const account = "acct-kept-keys";
    const clientOf = (apiKey: string) => new OpenAI({ baseURL: gw.baseURL, apiKey, maxRetries: 0 });
    const alice = clientOf(gw.key);
    const bob = clientOf(gw.server.store.keys.create("other-team", { admin: false }).key);
    const start = [{ role: "system" as const, content: SYSTEM }, { role: "user" as const, content: "alice asks" }];
    const first = await alice.chat.completions.create({ model: "gpt-5.5", messages: start });
    const thread = fake.requestsFor(account).at(-1)!.headers["thread-id"];
    const next = (text: string) => [...start, { role: "assistant" as const, content: first.choices[0]!.message.content! }, { role: "user" as const, content: text }];
    const theirs = await bob.chat.completions.create({ model: "gpt-5.5", messages: next("bob continues") });
    assert.equal(theirs.choices[0]!.message.content, "echo: bob continues");
    const bobs = fake.requestsFor(account).at(-1)!;
    assert.notEqual(bobs.headers["thread-id"], thread, "another key's request gets a thread of its own");
    assert.deepEqual(conversation(bobs), ["user: alice asks", `assistant: ${first.choices[0]!.message.content}`, "user: bob continues"]);
    // The kept thread is still there for its own key's continuation.
    await alice.chat.completions.create({ model: "gpt-5.5", messages: next("alice continues") });
    assert.equal(fake.requestsFor(account).at(-1)!.headers["thread-id"], thread);
  });

  test("limits.keepThreadMs 0 keeps no thread: the continuation goes on a new thread, with the whole conversation", async (t) => {
    const home = makeHome("kept-off-");
    dirs.push(home);
    const limits = { ...testConfig("", []).limits, keepThreadMs: 0 };
    const gw = await startTestGateway(t, { lanes: [signedInLane(fake, "kept-off", home.dir)], config: { limits } });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const start = [{ role: "user" as const, content: "asked once" }];
    const first = await client.chat.completions.create({ model: "gpt-5.5", messages: start });
    const thread = fake.requestsFor("acct-kept-off").at(-1)!.headers["thread-id"];
    const answer = first.choices[0]!.message.content!;
    await client.chat.completions.create({ model: "gpt-5.5", messages: [...start, { role: "assistant", content: answer }, { role: "user", content: "asked again" }] });
    const next = fake.requestsFor("acct-kept-off").at(-1)!;
    assert.notEqual(next.headers["thread-id"], thread);
    assert.deepEqual(conversation(next), ["user: asked once", `assistant: ${answer}`, "user: asked again"]);
  });

  test("the request log and /metrics say which thread carried each turn: spare, kept, ready, new", async (t) => {
    const home = makeHome("kept-log-");
    dirs.push(home);
    const gw = await startTestGateway(t, { lanes: [signedInLane(fake, "kept-log", home.dir)] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const ask = async (messages: OpenAI.ChatCompletionMessageParam[], tools?: OpenAI.ChatCompletionTool[]) => {
      const { data, response } = await client.chat.completions.create({ model: "gpt-5.5", messages, ...(tools ? { tools } : {}) }).withResponse();
      const row = gw.requests().get(response.headers.get("x-request-id")!)!;
      return { answer: data.choices[0]!.message.content ?? "", threads: row.attempts.map((a) => `${a.lane}:${a.thread ?? "?"}`) };
    };
    // The lane started its spare once it was up and signed in (its first usage-window read), unless
    // this request came first.
    const first = await ask([{ role: "user", content: "one" }]);
    assert.ok(["kept-log:spare", "kept-log:new"].includes(first.threads.join()), first.threads.join());
    const again = await ask([{ role: "user", content: "one" }, { role: "assistant", content: first.answer }, { role: "user", content: "two" }]);
    assert.deepEqual(again.threads, ["kept-log:kept"]);
    // Another conversation: the spare started after the first request took a thread.
    assert.deepEqual((await ask([{ role: "user", content: "other" }])).threads, ["kept-log:spare"]);
    // Settings seen before: a thread was started with them, for the next request like these.
    assert.deepEqual((await ask([{ role: "user", content: "third" }])).threads, ["kept-log:ready"]);
    // Client tools are fixed when a thread starts: the first request with these gets a new one.
    const tool: OpenAI.ChatCompletionTool = { type: "function", function: { name: "lookup", description: "Looks a word up.", parameters: { type: "object", properties: { word: { type: "string" } } } } };
    assert.deepEqual((await ask([{ role: "user", content: "look up lanes" }], [tool])).threads, ["kept-log:new"]);
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).text();
    for (const use of ["new", "kept", "spare", "ready"]) assert.match(metrics, new RegExp(`codex_lanes_codex_threads_total\\{lane="kept-log",thread="${use}"\\} [12]\\b`));
  });

  /** The error a continuation ends with, when the account changed while its thread was kept. */
  async function failureOnKeptThread(name: string, scenario: "unauthorized" | "usage_limit") {
    const { check: l, account } = lane(name);
    const start = [msg("system", SYSTEM), msg("user", "while fine")];
    const first = await served(l, account, chat(start));
    const { error, sent } = await failureUnder(fake, account, scenario, () => runTurn(l, chat([...start, msg("assistant", first.text), msg("user", "after the change")])));
    return { error, modelRequests: sent.length, onKeptThread: sent.some((r) => r.headers["thread-id"] === first.thread) };
  }

  test("a sign-in that expired while a thread was kept ends as needs-login (unauthorized), not a transient failure", async () => {
    const r = await failureOnKeptThread("expired", "unauthorized");
    assert.equal(r.error.class, "unauthorized", JSON.stringify(r.error));
    assert.match(r.error.message, /sign in again/);
    assert.equal(r.onKeptThread, true, "the kept thread carried the request: its open WebSocket met the 401");
  });

  test("a window spent while a thread was kept is a usage limit, after one model request", async () => {
    const r = await failureOnKeptThread("spent", "usage_limit");
    assert.equal(r.error.class, "usage_limit", JSON.stringify(r.error));
    assert.equal(r.modelRequests, 1);
    assert.equal(r.onKeptThread, true, "the kept thread carried the request");
  });
});

describe("KeptThreads", () => {
  const req = (messages: ChatMessage[]): ChatRequest => ({ model: "m", messages, stream: false, includeUsage: false });
  const asked = req([msg("user", "hi")]);
  const next = req([msg("user", "hi"), msg("assistant", "hello"), msg("user", "more")]);

  test("a kept thread nobody takes is released when its time runs out, and cannot be taken after", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const released: string[] = [];
    const kept = new KeptThreads<string>({ keepMs: 1_000, max: 4, release: (_c, id) => released.push(id) });
    kept.keep(asked, "hello", "client", "th1");
    t.mock.timers.tick(999);
    assert.deepEqual(released, []);
    t.mock.timers.tick(1);
    assert.deepEqual(released, ["th1"]);
    assert.equal(kept.take(next), null);
  });

  test("over the limit, the oldest kept thread is released", () => {
    const released: string[] = [];
    const kept = new KeptThreads<string>({ keepMs: 60_000, max: 2, release: (_c, id) => released.push(id) });
    for (const i of [1, 2, 3]) kept.keep(req([msg("user", `q${i}`)]), "a", "client", `th${i}`);
    assert.deepEqual(released, ["th1"]);
    assert.equal(kept.size, 2);
    kept.clear();
    assert.deepEqual(released, ["th1", "th2", "th3"]);
  });

  test("only the exact continuation takes it, once; clearing one client's threads leaves the others", () => {
    const released: string[] = [];
    const kept = new KeptThreads<string>({ keepMs: 60_000, max: 4, release: (_c, id) => released.push(id) });
    kept.keep(asked, "hello", "a", "th-a");
    assert.equal(kept.take(req([msg("user", "hi"), msg("assistant", "hello!"), msg("user", "more")])), null, "another answer");
    assert.equal(kept.take({ ...next, model: "other" }), null, "another model");
    assert.equal(kept.take({ ...next, tools: [{ name: "f", description: null, parameters: {}, strict: false }] }), null, "other tools");
    assert.equal(kept.take(req([msg("user", "hi"), msg("assistant", "hello")])), null, "no new user message");
    assert.equal(kept.take({ ...next, caller: "someone-else" }), null, "another caller");
    assert.deepEqual(kept.take(next), { client: "a", threadId: "th-a" });
    assert.equal(kept.take(next), null, "taken: one turn per thread at a time");
    kept.keep(asked, "hello", "a", "th-a2");
    kept.keep(req([msg("user", "other")]), "x", "b", "th-b");
    kept.clear("a");
    assert.deepEqual(released, ["th-a2"]);
    assert.equal(kept.size, 1);
  });
});
