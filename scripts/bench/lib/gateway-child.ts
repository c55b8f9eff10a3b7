// The gateway in a process of its own, with one API-key lane on BENCH_UPSTREAM (the fake OpenAI),
// so its CPU time can be read apart from the load generator's. Sends {url, key} over IPC once
// listening; stops cleanly on SIGTERM (which also lets `--cpu-prof` write its profile).

import { rmSync } from "node:fs";
import { createLogger } from "../../../gateway/log";
import { startServer } from "../../../gateway/server";
import { openaiLane, tempDir, testConfig } from "../../../test/helpers/gateway";

async function main(): Promise<void> {
  const upstream = process.env.BENCH_UPSTREAM;
  if (!upstream) throw new Error("BENCH_UPSTREAM is not set");
  const dataDir = tempDir("codex-lanes-bench-");
  // Lane concurrency above the load's, so the per-lane queue never holds a request back.
  const lane = openaiLane("api", upstream, "sk-bench-0123456789abcdef", { concurrency: 64 });
  const server = await startServer(testConfig(dataDir, [lane]), { log: createLogger({ level: "warn" }), out: { write: () => true } });
  const key = server.store.keys.create("bench").key;
  process.once("SIGTERM", () => {
    void server.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  process.send!({ url: server.url, key });
}

void main();
