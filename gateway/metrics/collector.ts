// Counters and the latency histogram of this gateway process, fed one request-log row at a time
// (the dispatcher's onRow hook), plus the lane gauges read from LaneView at scrape time. Counters
// start at zero with the process, as Prometheus expects; the request log keeps the history.

import type { LaneView } from "../dispatch/views";
import type { LaneState } from "../lanes/types";
import type { NewRequestRow } from "../store";
import { histogramSamples, type Family, type Sample } from "./prometheus";

/** The label of requests no lane served (cannot clash: lane names start with a-z or 0-9). */
export const NO_LANE = "(none)";

/** Seconds. Chat turns run from well under a second to minutes. */
export const LATENCY_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

const LANE_STATES: readonly LaneState[] = ["ready", "cooling", "needs-login", "circuit-open", "disabled"];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class RequestMetrics {
  private readonly requests = new Map<string, number>();
  private readonly endpoints = new Map<string, number>();
  private readonly toolCalls = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly tokens = new Map<string, number>();
  private readonly cost = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  /** Counts one finished request. Bound so it can be passed around as a plain function. */
  readonly observe = (row: NewRequestRow): void => {
    const lane = row.lane ?? NO_LANE;
    bump(this.requests, key(lane, row.status));
    bump(this.endpoints, key(row.endpoint ?? "chat.completions", row.status));
    if (row.toolCalls) bump(this.toolCalls, key(lane, row.endpoint ?? "chat.completions"), row.toolCalls);
    for (const a of row.attempts) bump(this.attempts, key(a.lane, a.outcome));
    if (row.lane !== null) {
      bump(this.tokens, key(lane, "input"), row.inputTokens ?? 0);
      bump(this.tokens, key(lane, "cached_input"), row.cachedInputTokens ?? 0);
      bump(this.tokens, key(lane, "output"), row.outputTokens ?? 0);
      bump(this.tokens, key(lane, "reasoning"), row.reasoningTokens ?? 0);
      bump(this.cost, lane, row.apiCostUsd ?? 0);
    }
    const h = this.latency.get(lane) ?? { counts: LATENCY_BOUNDS.map(() => 0), sum: 0, count: 0 };
    const s = row.latencyMs / 1000;
    const i = LATENCY_BOUNDS.findIndex((b) => s <= b);
    if (i >= 0) h.counts[i]!++;
    h.sum += s;
    h.count++;
    this.latency.set(lane, h);
  };

  /** Every family, request counters first, then the lane gauges from `views`. */
  families(views: readonly LaneView[], version: string): Family[] {
    return [
      { name: "codex_lanes_build_info", help: "The running codex-lanes version.", type: "gauge", samples: [{ labels: { version }, value: 1 }] },
      counter("codex_lanes_requests_total", "Requests finished since the gateway started, by the lane that served them and status (ok, error, cancelled).", this.requests, ["lane", "status"]),
      counter("codex_lanes_endpoint_requests_total", "Requests finished since the gateway started, by API route (chat.completions, embeddings, audio.speech, ...) and status.", this.endpoints, ["endpoint", "status"]),
      counter("codex_lanes_tool_calls_total", "Tool calls returned to clients, by lane and endpoint.", this.toolCalls, ["lane", "endpoint"]),
      {
        name: "codex_lanes_request_duration_seconds",
        help: "Request latency from arrival to the last byte, by the lane that served it.",
        type: "histogram",
        samples: sorted(this.latency).flatMap(([lane, h]) => histogramSamples({ lane }, LATENCY_BOUNDS, h.counts, h.sum, h.count)),
      },
      counter("codex_lanes_attempts_total", "Attempts on each lane, by outcome (ok, usage_limit, transient, ...); a failover adds one per lane tried.", this.attempts, ["lane", "outcome"]),
      counter("codex_lanes_tokens_total", "Tokens of served requests, by lane and kind (input, cached_input, output, reasoning).", this.tokens, ["lane", "kind"]),
      counter("codex_lanes_api_cost_usd_total", "What the served requests would have cost on the metered OpenAI API, USD.", this.cost, ["lane"]),
      ...laneFamilies(views),
    ];
  }
}

export function laneFamilies(views: readonly LaneView[]): Family[] {
  const gauge = (name: string, help: string, samples: Sample[]): Family => ({ name, help, type: "gauge", samples });
  const windows = (pick: (w: NonNullable<NonNullable<LaneView["window"]>["primary"]>) => number | null): Sample[] =>
    views.flatMap((v) =>
      (["primary", "secondary"] as const).flatMap((which) => {
        const w = v.window?.[which];
        const value = w ? pick(w) : null;
        return value === null ? [] : [{ labels: { lane: v.name, window: which }, value }];
      }),
    );
  return [
    gauge("codex_lanes_lane_state", "1 for the lane's current state, 0 for the others.", views.flatMap((v) => LANE_STATES.map((s) => ({ labels: { lane: v.name, state: s }, value: v.state === s ? 1 : 0 })))),
    gauge(
      "codex_lanes_lane_until_timestamp_seconds",
      "When a cooling or circuit-open lane may be tried again (Unix seconds).",
      views.filter((v) => v.until !== null).map((v) => ({ labels: { lane: v.name }, value: Date.parse(v.until!) / 1000 })),
    ),
    gauge("codex_lanes_in_flight", "Turns running on the lane now.", views.filter((v) => v.inFlight !== null).map((v) => ({ labels: { lane: v.name }, value: v.inFlight! }))),
    gauge("codex_lanes_queue_depth", "Requests waiting for a slot on the lane.", views.filter((v) => v.queued !== null).map((v) => ({ labels: { lane: v.name }, value: v.queued! }))),
    gauge("codex_lanes_window_used_percent", "Share of the plan's usage window used, as last reported (primary: 5 h, secondary: weekly).", windows((w) => w.usedPercent)),
    gauge(
      "codex_lanes_window_resets_timestamp_seconds",
      "When the usage window resets (Unix seconds), as last reported.",
      windows((w) => (w.resetsAt === null ? null : Date.parse(w.resetsAt) / 1000)),
    ),
  ];
}

function key(...parts: string[]): string {
  return parts.join("\u0000");
}

function bump(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

function sorted<V>(m: Map<string, V>): [string, V][] {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function counter(name: string, help: string, m: Map<string, number>, labelNames: string[]): Family {
  return {
    name,
    help,
    type: "counter",
    samples: sorted(m).map(([k, value]) => {
      const parts = k.split("\u0000");
      return { labels: Object.fromEntries(labelNames.map((n, i) => [n, parts[i] ?? ""])), value };
    }),
  };
}
