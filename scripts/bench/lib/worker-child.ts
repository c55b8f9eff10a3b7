// An account worker (the real worker HTTP service over one app-server lane) in a process of its
// own, so its memory and CPU can be read apart from the load generator's. The lane config comes in
// BENCH_LANE (JSON); sends {url, token} over IPC once listening; stops on SIGTERM.

import { rmSync } from "node:fs";
import type { CodexLaneConfig } from "../../../gateway/config/types";
import { tempDir } from "../../../test/helpers/gateway";
import { startTestWorker } from "../../../test/helpers/worker";

async function main(): Promise<void> {
  const lane = JSON.parse(process.env.BENCH_LANE ?? "null") as CodexLaneConfig & { home: string };
  if (!lane) throw new Error("BENCH_LANE is not set");
  const dataDir = tempDir("codex-lanes-bench-worker-");
  const worker = await startTestWorker(lane, { dataDir, turnTimeoutMs: 120_000 });
  process.once("SIGTERM", () => {
    void worker.close().then(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  process.send!({ url: worker.url, token: worker.token });
}

void main();
