// Codex lanes: a local engine on this machine (local mode) or an account worker reached over the
// private network (deployed mode). Both satisfy the same LaneAdapter contract.

import type { CodexLaneConfig } from "../config/types";
import { LocalCodexLane, type LocalLaneDeps } from "../codex/local-lane";
import type { LaneAdapter } from "../chat/lane-adapter";
import { RemoteCodexLane } from "./codex-remote";

export function createCodexAdapter(lane: CodexLaneConfig, deps: LocalLaneDeps): LaneAdapter {
  if (lane.worker) return new RemoteCodexLane(lane.name, lane.worker, { rateLimitPollMs: deps.rateLimitPollMs, turnTimeoutMs: deps.turnTimeoutMs, models: lane.models });
  if (!lane.home) throw new Error(`lane ${lane.name}: a codex lane needs "home" or "worker"`);
  return new LocalCodexLane({ ...lane, home: lane.home }, deps);
}
