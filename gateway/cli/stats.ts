// `codex-lanes stats`: requests, errors, latency, tokens and API-equivalent cost per lane over a
// recent period (default the last 24 hours).

import type { Config } from "../config/types";
import { openStore, type LaneSummary } from "../store";
import { EXIT_OK, UsageError, type CliIO } from "./io";
import { table } from "./table";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m) throw new UsageError(`--since takes a duration like 90m, 24h or 7d (got "${text}")`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

export function statsCommand(config: Config, flags: { since?: string; json?: boolean }, io: CliIO): number {
  const span = parseDuration(flags.since ?? "24h");
  const until = Date.now();
  const store = openStore(config.dataDir);
  try {
    const s = store.requests.summary({ since: until - span, until });
    if (flags.json) {
      io.out.write(JSON.stringify(s, null, 2) + "\n");
      return EXIT_OK;
    }
    io.out.write(`Requests since ${new Date(s.since).toISOString()} (last ${flags.since ?? "24h"}):\n`);
    const row = (name: string, l: Omit<LaneSummary, "lane">) => [
      name,
      String(l.requests),
      String(l.errors),
      String(l.cancelled),
      l.p50LatencyMs === null ? "-" : String(Math.round(l.p50LatencyMs)),
      l.p95LatencyMs === null ? "-" : String(Math.round(l.p95LatencyMs)),
      String(l.inputTokens),
      String(l.outputTokens),
      l.apiCostUsd.toFixed(4),
    ];
    io.out.write(
      table(
        ["LANE", "REQUESTS", "ERRORS", "CANCELLED", "P50 MS", "P95 MS", "TOKENS IN", "TOKENS OUT", "API COST USD"],
        [...s.lanes.map((l) => row(l.lane ?? "(none)", l)), row("total", s.total)],
      ),
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}
