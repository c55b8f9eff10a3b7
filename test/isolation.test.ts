// One request never hurts another, end to end: the official openai client -> the gateway -> a real
// codex lane (the pinned Codex CLI's app-server against the fake ChatGPT backend). A request whose
// model never answers holds one slot of its lane until its deadline and nothing more; an app-server
// that stops answering is replaced, its lane's circuit opens, and the turns of other requests that
// die with it are retried under the transient rules instead of failing.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { Teardown } from "./helpers/fixture";
import { startFakeOpenAI, type FakeOpenAI } from "./fakes/openai";
import { openaiLane, signedInLane, startTestGateway, type TestGateway } from "./helpers/gateway";
import { appServerPids, freeze, theAppServer } from "./helpers/procs";
import { waitFor } from "./helpers/wait";

const NORMAL = 20;

describe("isolation: one request cannot take its lane or other requests down", () => {
  let chatgpt: FakeChatGPT;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: OpenAI;
  let home: string;
  const td = new Teardown();

  before(async () => {
    chatgpt = await td.start(startFakeChatGPT());
    openai = await td.start(startFakeOpenAI());
    home = td.home("isolation-");
    gw = await startTestGateway(
      td,
      {
        lanes: [signedInLane(chatgpt, "plus-a", home, { concurrency: 2 }), openaiLane("api", openai.baseUrl, "sk-isolation-0123456789abcdef")],
        // A short deadline, so the hanging request is stopped (and retried, under the transient
        // rules) while the normal ones still run.
        config: {
          limits: { maxBodyBytes: 1024 * 1024, maxUploadBytes: 1024 * 1024, turnTimeoutMs: 4_000 },
          policy: { defaultCooldownMs: 60_000, maxRetries: 2, circuitThreshold: 3, circuitOpenMs: 60_000 },
        },
      },
    );
    client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
  });

  after(() => td.run());

  const ask = (content: string) =>
    client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content }] })
      .withResponse()
      .then((r) => ({ text: r.data.choices[0]!.message.content, lane: r.response.headers.get("x-codex-lanes-lane"), id: r.response.headers.get("x-request-id")! }));

  const laneState = (name: string) => gw.server.dispatcher.laneViewsNow().find((l) => l.name === name)?.state;

  test(`one request whose model never answers, and ${NORMAL} normal ones on the same lane: every normal one is answered there`, async () => {
    assert.equal((await ask("warm up")).text, "echo: warm up");
    const pid = theAppServer(home);
    const hanging = client.chat.completions
      .create({ model: "gpt-5.5", messages: [{ role: "user", content: "SCENARIO=hang never answered" }] }, { maxRetries: 0 })
      .then(
        () => null,
        (err: unknown) => err,
      );
    const sent = chatgpt.requestsFor("acct-plus-a").length;
    await waitFor("the hanging request to reach the model", () => chatgpt.requestsFor("acct-plus-a").length > sent, 30_000);
    const normal = await Promise.all(Array.from({ length: NORMAL }, (_, i) => ask(`normal ${i}`)));
    for (const [i, r] of normal.entries()) assert.deepEqual([r.text, r.lane], [`echo: normal ${i}`, "plus-a"]);

    // The hanging request ends at its deadline (then on the API lane, which answers it); the lane it
    // hung on is still ready and its app-server was never replaced.
    assert.equal(await hanging, null, "the hanging request is served by the next lane after its deadline");
    assert.equal(laneState("plus-a"), "ready");
    assert.deepEqual(appServerPids(home), [pid]);
    assert.equal((await ask("after the hang")).lane, "plus-a");
  });

  test("an app-server that stops answering is replaced and its lane's circuit opens; a turn of another request that died with it is retried on the next lane, not failed", async () => {
    const pid = theAppServer(home);
    chatgpt.setScenario("acct-plus-a", { name: "slow", deltas: 10, delayMs: 200 });
    let thaw = () => {};
    try {
      const sent = chatgpt.requestsFor("acct-plus-a").length;
      const first = ask("in flight when it hangs");
      await waitFor("the first request to reach the model", () => chatgpt.requestsFor("acct-plus-a").length > sent, 30_000);
      thaw = freeze(pid);
      // The first request reaches its deadline and its interrupt goes unanswered: the app-server is
      // hung, so it is replaced, the lane's circuit opens and the request moves to the next lane.
      // The second one, waiting on the same process for thread/start, dies with it and moves on too.
      const second = ask("sent to a hung app-server");
      const [a, b] = await Promise.all([first, second]);
      chatgpt.setScenario("acct-plus-a", "ok");

      const rows = gw.requests();
      const rowA = rows.get(a.id)!;
      assert.deepEqual(rowA.attempts.map((x) => [x.lane, x.code]), [["plus-a", "engine_unresponsive"], ["api", null]]);
      assert.equal(a.lane, "api");
      // Its lane's circuit is open by then, so the transient rules send it to the next lane at once.
      assert.deepEqual(rows.get(b.id)!.attempts.map((x) => [x.lane, x.code]), [["plus-a", "engine_crashed"], ["api", null]]);
      assert.equal(b.text, "echo: sent to a hung app-server");

      assert.equal(laneState("plus-a"), "circuit-open");
      assert.equal((await ask("while the circuit is open")).lane, "api");
      assert.ok(!appServerPids(home).includes(pid), "the app-server that stopped answering is gone");
    } finally {
      thaw();
      chatgpt.setScenario("acct-plus-a", "ok");
    }
  });
});
