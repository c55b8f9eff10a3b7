// An account worker (the real worker HTTP service over a LocalCodexLane) on 127.0.0.1, for tests
// that run lanes the deployed way: gateway -> worker -> Codex.

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { CodexLaneConfig } from "../../gateway/config/types";
import { LocalCodexLane } from "../../gateway/codex/local-lane";
import { createWorkerApp } from "../../gateway/worker/app";

export interface TestWorker {
  url: string;
  token: string;
  /** The engine-side lane inside the worker. */
  lane: LocalCodexLane;
  close(): Promise<void>;
}

const quiet = { info() {}, warn() {} };

export async function startTestWorker(lane: CodexLaneConfig & { home: string }, opts: { dataDir: string; turnTimeoutMs?: number; toolHoldMs?: number }): Promise<TestWorker> {
  const hold = opts.toolHoldMs === undefined ? {} : { toolHoldMs: opts.toolHoldMs };
  const inner = new LocalCodexLane({ ...lane, worker: null }, { dataDir: opts.dataDir, turnTimeoutMs: opts.turnTimeoutMs ?? 20_000, ...hold, rateLimitPollMs: 0, log: quiet });
  const token = `worker-token-${lane.name}-0123456789abcdef`;
  const server = serve({ fetch: createWorkerApp({ lane: inner, token }).fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((r) => server.once("listening", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    lane: inner,
    close: async () => {
      await new Promise((r) => server.close(r));
      await inner.close();
    },
  };
}
