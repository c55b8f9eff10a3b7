// Issue 10: what reaches the model for a plain two-message chat ("You answer in one word." +
// "Say hi") on a codex lane, per engine: the model requests and warm-ups the fake backend saw, the
// tools offered, the developer and user items, the characters of everything before the model
// (instructions + input + tools, warm-up included: a WebSocket request chains onto it), and the
// input tokens the fake reports for it (one per 4 characters, `tokenUsage.input = 'measured'`).
// The real pinned Codex binary against the in-process fake; no timing.
//
//   node --import tsx scripts/bench/model-input.ts [--show 1]

import type { ChatRequest, TurnEvent } from "../../gateway/chat/types";
import { codexVersion } from "../../gateway/codex/binary";
import { LocalCodexLane } from "../../gateway/codex/local-lane";
import { startFakeChatGPT } from "../../test/fakes/chatgpt";
import { makeHome } from "../../test/fakes/codex-run";
import { codexLane } from "../../test/helpers/gateway";
import { intFlags, machineLine, table } from "./lib/stats";
import type { CodexLaneConfig } from "../../gateway/config/types";

const flags = intFlags({ show: 0 });
const CHAT: ChatRequest = {
  model: "gpt-5.5",
  messages: [
    { role: "system", content: [{ type: "text", text: "You answer in one word." }] },
    { role: "user", content: [{ type: "text", text: "Say hi" }] },
  ],
  stream: false,
  includeUsage: true,
};

type Item = { type?: string; role?: string; content?: unknown };

function textOf(item: Item): string {
  if (typeof item.content === "string") return item.content;
  if (!Array.isArray(item.content)) return "";
  return (item.content as Array<{ text?: string }>).map((c) => c.text ?? "").join("\n");
}

async function main(): Promise<void> {
  const fake = await startFakeChatGPT();
  const rows: string[][] = [];
  try {
    for (const engine of ["app-server", "exec"] as const) {
      const home = makeHome(`bench-input-${engine}-`);
      const data = makeHome(`bench-input-data-${engine}-`);
      const acct = `acct-input-${engine}`;
      fake.addAccount({ accountId: acct, email: "bench@example.com", plan: "plus" });
      fake.setTokenUsage(acct, { input: "measured" });
      fake.writeAuth(home.dir, acct);
      const cfg = codexLane(engine, { home: home.dir, engine, config: fake.codexConfig(), env: fake.codexEnv(), models: null }) as CodexLaneConfig & { home: string };
      const lane = new LocalCodexLane(cfg, { dataDir: data.dir, turnTimeoutMs: 60_000, rateLimitPollMs: 0, log: { info() {}, warn() {} } });
      const warmupsBefore = fake.counters().warmups;
      const events: TurnEvent[] = [];
      try {
        for await (const ev of lane.turn(CHAT, { signal: new AbortController().signal })) events.push(ev);
      } finally {
        await lane.close();
        home.cleanup();
        data.cleanup();
      }
      const answer = events.find((e) => e.type === "message");
      const usage = events.find((e) => e.type === "usage");
      if (!answer || !usage || usage.type !== "usage") throw new Error(`${engine}: no answer: ${JSON.stringify(events.at(-1))}`);
      const reqs = fake.requestsFor(acct);
      const req = reqs.at(-1)!;
      const items = req.fullInput as Item[];
      const dev = items.filter((i) => i.role === "developer" || i.role === "system");
      const users = items.filter((i) => i.role === "user");
      if (flags.show) {
        console.log(`\n### ${engine}: the model's input\n`);
        for (const i of items) console.log(`- ${i.type ?? "?"}/${i.role ?? "-"} (${textOf(i).length} chars): ${JSON.stringify(textOf(i).slice(0, 160))}`);
        console.log(`- tools: ${req.toolNames.join(", ") || "none"}`);
        const { input: _input, ...rest } = req.body;
        console.log(`- other request fields: ${JSON.stringify(rest).slice(0, 600)}`);
      }
      rows.push([
        engine,
        String(reqs.length),
        String(fake.counters().warmups - warmupsBefore),
        req.toolNames.join(", ") || "none",
        `${dev.length} (${dev.reduce((n, i) => n + textOf(i).length, 0)} chars)`,
        `${users.length} (${users.reduce((n, i) => n + textOf(i).length, 0)} chars)`,
        String(req.inputChars),
        String(usage.usage.input_tokens),
      ]);
    }
  } finally {
    await fake.close();
  }
  console.log(`\nModel input for a 2-message chat, codex ${codexVersion()}\n`);
  console.log(table(["engine", "model requests", "warm-ups", "tools offered", "developer/system items", "user items", "characters before the model", "input tokens (fake: chars/4)"], rows));
  console.log(`\n${machineLine()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
