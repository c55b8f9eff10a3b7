// `codex-lanes stats`: the dashboard's summary in a terminal: lanes (from the state the gateway
// saved), traffic per lane over the last 24 hours and 7 days (or --since), and this month's
// savings ledger. `--json` prints the same Overview object the dashboard renders.

import type { Ledger } from "../calc/ledger";
import type { Config } from "../config/types";
import { laneView, type LaneView, type WindowView } from "../dispatch/views";
import { buildOverview, DEFAULT_PERIODS, errorRate, periodFor, type Overview, type TrafficPeriod } from "../metrics/overview";
import { openStore, type LaneSummary, type Store } from "../store";
import { EXIT_OK, UsageError, type CliIO } from "./io";
import { relative, shortTime, table } from "./table";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+)([mhd])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`--since takes a duration like 90m, 24h or 7d (got "${text}")`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Lane views from what the gateway saved (records and rate-limit snapshots); no account is asked. */
export function storedLaneViews(config: Config, store: Store, now: number): LaneView[] {
  return config.lanes.map((lane) => {
    const saved = store.lanes.get(lane.name);
    return laneView({ lane, record: saved.record, rateLimits: saved.rateLimits, status: null, counters: null }, now);
  });
}

export function statsCommand(config: Config, flags: { since?: string; json?: boolean }, io: CliIO): number {
  const periods = flags.since ? [periodFor(flags.since.trim(), parseDuration(flags.since))] : DEFAULT_PERIODS;
  const now = Date.now();
  const store = openStore(config.dataDir);
  try {
    const overview = buildOverview({ config, requests: store.requests, lanes: storedLaneViews(config, store, now), now, periods });
    io.out.write(flags.json ? JSON.stringify(overview, null, 2) + "\n" : renderOverview(overview, now));
    return EXIT_OK;
  } finally {
    store.close();
  }
}

export function renderOverview(o: Overview, now: number): string {
  return [renderLanes(o.lanes, now), ...o.traffic.map(renderTraffic), renderLedger(o.ledger)].join("\n");
}

function renderLanes(views: LaneView[], now: number): string {
  const rows = views.map((v) => [v.name, v.kind, stateText(v, now), windowText(v.window?.primary ?? null, now), windowText(v.window?.secondary ?? null, now), v.fix ?? ""]);
  return "Lanes (as the gateway last saved them; `codex-lanes lanes` asks each account):\n" + table(["LANE", "KIND", "STATE", "PRIMARY WINDOW", "SECONDARY WINDOW", "FIX"], rows);
}

function stateText(v: LaneView, now: number): string {
  return v.until && v.state !== "ready" ? `${v.state} until ${shortTime(v.until)} (${relative(v.until, now)})` : v.state;
}

function windowText(w: WindowView | null, now: number): string {
  if (!w) return "-";
  return `${Math.round(w.usedPercent)}% used${w.resetsAt ? `, resets ${relative(w.resetsAt, now)}` : ""}`;
}

function renderTraffic(p: TrafficPeriod): string {
  const row = (name: string, l: Omit<LaneSummary, "lane">) => {
    const rate = errorRate(l);
    return [
      name,
      String(l.requests),
      String(l.errors),
      String(l.cancelled),
      rate === null ? "-" : `${(rate * 100).toFixed(1)}%`,
      l.p50LatencyMs === null ? "-" : String(Math.round(l.p50LatencyMs)),
      l.p95LatencyMs === null ? "-" : String(Math.round(l.p95LatencyMs)),
      String(l.inputTokens),
      String(l.outputTokens),
      l.apiCostUsd.toFixed(4),
    ];
  };
  return (
    `Requests in the last ${p.label} (since ${new Date(p.since).toISOString()}):\n` +
    table(
      ["LANE", "REQUESTS", "ERRORS", "CANCELLED", "ERROR RATE", "P50 MS", "P95 MS", "TOKENS IN", "TOKENS OUT", "API COST USD"],
      [...p.summary.lanes.map((l) => row(l.lane ?? "(none)", l)), row("total", p.summary.total)],
    )
  );
}

function renderLedger(l: Ledger): string {
  const t = l.totals;
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const rows = [
    ...l.subscription.map((s) => [
      s.lane,
      "subscription",
      s.plan === null ? "-" : `${s.plan}${s.planFrom === "account" ? " (account)" : ""}`,
      usd(s.apiEquivalentUsd),
      s.capacityUsd === null ? "-" : `~$${s.capacityUsd.toLocaleString("en-US")}`,
      s.planPriceUsd === null ? "not set" : usd(s.planPriceUsd),
      "-",
    ]),
    ...l.metered.map((m) => [m.lane, "API key", "-", "-", "-", "-", usd(m.spendUsd) + (m.capUsd === null ? "" : ` of ${usd(m.capUsd)} cap`)]),
    ["total", "", "", usd(t.apiEquivalentUsd), "", usd(t.planPricesUsd), usd(t.meteredUsd)],
  ];
  const net = t.netUsd >= 0 ? `${usd(t.netUsd)} saved` : `${usd(-t.netUsd)} more than the API`;
  let out =
    `Savings in ${l.month} so far (${Math.round(l.elapsed * 100)}% of the month; plan prices are whole-month):\n` +
    table(["LANE", "KIND", "PLAN", "API-EQUIVALENT", "EST. CAPACITY/MONTH", "PLAN PRICE", "METERED SPEND"], rows) +
    `Net: ${net} (${usd(t.apiEquivalentUsd)} API-equivalent of subscription traffic - ${usd(t.planPricesUsd)} plan prices)\n` +
    `Paid this month: ${usd(t.planPricesUsd + t.meteredUsd)} (plans + metered); the same traffic on the API alone: ${usd(t.apiOnlyUsd)}\n`;
  if (l.lanesWithoutPrice.length > 0) out += `No plan price for ${l.lanesWithoutPrice.join(", ")}: add "plan" (e.g. "plus") or "planPriceUsd" to those lanes in the config.\n`;
  return out;
}
