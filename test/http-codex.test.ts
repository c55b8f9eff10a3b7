// End to end: the official openai client -> the gateway -> real codex lanes (the pinned Codex CLI,
// app-server engine, against the fake ChatGPT backend) and an API-key lane (the fake OpenAI API).
// The failover story of the lanes issue: A spent -> B -> B spent -> api -> A back after its reset.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import type { LaneConfig } from "../gateway/config/types";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { accountLane, Teardown } from "./helpers/fixture";
import { openaiLane, startTestGateway, type TestGateway } from "./helpers/gateway";

/** The same suite, once with lanes running Codex in the gateway (local mode) and once through account workers (deployed mode). */
for (const mode of ["local", "worker"] as const)
describe(`gateway with real codex lanes (${mode})`, () => {
  let chatgpt: FakeChatGPT;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  const td = new Teardown();
  /** The gateway's clock runs this far ahead, so a window can reset without the test waiting for it. */
  let skewMs = 0;

  before(async () => {
    chatgpt = await td.start(startFakeChatGPT());
    openai = await td.start(startFakeOpenAI());
    const lanes: LaneConfig[] = [];
    for (const name of ["plus-a", "plus-b"]) lanes.push(await accountLane(td, chatgpt, name, mode, { lane: { engine: "app-server", concurrency: 2, models: null } }));
    lanes.push(openaiLane("api", openai.baseUrl, "sk-e2e-0123456789abcdef"));
    gw = await startTestGateway(
      td,
      { lanes, config: { limits: { maxBodyBytes: 10 * 1024 * 1024, maxUploadBytes: 512 * 1024 * 1024, turnTimeoutMs: 30_000 } }, server: { dispatch: { random: () => 0, now: () => Date.now() + skewMs } } },
    );
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });

  after(() => td.run());

  const ask = (content: string) =>
    client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content }] })
      .withResponse()
      .then((r) => ({ text: r.data.choices[0]!.message.content, lane: r.response.headers.get("x-codex-lanes-lane"), id: r.response.headers.get("x-request-id")! }));

  test("a non-streamed answer from the real Codex CLI, in OpenAI's shape, logged with its lane", async () => {
    const { data, response } = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "hello gateway" }] }).withResponse();
    assert.equal(data.choices[0]!.message.content, "echo: hello gateway");
    assert.equal(response.headers.get("x-codex-lanes-lane"), "plus-a");
    assert.ok(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0);
    const row = gw.requests().get(response.headers.get("x-request-id")!)!;
    assert.equal(row.lane, "plus-a");
    assert.ok(row.apiCostUsd > 0);
  });

  test("a streamed answer arrives as deltas that add up to the answer", async () => {
    chatgpt.setScenario("acct-plus-a", { name: "slow", deltas: 4, delayMs: 20 });
    try {
      const stream = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "stream please" }], stream: true, stream_options: { include_usage: true } });
      let text = "";
      let deltas = 0;
      let usage = 0;
      for await (const c of stream) {
        if (c.choices[0]?.delta.content) {
          deltas++;
          text += c.choices[0].delta.content;
        }
        if (c.usage) usage = c.usage.total_tokens;
      }
      assert.ok(deltas > 1, `several deltas, got ${deltas}`);
      assert.ok(text.length > 0);
      assert.ok(usage > 0);
    } finally {
      chatgpt.setScenario("acct-plus-a", "ok");
    }
  });

  test("GET /v1/models lists the accounts' catalog", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes("gpt-5.5"), `catalog: ${ids.join(", ")}`);
  });

  test("/admin/lanes shows, on each codex lane, what Codex adds before the model; nothing on the API lane", async () => {
    const res = await fetch(`${gw.url}/admin/lanes`, { headers: { authorization: `Bearer ${gw.adminKey}` } });
    const { lanes } = (await res.json()) as { lanes: { name: string; codexAdds: string[] | null }[] };
    const byName = new Map(lanes.map((l) => [l.name, l.codexAdds]));
    for (const name of ["plus-a", "plus-b"]) assert.ok(byName.get(name)?.some((a) => a.includes("apply_patch")), `${name}: ${JSON.stringify(byName.get(name))}`);
    assert.equal(byName.get("api"), null);
  });

  test("A spent -> B; B spent -> api; later requests skip spent lanes; A back after its reset", async () => {
    const soon = Math.floor(Date.now() / 1000) + 4;
    chatgpt.setScenario("acct-plus-a", { name: "usage_limit", resetsAt: soon });
    chatgpt.setScenario("acct-plus-b", { name: "usage_limit", resetsAt: soon + 3600 });
    const aBefore = chatgpt.requestsFor("acct-plus-a").length;
    const bBefore = chatgpt.requestsFor("acct-plus-b").length;

    const first = await ask("first");
    assert.equal(first.lane, "api");
    assert.equal(first.text, "echo: first");
    const row = gw.requests().get(first.id)!;
    const tried = row.attempts.map((a) => `${a.lane}:${a.outcome}`);
    // B is tried once, unless its spent window already showed in a rate-limit snapshot.
    assert.ok(
      JSON.stringify(tried) === JSON.stringify(["plus-a:usage_limit", "plus-b:usage_limit", "api:ok"]) ||
        JSON.stringify(tried) === JSON.stringify(["plus-a:usage_limit", "api:ok"]),
      tried.join(" > "),
    );
    const bTries = tried.filter((x) => x.startsWith("plus-b")).length;

    const second = await ask("second");
    assert.equal(second.lane, "api");
    assert.equal(chatgpt.requestsFor("acct-plus-a").length, aBefore + 1, "A was not tried again");
    assert.equal(chatgpt.requestsFor("acct-plus-b").length, bBefore + bTries, "B was not tried again");
    assert.deepEqual(gw.requests().get(second.id)!.attempts.map((a) => a.lane), ["api"]);

    const views = await (await fetch(`${gw.url}/admin/lanes`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).json() as { lanes: { name: string; state: string; until: string | null }[] };
    assert.deepEqual(views.lanes.map((l) => l.state), ["cooling", "cooling", "ready"]);

    chatgpt.setScenario("acct-plus-a", "ok");
    // The lane comes back at the reset second the account's usage snapshot gave: jump just past it.
    skewMs = soon * 1000 + 1_000 - Date.now();
    assert.equal(gw.server.dispatcher.laneViewsNow()[0]!.state, "ready");
    assert.equal(gw.server.dispatcher.laneViewsNow()[1]!.state, "cooling");
    const back = await ask("back to A");
    assert.equal(back.lane, "plus-a");
    assert.equal(back.text, "echo: back to A");
    chatgpt.setScenario("acct-plus-b", "ok");
    skewMs = 0;
  });

  test("an expired sign-in puts the lane in needs-login, visible with its fix, and traffic moves on", async () => {
    chatgpt.setScenario("acct-plus-a", "unauthorized");
    try {
      const r = await ask("after expiry");
      assert.notEqual(r.lane, "plus-a");
      const a = gw.server.dispatcher.laneViewsNow()[0]!;
      assert.equal(a.state, "needs-login");
      assert.equal(a.fix, "codex-lanes login plus-a");
    } finally {
      chatgpt.setScenario("acct-plus-a", "ok");
    }
  });
});
