// Codex lanes end to end: the real pinned Codex binary against the fake ChatGPT backend, through
// each kind of lane the gateway can have: a local app-server engine, a local exec engine, and an
// account worker (its HTTP service on 127.0.0.1) reached by the remote adapter. One suite, run per kind.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ChatMessage, ChatRequest, TurnEvent } from "../gateway/chat/types";
import type { CodexLaneConfig, Engine } from "../gateway/config/types";
import { LocalCodexLane } from "../gateway/codex/local-lane";
import { RemoteCodexLane } from "../gateway/upstreams/codex-remote";
import type { LaneAdapter } from "../gateway/chat/lane-adapter";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { makeHome } from "./fakes/codex-run";
import { appServerPids, freeze, theAppServer } from "./helpers/procs";
import { waitFor } from "./helpers/wait";
import { startTestWorker } from "./helpers/worker";

const quiet = { info() {}, warn() {} };
const PIXEL_PNG =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

type Kind = { label: string; engine: Engine; remote: boolean };
const KINDS: Kind[] = [
  { label: "local app-server", engine: "app-server", remote: false },
  { label: "local exec", engine: "exec", remote: false },
  { label: "worker (app-server)", engine: "app-server", remote: true },
];

function user(text: string, images: string[] = []): ChatMessage {
  return { role: "user", content: [{ type: "text", text }, ...images.map((dataUrl) => ({ type: "image" as const, dataUrl }))] };
}

function chat(messages: ChatMessage[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: "gpt-5.5", messages, stream: true, includeUsage: true, ...extra };
}

async function collect(lane: LaneAdapter, req: ChatRequest, signal = new AbortController().signal): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const ev of lane.turn(req, { signal })) events.push(ev);
  return events;
}

function errorOf(events: TurnEvent[]) {
  const e = events.at(-1);
  assert.equal(e?.type, "error", `expected the turn to end in an error, got ${JSON.stringify(events)}`);
  return e;
}

function answerOf(events: TurnEvent[]): string {
  const msg = events.find((e) => e.type === "message");
  assert.ok(msg && msg.type === "message", `expected an answer, got ${JSON.stringify(events)}`);
  assert.equal(events.at(-1)?.type, "usage");
  return msg.text;
}

interface Harness {
  lane: LaneAdapter;
  /** The engine-side lane (the worker's, for remote kinds). */
  inner: LocalCodexLane;
  close(): Promise<void>;
}

async function makeLane(kind: Kind, fake: FakeChatGPT, home: string, dataDir: string, turnTimeoutMs = 20_000): Promise<Harness> {
  const cfg: CodexLaneConfig = {
    name: "plus-a", type: "codex", home, worker: null, engine: kind.engine, concurrency: 2, maxUsedPercent: null,
    config: fake.codexConfig(), env: fake.codexEnv(), models: null, planPriceUsd: null,
  };
  if (!kind.remote) {
    const inner = new LocalCodexLane({ ...cfg, home }, { dataDir, turnTimeoutMs, rateLimitPollMs: 0, log: quiet });
    return { lane: inner, inner, close: () => inner.close() };
  }
  const worker = await startTestWorker({ ...cfg, home }, { dataDir, turnTimeoutMs });
  const lane = new RemoteCodexLane("plus-a", { url: worker.url, token: worker.token }, { rateLimitPollMs: 0, turnTimeoutMs, models: null });
  return {
    lane,
    inner: worker.lane,
    close: async () => {
      await lane.close();
      await worker.close();
    },
  };
}

for (const kind of KINDS) {
  describe(`codex lane: ${kind.label}`, () => {
    let fake: FakeChatGPT;
    let h: Harness;
    const home = makeHome("lane-home-");
    const data = makeHome("lane-data-");
    const acct = "acct-" + kind.label.replace(/\W+/g, "-");

    before(async () => {
      fake = await startFakeChatGPT();
      fake.addAccount({ accountId: acct, email: "alice@example.com", plan: "plus" });
      fake.writeAuth(home.dir, acct);
      h = await makeLane(kind, fake, home.dir, data.dir);
    });
    after(async () => {
      await h?.close();
      await fake?.close();
      home.cleanup();
      data.cleanup();
    });

    test("answers from the real Codex CLI, with usage", async () => {
      const events = await collect(h.lane, chat([user("hello lanes")]));
      assert.equal(answerOf(events), "echo: hello lanes");
      const usage = events.find((e) => e.type === "usage");
      assert.ok(usage && usage.type === "usage" && usage.usage.input_tokens > 0 && usage.usage.output_tokens > 0);
    });

    test("streams text deltas that add up to the answer", async () => {
      fake.setScenario(acct, { name: "slow", deltas: 4, delayMs: 30 });
      try {
        const events = await collect(h.lane, chat([user("count")]));
        const deltas = events.filter((e) => e.type === "delta").map((e) => (e as { text: string }).text);
        const text = answerOf(events);
        assert.equal(deltas.join(""), text);
        // exec emits no deltas of its own: the whole answer arrives as one.
        if (kind.engine === "app-server") assert.ok(deltas.length > 1, `expected several deltas, got ${deltas.length}`);
      } finally {
        fake.setScenario(acct, "ok");
      }
    });

    test("system messages become instructions and earlier turns become history", async () => {
      const events = await collect(
        h.lane,
        chat([
          { role: "system", content: [{ type: "text", text: "INSTRUCTION-MARKER-7 answer briefly" }] },
          user("what is the HISTORY-Q-MARKER?"),
          { role: "assistant", content: [{ type: "text", text: "HISTORY-A-MARKER is the answer" }] },
          user("and now the final question"),
        ]),
      );
      answerOf(events);
      const req = fake.requestsFor(acct).at(-1)!;
      assert.match(req.instructionsText, /INSTRUCTION-MARKER-7/);
      const all = JSON.stringify(req.fullInput);
      assert.match(all, /HISTORY-Q-MARKER/);
      assert.match(all, /HISTORY-A-MARKER/);
      if (kind.engine === "app-server") {
        // Real role-tagged history items, not a transcript.
        const roles = (req.fullInput as Array<{ role?: string; content?: unknown }>).filter((i) => JSON.stringify(i.content ?? "").includes("HISTORY-")).map((i) => i.role);
        assert.deepEqual(roles, ["user", "assistant"]);
        assert.equal(req.lastUserText, "and now the final question");
      }
    });

    test("json_schema response_format gives JSON valid for the schema", async () => {
      const schema = { type: "object", properties: { city: { type: "string" }, population: { type: "number" } }, required: ["city", "population"], additionalProperties: false };
      const events = await collect(h.lane, chat([user("a city please")], { responseFormat: { type: "json_schema", name: "city", schema, strict: true } }));
      const parsed = JSON.parse(answerOf(events));
      assert.equal(typeof parsed.city, "string");
      assert.equal(typeof parsed.population, "number");
      const body = fake.requestsFor(acct).at(-1)!.body as { text?: { format?: { type?: string; schema?: unknown } } };
      assert.equal(body.text?.format?.type, "json_schema");
    });

    test("a data: URL image reaches the model as an image", async () => {
      answerOf(await collect(h.lane, chat([user("describe this", [PIXEL_PNG])])));
      assert.match(JSON.stringify(fake.requestsFor(acct).at(-1)!.fullInput), /"type":"input_image"/);
    });

    test("a spent usage window is a usage_limit outcome with its reset time", async () => {
      const resetsAt = Math.floor(Date.now() / 1000) + 3600;
      fake.setScenario(acct, { name: "usage_limit", resetsAt });
      try {
        const e = errorOf(await collect(h.lane, chat([user("anything")])));
        assert.equal(e.class, "usage_limit");
        if (kind.engine === "app-server") assert.equal(e.resetsAt, resetsAt * 1000, "the exact reset from the pushed usage snapshot");
        // exec only has the message, which gives the reset to the minute, rounded up.
        else assert.ok(e.resetsAt && e.resetsAt >= resetsAt * 1000 && e.resetsAt - resetsAt * 1000 <= 60_000, `reset ${e.resetsAt} vs ${resetsAt * 1000}`);
      } finally {
        fake.setScenario(acct, "ok");
      }
    });

    test("an expired sign-in is an unauthorized outcome", async () => {
      fake.setScenario(acct, "unauthorized");
      try {
        assert.equal(errorOf(await collect(h.lane, chat([user("anything")]))).class, "unauthorized");
      } finally {
        fake.setScenario(acct, "ok");
        fake.writeAuth(home.dir, acct);
      }
    });

    test("a client that goes away stops the turn", async () => {
      fake.setScenario(acct, "hang");
      const ac = new AbortController();
      const events: TurnEvent[] = [];
      const sent = fake.requestsFor(acct).length;
      const turn = (async () => {
        for await (const ev of h.lane.turn(chat([user("long answer")]), { signal: ac.signal })) events.push(ev);
      })();
      try {
        // The client leaves once the turn is under way upstream (exec streams nothing before the end).
        await waitFor("the turn to reach the backend", () => fake.requestsFor(acct).length > sent, 30_000);
      } finally {
        ac.abort();
        await turn;
        fake.setScenario(acct, "ok");
      }
      const last = events.at(-1);
      assert.ok(last?.type === "error" && last.class === "cancelled", JSON.stringify(events));
      assert.equal(answerOf(await collect(h.lane, chat([user("after cancel")]))), "echo: after cancel");
    });

    if (kind.engine === "app-server") {
      test("an app-server that crashes mid-turn fails that turn cleanly and is restarted", async () => {
        fake.setScenario(acct, { name: "slow", deltas: 20, delayMs: 150 });
        const events: TurnEvent[] = [];
        try {
          for await (const ev of h.lane.turn(chat([user("crash me")]), { signal: new AbortController().signal })) {
            events.push(ev);
            if (ev.type === "delta" && events.filter((e) => e.type === "delta").length === 1) {
              const pids = appServerPids(home.dir);
              assert.equal(pids.length, 1, "one app-server per account home");
              process.kill(pids[0]!, "SIGKILL");
            }
          }
        } finally {
          fake.setScenario(acct, "ok");
        }
        const e = errorOf(events);
        assert.equal(e.class, "transient");
        assert.equal(e.code, "engine_crashed");
        assert.equal(answerOf(await collect(h.lane, chat([user("after the crash")]))), "echo: after the crash");
      });

      // Local only: the test knows when thread/start was written from the event loop's order.
      if (!kind.remote) test("a client that leaves while thread/start waits for its answer ends its turn at once; the app-server is kept", async () => {
        await collect(h.lane, chat([user("warm")])); // the app-server runs
        const pid = theAppServer(home.dir);
        const ac = new AbortController();
        const thaw = freeze(pid); // thread/start will wait for an answer as long as the process is stopped
        let events: TurnEvent[];
        try {
          // Its own system text, so no thread started ahead for the earlier request fits it: it calls thread/start.
          const it = h.lane.turn(chat([{ role: "system", content: [{ type: "text", text: "A thread of its own." }] }, user("never started")]), { signal: ac.signal })[Symbol.asyncIterator]();
          const first = it.next();
          // Everything up to writing thread/start runs in microtasks: once the event loop turns, the
          // request is on the stopped app-server's stdin.
          await new Promise((r) => setImmediate(r));
          ac.abort();
          events = [];
          for (let r = await first; !r.done; r = await it.next()) events.push(r.value);
        } finally {
          thaw();
        }
        const e = errorOf(events);
        assert.equal(e.class, "cancelled", JSON.stringify(events));
        assert.equal(answerOf(await collect(h.lane, chat([user("after leaving")]))), "echo: after leaving");
        assert.deepEqual(appServerPids(home.dir), [pid], "a client leaving says nothing about the app-server: it is not replaced");
      });

      test("an app-server that stops answering is replaced: the turn it failed opens the circuit, the other turns on it end engine_crashed, the next turn gets a fresh one", async () => {
        fake.setScenario(acct, { name: "slow", deltas: 20, delayMs: 150 });
        const pid = theAppServer(home.dir);
        let thaw = () => {};
        const other: TurnEvent[] = [];
        let hung: TurnEvent[] = [];
        try {
          for await (const ev of h.lane.turn(chat([user("in flight")]), { signal: new AbortController().signal })) {
            other.push(ev);
            // The other request's turn is under way when the app-server stops answering.
            if (ev.type === "delta" && other.filter((x) => x.type === "delta").length === 1) {
              thaw = freeze(pid);
              hung = await collect(h.lane, chat([user("left unanswered")]));
            }
          }
        } finally {
          thaw();
          fake.setScenario(acct, "ok");
        }
        const e = errorOf(hung);
        assert.deepEqual([e.class, e.code, e.opensCircuit], ["transient", "engine_unresponsive", true]);
        const o = errorOf(other);
        assert.deepEqual([o.class, o.code], ["transient", "engine_crashed"], "the other turn fails as transient, so the dispatcher retries it");
        assert.equal(answerOf(await collect(h.lane, chat([user("after the hang")]))), "echo: after the hang");
        const now = appServerPids(home.dir);
        assert.equal(now.length, 1);
        assert.notEqual(now[0], pid, "the app-server that stopped answering was replaced");
      });
    }

    test("status shows the account, plan and usage window", async () => {
      fake.setUsage(acct, { primaryUsedPercent: 37 });
      const s = await h.lane.status();
      assert.equal(s.signedIn, true);
      assert.equal(s.email, "alice@example.com");
      assert.equal(s.plan, "plus");
      assert.equal(s.rateLimits?.primary?.usedPercent, 37);
      assert.ok((s.rateLimits?.primary?.resetsAt ?? 0) > Date.now());
      assert.ok(!JSON.stringify(s).includes("rt_"), "status must not carry tokens");
    });

    test("models come from the account's catalog", async () => {
      const models = await h.lane.models();
      assert.ok(models.includes("gpt-5.5") && models.includes("gpt-6.1-sol"), JSON.stringify(models));
    });
  });
}

for (const kind of KINDS) {
  describe(`codex lane sign-in and failure handling: ${kind.label}`, () => {
    let fake: FakeChatGPT;
    const acct = "acct-login-" + kind.label.replace(/\W+/g, "-");

    before(async () => {
      fake = await startFakeChatGPT();
      fake.addAccount({ accountId: acct, email: "bob@example.com", plan: "pro" });
    });
    after(async () => fake?.close());

    test("an account that is not signed in gets a clear error naming the fix; device-code sign-in then works", async () => {
      const home = makeHome("login-home-");
      const data = makeHome("login-data-");
      // A brand-new account: its CODEX_HOME does not exist yet (Codex itself refuses a missing home).
      const accountHome = path.join(home.dir, "new-account");
      const h = await makeLane(kind, fake, accountHome, data.dir);
      try {
        const e = errorOf(await collect(h.lane, chat([user("hi")])));
        assert.equal(e.class, "unauthorized");
        assert.match(e.message, /codex-lanes login plus-a/);

        const start = await h.lane.login!();
        assert.match(start.verificationUrl, /^https:\/\/localhost:\d+\/codex\/device$/);
        assert.ok(start.userCode.length >= 6);
        assert.equal((await h.lane.loginStatus!()).state, "pending");
        fake.approveDeviceCode(start.userCode, acct);
        let state = await h.lane.loginStatus!();
        for (let i = 0; i < 100 && state.state === "pending"; i++) {
          await new Promise((r) => setTimeout(r, 100));
          state = await h.lane.loginStatus!();
        }
        assert.deepEqual(state, { state: "succeeded", email: "bob@example.com", plan: "pro" });
        assert.ok(existsSync(path.join(accountHome, "auth.json")));
        assert.equal(answerOf(await collect(h.lane, chat([user("signed in now")]))), "echo: signed in now");

        await h.lane.logout!();
        assert.ok(!existsSync(path.join(accountHome, "auth.json")));
        assert.equal(errorOf(await collect(h.lane, chat([user("hi")]))).class, "unauthorized");
      } finally {
        await h.close();
        home.cleanup();
        data.cleanup();
      }
    });

    test("a turn past its deadline fails as a timeout and the lane keeps working", async () => {
      const home = makeHome("deadline-home-");
      const data = makeHome("deadline-data-");
      fake.writeAuth(home.dir, acct);
      const h = await makeLane(kind, fake, home.dir, data.dir, 2_000);
      try {
        fake.setScenario(acct, "hang");
        const e = errorOf(await collect(h.lane, chat([user("never answered")])));
        assert.equal(e.class, "transient");
        assert.equal(e.code, "timeout");
        fake.setScenario(acct, "ok");
        assert.equal(answerOf(await collect(h.lane, chat([user("after timeout")]))), "echo: after timeout");
      } finally {
        fake.setScenario(acct, "ok");
        await h.close();
        home.cleanup();
        data.cleanup();
      }
    });
  });
}
