// Prometheus metrics through prom-client: this gateway's request counters and latency histogram,
// fed one request-log row at a time (the dispatcher's onRow hook); the lane gauges, read from
// LaneView at scrape time; and the process's CPU, memory, heap, GC and event-loop metrics.
// Counters start at zero with the process, as Prometheus expects; the request log keeps the history.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LaneView, WindowView } from "../dispatch/views";
import type { LaneState } from "../lanes/types";
import type { NewRequestRow } from "../store";

/** The label of requests no lane served (cannot clash: lane names start with a-z or 0-9). */
export const NO_LANE = "(none)";

/** Seconds. Chat turns run from well under a second to minutes. */
export const LATENCY_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const LANE_STATES: readonly LaneState[] = ["ready", "cooling", "needs-login", "circuit-open", "disabled"];

let processRegistry: Registry | null = null;

/**
 * One registry per process: these metrics describe the process, not one gateway (tests run several
 * in one process), and prom-client's default collectors cannot be stopped once started.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class RequestMetrics {
  private readonly registry = new Registry();
  private readonly buildInfo = this.gauge("codex_lanes_build_info", "The running codex-lanes version.", ["version"]);
  private readonly requests = this.counter("codex_lanes_requests_total", "Requests finished since the gateway started, by the lane that served them and status (ok, error, cancelled).", ["lane", "status"]);
  private readonly endpoints = this.counter("codex_lanes_endpoint_requests_total", "Requests finished since the gateway started, by API route (chat.completions, embeddings, audio.speech, ...) and status.", ["endpoint", "status"]);
  private readonly toolCalls = this.counter("codex_lanes_tool_calls_total", "Tool calls returned to clients, by lane and endpoint.", ["lane", "endpoint"]);
  private readonly latency = new Histogram({
    name: "codex_lanes_request_duration_seconds",
    help: "Request latency from arrival to the last byte, by the lane that served it.",
    labelNames: ["lane"],
    buckets: [...LATENCY_BOUNDS],
    registers: [this.registry],
  });
  private readonly attempts = this.counter("codex_lanes_attempts_total", "Attempts on each lane, by outcome (ok, usage_limit, transient, ...); a failover adds one per lane tried.", ["lane", "outcome"]);
  private readonly threads = this.counter(
    "codex_lanes_codex_threads_total",
    "Codex app-server attempts by the thread that carried them: new (a new connection and warm-up first), ready (started ahead), kept (the conversation's last answer), held (a tool turn going on).",
    ["lane", "thread"],
  );
  private readonly tokens = this.counter("codex_lanes_tokens_total", "Tokens of served requests, by lane and kind (input, cached_input, output, reasoning).", ["lane", "kind"]);
  private readonly cost = this.counter("codex_lanes_api_cost_usd_total", "What the served requests would have cost on the metered OpenAI API, USD.", ["lane"]);
  private readonly laneState = this.gauge("codex_lanes_lane_state", "1 for the lane's current state, 0 for the others.", ["lane", "state"]);
  private readonly laneUntil = this.gauge("codex_lanes_lane_until_timestamp_seconds", "When a cooling or circuit-open lane may be tried again (Unix seconds).", ["lane"]);
  private readonly inFlight = this.gauge("codex_lanes_in_flight", "Turns running on the lane now.", ["lane"]);
  private readonly queued = this.gauge("codex_lanes_queue_depth", "Requests waiting for a slot on the lane.", ["lane"]);
  private readonly windowUsed = this.gauge("codex_lanes_window_used_percent", "Share of the plan's usage window used, as last reported (primary: 5 h, secondary: weekly).", ["lane", "window"]);
  private readonly windowResets = this.gauge("codex_lanes_window_resets_timestamp_seconds", "When the usage window resets (Unix seconds), as last reported.", ["lane", "window"]);

  /** Counts one finished request. Bound so it can be passed around as a plain function. */
  readonly observe = (row: NewRequestRow): void => {
    const lane = row.lane ?? NO_LANE;
    const endpoint = row.endpoint ?? "chat.completions";
    this.requests.inc({ lane, status: row.status });
    this.endpoints.inc({ endpoint, status: row.status });
    if (row.toolCalls) this.toolCalls.inc({ lane, endpoint }, row.toolCalls);
    for (const a of row.attempts) {
      this.attempts.inc({ lane: a.lane, outcome: a.outcome });
      if (a.thread) this.threads.inc({ lane: a.lane, thread: a.thread });
    }
    if (row.lane !== null) {
      this.tokens.inc({ lane, kind: "input" }, row.inputTokens ?? 0);
      this.tokens.inc({ lane, kind: "cached_input" }, row.cachedInputTokens ?? 0);
      this.tokens.inc({ lane, kind: "output" }, row.outputTokens ?? 0);
      this.tokens.inc({ lane, kind: "reasoning" }, row.reasoningTokens ?? 0);
      this.cost.inc({ lane }, row.apiCostUsd ?? 0);
    }
    this.latency.observe({ lane }, row.latencyMs / 1000);
  };

  /** The text exposition: this gateway's families (lane gauges as `views` say now), then the process's. */
  async exposition(views: readonly LaneView[], version: string): Promise<string> {
    this.buildInfo.reset();
    this.buildInfo.set({ version }, 1);
    this.setLaneGauges(views);
    const text = await Registry.merge([this.registry, processMetrics()]).metrics();
    // prom-client 15 writes NaN as "Nan"; the exposition format spells it "NaN". The event-loop lag
    // mean and stddev are NaN when no sample fell between two scrapes (and on the first one).
    return text.replace(/ Nan$/gm, " NaN");
  }

  private setLaneGauges(views: readonly LaneView[]): void {
    for (const g of [this.laneState, this.laneUntil, this.inFlight, this.queued, this.windowUsed, this.windowResets]) g.reset();
    for (const v of views) {
      const lane = v.name;
      for (const state of LANE_STATES) this.laneState.set({ lane, state }, v.state === state ? 1 : 0);
      if (v.until !== null) this.laneUntil.set({ lane }, Date.parse(v.until) / 1000);
      if (v.inFlight !== null) this.inFlight.set({ lane }, v.inFlight);
      if (v.queued !== null) this.queued.set({ lane }, v.queued);
      for (const window of ["primary", "secondary"] as const) {
        const w: WindowView | null | undefined = v.window?.[window];
        if (!w) continue;
        if (w.usedPercent !== null) this.windowUsed.set({ lane, window }, w.usedPercent);
        if (w.resetsAt !== null) this.windowResets.set({ lane, window }, Date.parse(w.resetsAt) / 1000);
      }
    }
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
