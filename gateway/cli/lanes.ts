// `codex-lanes lanes`: each lane's state, sign-in, plan, engine, usage windows and the command that
// fixes it. Reads the store and asks each lane's adapter for its status, without a running gateway.

import { planFromCodex } from "../calc/plans";
import type { Config } from "../config/types";
import { withTimeout } from "../dispatch/book";
import { laneView, type LaneView, type WindowView } from "../dispatch/views";
import type { Logger } from "../log";
import { defaultAdapter, withStoredKeys } from "../server";
import { openStore } from "../store";
import type { LaneStatus } from "../chat/lane-adapter";
import { EXIT_OK, type CliIO } from "./io";
import { relative, table } from "./table";

const STATUS_TIMEOUT_MS = 20_000;

export async function collectLaneViews(config: Config, log: Logger, now = Date.now()): Promise<LaneView[]> {
  const store = openStore(config.dataDir);
  try {
    const lanes = withStoredKeys(config, store, log);
    const adapterDeps = { dataDir: config.dataDir, turnTimeoutMs: config.limits.turnTimeoutMs, rateLimitPollMs: 0, log };
    return await Promise.all(
      lanes.map(async (lane) => {
        const saved = store.lanes.get(lane.name);
        let status: LaneStatus | null = null;
        let problem: string | null = null;
        try {
          const adapter = defaultAdapter(lane, adapterDeps);
          try {
            status = await withTimeout(adapter.status(), STATUS_TIMEOUT_MS);
          } finally {
            await adapter.close().catch(() => {});
          }
        } catch (err) {
          problem = (err as Error).message;
        }
        const view = laneView({ lane, record: saved.record, rateLimits: status?.rateLimits ?? saved.rateLimits, status, counters: null }, now);
        if (problem && !view.reason) view.reason = `status unavailable: ${problem}`;
        else if (status?.error && !view.reason) view.reason = status.error;
        return view;
      }),
    );
  } finally {
    store.close();
  }
}

export async function lanesCommand(config: Config, flags: { json?: boolean }, io: CliIO, log: Logger): Promise<number> {
  const now = Date.now();
  const views = await collectLaneViews(config, log, now);
  if (flags.json) {
    io.out.write(JSON.stringify(views, null, 2) + "\n");
    return EXIT_OK;
  }
  io.out.write(renderLanes(views, now));
  return EXIT_OK;
}

/** The plan table's name for what Codex reports, with Codex's own word when they differ: "pro-5x (prolite)". */
function planText(reported: string | null): string {
  if (reported === null) return "-";
  const key = planFromCodex(reported);
  return key === null || key === reported ? reported : `${key} (${reported})`;
}

export function renderLanes(views: LaneView[], now: number): string {
  const rows = views.map((v) => [
    v.name,
    v.kind,
    v.engine,
    v.state,
    v.signedIn === null ? "?" : v.signedIn ? "yes" : "no",
    planText(v.plan),
    v.email ?? "-",
    windowText(v.window?.primary ?? null, now),
    windowText(v.window?.secondary ?? null, now),
    note(v, now),
  ]);
  let out = table(["LANE", "KIND", "ENGINE", "STATE", "SIGNED IN", "PLAN", "EMAIL", "PRIMARY WINDOW", "SECONDARY WINDOW", "NOTE"], rows);
  const fixes = views.filter((v) => v.fix);
  if (fixes.length > 0) out += "\nTo fix:\n" + fixes.map((v) => `  ${v.name}: ${v.fix}\n`).join("");
  return out;
}

function windowText(w: WindowView | null, now: number): string {
  if (!w) return "-";
  const reset = w.resetsAt ? `, resets ${relative(w.resetsAt, now)}` : "";
  return `${Math.round(w.usedPercent)}% used${reset}`;
}

function note(v: LaneView, now: number): string {
  if (v.state === "ready") return v.reason ?? "";
  const until = v.until ? ` (back ${relative(v.until, now)})` : "";
  return `${v.reason ?? v.code ?? ""}${until}`;
}
