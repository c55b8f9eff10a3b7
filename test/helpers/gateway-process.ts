// The gateway in a process of its own, for tests that measure it (peak memory) or kill it (the
// request log's durability): one API-key lane on GATEWAY_UPSTREAM, its data in GATEWAY_DATA_DIR
// (kept; else a temp dir removed on "stop"). Sends {url, key} over IPC once listening; answers
// "rss" with its peak resident set size so far (process.resourceUsage().maxRSS, KiB); stops on "stop".

import { rmSync } from "node:fs";
import { createLogger } from "../../gateway/log";
import { startServer } from "../../gateway/server";
import { openaiLane, tempDir, testConfig } from "./gateway";

async function main(): Promise<void> {
  const upstream = process.env.GATEWAY_UPSTREAM;
  if (!upstream) throw new Error("GATEWAY_UPSTREAM is not set");
  const keep = process.env.GATEWAY_DATA_DIR;
  const dataDir = keep ?? tempDir("codex-lanes-proc-");
  const lane = openaiLane("api", upstream, "sk-proc-0123456789abcdef");
  const server = await startServer(testConfig(dataDir, [lane]), { log: createLogger({ level: "warn" }), out: { write: () => true } });
  const key = server.store.keys.create("proc").key;
  process.on("message", (m) => {
    if (m === "rss") process.send!({ maxRssKb: process.resourceUsage().maxRSS });
    if (m === "stop") {
      void server.close().then(() => {
        if (!keep) rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send!({ url: server.url, key });
}

void main();
