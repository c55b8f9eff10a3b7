// The model sees the client's conversation and nothing else, as far as Codex's own switches allow:
// what the fake ChatGPT backend receives from the real pinned Codex binary for a plain chat, on
// each engine. What Codex still adds is exactly what gateway/codex/fidelity.ts documents.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChatMessage, ChatRequest, TurnEvent } from "../gateway/chat/types";
import type { CodexLaneConfig, Engine } from "../gateway/config/types";
import { CODEX_ADDS } from "../gateway/codex/fidelity";
import { LocalCodexLane } from "../gateway/codex/local-lane";
import { NEUTRAL_INSTRUCTIONS } from "../gateway/codex/mapping";
import { startFakeChatGPT, type FakeChatGPT, type ModelRequest } from "./fakes/chatgpt";
import { makeHome } from "./fakes/codex-run";

const quiet = { info() {}, warn() {} };

type Item = { type?: string; role?: string; content?: unknown };

function text(item: Item): string {
  if (typeof item.content === "string") return item.content;
  return Array.isArray(item.content) ? (item.content as Array<{ text?: string }>).map((c) => c.text ?? "").join("") : "";
}

/** The conversation the model saw: every message item as role + text, in order. */
function seen(req: ModelRequest): Array<[string, string]> {
  return (req.fullInput as Item[]).filter((i) => i.type === "message").map((i) => [i.role ?? "?", text(i)]);
}

function msg(role: ChatMessage["role"], t: string): ChatMessage {
  return { role, content: [{ type: "text", text: t }] };
}

function chat(messages: ChatMessage[]): ChatRequest {
  return { model: "gpt-5.5", messages, stream: false, includeUsage: true };
}

const ENGINES: Engine[] = ["app-server", "exec"];

for (const engine of ENGINES) {
  describe(`what reaches the model: ${engine} engine`, () => {
    let fake: FakeChatGPT;
    let lane: LocalCodexLane;
    const home = makeHome("fidelity-home-");
    const data = makeHome("fidelity-data-");
    const acct = `acct-fidelity-${engine}`;

    before(async () => {
      fake = await startFakeChatGPT();
      fake.addAccount({ accountId: acct, email: "alice@example.com", plan: "plus" });
      fake.writeAuth(home.dir, acct);
      const cfg = {
        name: "plus-a", type: "codex", home: home.dir, worker: null, engine, concurrency: 2, maxUsedPercent: null,
        config: fake.codexConfig(), env: fake.codexEnv(), models: null, planPriceUsd: null,
      } satisfies CodexLaneConfig;
      lane = new LocalCodexLane(cfg, { dataDir: data.dir, turnTimeoutMs: 60_000, rateLimitPollMs: 0, log: quiet });
    });
    after(async () => {
      await lane?.close();
      await fake?.close();
      home.cleanup();
      data.cleanup();
    });

    /** Runs one chat and returns the one model request it made, and the warm-ups it cost. */
    async function send(req: ChatRequest): Promise<{ req: ModelRequest; warmups: number; events: TurnEvent[] }> {
      const before = fake.requestsFor(acct).length;
      const events: TurnEvent[] = [];
      for await (const ev of lane.turn(req, { signal: new AbortController().signal })) events.push(ev);
      assert.equal(events.at(-1)?.type, "usage", `the turn answered: ${JSON.stringify(events.at(-1))}`);
      const reqs = fake.requestsFor(acct).slice(before);
      assert.equal(reqs.length, 1, "one model request per chat");
      // Warm-ups of the thread that served this request (a ready thread for the next one may warm up meanwhile).
      const thread = reqs[0]!.headers["thread-id"];
      return { req: reqs[0]!, warmups: fake.warmupThreads.filter((t) => t === thread).length, events };
    }

    test("a two-message chat reaches the model as the client wrote it: its system text as the instructions, its message, no Codex tools but apply_patch", async () => {
      const { req, warmups } = await send(chat([msg("system", "You answer in one word."), msg("user", "Say hi")]));
      assert.deepEqual(seen(req), [
        ["developer", "You answer in one word."],
        ["user", "Say hi"],
      ]);
      assert.deepEqual(req.toolNames, ["apply_patch"], "the only tool left is the one CODEX_ADDS documents");
      assert.ok(CODEX_ADDS.some((a) => a.includes("apply_patch")));
      assert.doesNotMatch(req.instructionsText, /skills_instructions|environment_context|permissions|multi_agent|You are Codex/);
      assert.equal(warmups, 1, "Codex still warms each thread up once, as CODEX_ADDS documents");
      assert.ok(req.inputChars < 2_000, `${req.inputChars} characters before the model`);
    });

    test("a chat without system text gets a short neutral line instead of Codex's coding-agent prompt", async () => {
      const { req } = await send(chat([msg("user", "Say hi")]));
      assert.deepEqual(seen(req), [
        ["developer", NEUTRAL_INSTRUCTIONS],
        ["user", "Say hi"],
      ]);
    });

    test("system and developer messages together become the instructions, in order", async () => {
      const { req } = await send(chat([msg("system", "Be brief."), msg("developer", "Use British spelling."), msg("user", "colour?")]));
      assert.deepEqual(seen(req)[0], ["developer", "Be brief.\n\nUse British spelling."]);
      assert.equal(seen(req).length, 2);
    });

    if (engine === "app-server") {
      test("earlier turns reach the model as real user and assistant messages, and nothing is added between them", async () => {
        const { req } = await send(chat([msg("system", "S"), msg("user", "one"), msg("assistant", "uno"), msg("user", "two")]));
        assert.deepEqual(seen(req), [
          ["developer", "S"],
          ["user", "one"],
          ["assistant", "uno"],
          ["user", "two"],
        ]);
      });
    }

    test("the lane's status lists what Codex adds, for /admin/lanes", async () => {
      const s = await lane.status();
      assert.deepEqual(s.codexAdds, CODEX_ADDS);
    });
  });
}
