// The request log loses nothing that was answered: the gateway in its own process is killed with
// SIGKILL in the middle of a burst, and every request whose response the client read to the end
// has its row in gateway.db (issue 10 item 7). Real HTTP, real SQLite, the official openai client.

import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import OpenAI from "openai";
import { openStore } from "../gateway/store";
import { startFakeOpenAI } from "./fakes/openai";
import { tempDir } from "./helpers/gateway";

const BURST = 400;
const IN_FLIGHT = 24;
/** The kill comes once this many answers were read, so requests are in every stage when it lands. */
const KILL_AFTER = 120;

test("kill -9 mid-burst: every answered request has its row", async (t) => {
  const up = await startFakeOpenAI();
  t.after(() => up.close());
  const dataDir = tempDir("codex-lanes-kill-");
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = fork(path.join(__dirname, "helpers/gateway-process.ts"), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, GATEWAY_UPSTREAM: up.baseUrl, GATEWAY_DATA_DIR: dataDir },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  const gw = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { url: string; key: string }));
    child.once("exit", (code) => reject(new Error(`the gateway process exited (${code}) before listening`)));
  });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0, timeout: 30_000 });

  const answered: string[] = [];
  let failed = 0;
  let next = 0;
  const one = async (i: number) => {
    const id = `burst-${i}`;
    const opts = { headers: { "x-request-id": id } };
    try {
      if (i % 2 === 0) {
        const r = await client.chat.completions.create({ model: "gpt-5.5", messages: [{ role: "user", content: `hi ${i}` }] }, opts);
        assert.ok(r.choices[0]?.message.content);
      } else {
        const s = await client.chat.completions.create({ model: "gpt-5.5", stream: true, messages: [{ role: "user", content: `hi ${i}` }] }, opts);
        let text = "";
        for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? "";
        assert.ok(text);
      }
      answered.push(id);
      if (answered.length === KILL_AFTER) child.kill("SIGKILL");
    } catch {
      failed++; // cut off by the kill: no promise about its row
    }
  };
  const worker = async () => {
    while (next < BURST) await one(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await exited;

  assert.equal(child.signalCode, "SIGKILL");
  assert.ok(answered.length >= KILL_AFTER, `${answered.length} answered`);
  assert.ok(failed > 0, "the kill landed while requests were in flight");
  const store = openStore(dataDir);
  t.after(() => store.close());
  const missing = answered.filter((id) => store.requests.get(id)?.status !== "ok");
  assert.deepEqual(missing, [], `${missing.length} of ${answered.length} answered requests have no ok row`);
});
