// Lanes know their plan, end to end: the real pinned Codex CLI signed in to the fake ChatGPT
// backend as a Pro 5x account (Codex's plan type "prolite") while the lane's config says "plus".
// What Codex reports wins: the dashboard's ledger prices the lane as Pro 5x from the plan table. An account whose plan the table does not have ("promax") keeps the
// lane's configured plan.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { renderLanes } from "../gateway/cli/lanes";
import { FormClient, section } from "./dashboard-client";
import { startFakeChatGPT, type FakeChatGPT } from "./fakes/chatgpt";
import { makeHome, type TestHome } from "./fakes/codex-run";
import { codexLane, startTestGateway, type TestGateway } from "./helpers/gateway";

describe("a codex lane's plan comes from the account when Codex reports it", () => {
  let chatgpt: FakeChatGPT;
  let gw: TestGateway;
  const homes: TestHome[] = [];
  const cleanups: (() => unknown)[] = [];

  before(async () => {
    chatgpt = await startFakeChatGPT();
    const lane = (name: string, plan: "prolite" | "promax", configured: string) => {
      const home = makeHome(`plan-${name}-`);
      homes.push(home);
      chatgpt.addAccount({ accountId: `acct-${name}`, email: `${name}@example.com`, plan });
      chatgpt.writeAuth(home.dir, `acct-${name}`);
      return codexLane(name, { home: home.dir, engine: "app-server", concurrency: 1, config: chatgpt.codexConfig(), env: chatgpt.codexEnv(), models: null, plan: configured });
    };
    gw = await startTestGateway({ after: (f: () => unknown) => cleanups.push(f) }, { lanes: [lane("five", "prolite", "plus"), lane("max", "promax", "pro-20x")] });
    const client = new OpenAI({ baseURL: gw.baseURL, apiKey: gw.key, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: "served by the Pro 5x account" }] }).withResponse();
    assert.equal(r.response.headers.get("x-codex-lanes-lane"), "five");
  });

  after(async () => {
    for (const f of cleanups.reverse()) await f();
    await chatgpt?.close();
    for (const h of homes) h.cleanup();
  });

  test("the pinned Codex reports prolite; the lane is Pro 5x at $100 with its capacity estimate, not the configured Plus", async () => {
    await gw.server.dispatcher.refresh();
    const views = gw.server.dispatcher.laneViewsNow();
    assert.deepEqual(views.map((v) => [v.name, v.plan]), [["five", "prolite"], ["max", "promax"]]);
    const table = renderLanes(views, Date.now());
    assert.match(table, /^five\s+codex\s+app-server\s+ready\s+yes\s+pro-5x \(prolite\)\s+five@example\.com/m, "`codex-lanes lanes` names the plan");
    assert.match(table, /^max\s+codex\s+app-server\s+ready\s+yes\s+promax\s/m);

    const b = new FormClient(gw.url);
    assert.equal((await b.signIn(gw.adminKey)).status, 303);
    const ledger = section((await b.get("/dashboard")).text, "ledger");
    assert.match(ledger, /<td>five<\/td><td>subscription<\/td><td data-plan="pro-5x">ChatGPT Pro 5x <span class="small muted">reported by the account \(prolite\)<\/span><\/td><td class="num">[^<]+<\/td><td class="num">about \$3,500<\/td><td class="num">\$100.00<\/td>/);
    assert.match(ledger, /<td>max<\/td><td>subscription<\/td><td data-plan="pro-20x">ChatGPT Pro 20x <span class="small muted">from the config<\/span><\/td><td class="num">[^<]+<\/td><td class="num">about \$14,000<\/td><td class="num">\$200.00<\/td>/);
    assert.match(ledger, /\$300.00 plan prices/);
    const lanes = section((await b.get("/dashboard")).text, "lanes");
    assert.match(lanes, /plan ChatGPT Pro 5x \(prolite\)/);
  });
});
