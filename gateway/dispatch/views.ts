// What an operator sees of a lane: /admin/lanes, `codex-lanes lanes` and the dashboard all render
// this one shape, so they never disagree about a lane's state or how to fix it.

import type { RateLimitSnapshot, RateLimitWindow } from "../lanes/types";
import type { LaneConfig } from "../config/types";
import { effectiveRecord, initialRecord } from "../lanes/state";
import type { LaneRecord, LaneState } from "../lanes/types";
import type { LaneStatus } from "../chat/lane-adapter";

export interface WindowView {
  usedPercent: number;
  windowMinutes: number | null;
  /** ISO 8601 UTC, or null when the backend did not say. */
  resetsAt: string | null;
}

export interface LaneView {
  name: string;
  kind: "codex" | "openai";
  /** app-server, exec, "app-server (worker)", or "openai". */
  engine: string;
  state: LaneState;
  reason: string | null;
  code: string | null;
  /** ISO 8601 UTC: when a cooling or circuit-open lane may be tried again. */
  until: string | null;
  /** The command that fixes a lane that will not come back by itself. */
  fix: string | null;
  window: { primary: WindowView | null; secondary: WindowView | null; planType: string | null; observedAt: string } | null;
  /** Null when unknown (the CLI reads lanes without a running gateway). */
  inFlight: number | null;
  queued: number | null;
  signedIn: boolean | null;
  email: string | null;
  plan: string | null;
  /** Codex lanes: what Codex adds before the model that no switch removes; null when unknown or not a codex lane. */
  codexAdds: readonly string[] | null;
}

export interface LaneFacts {
  lane: LaneConfig;
  record: LaneRecord | null;
  rateLimits: RateLimitSnapshot | null;
  status: LaneStatus | null;
  counters: { inFlight: number; queued: number } | null;
  /** This month's spend when the lane's cap is reached (openai lanes). */
  spendCapReached?: { spentUsd: number; capUsd: number; until: number } | null;
}

export function loginFix(lane: LaneConfig): string {
  return lane.type === "codex" ? `codex-lanes login ${lane.name}` : `codex-lanes secrets set ${lane.name}`;
}

export function laneView(f: LaneFacts, now: number): LaneView {
  const { lane, status } = f;
  const rec = effectiveRecord(f.record ?? initialRecord(lane.name, now), now);
  const base: LaneView = {
    name: lane.name,
    kind: lane.type,
    engine: engineOf(lane, status),
    state: rec.state,
    reason: rec.reason,
    code: rec.code,
    until: rec.until === null ? null : iso(rec.until),
    fix: rec.state === "needs-login" ? loginFix(lane) : null,
    window: windowView(f.rateLimits),
    inFlight: f.counters?.inFlight ?? null,
    queued: f.counters?.queued ?? null,
    signedIn: status?.signedIn ?? null,
    email: status?.email ?? null,
    plan: status?.plan ?? f.rateLimits?.planType ?? null,
    codexAdds: status?.codexAdds ?? null,
  };
  // A lane nobody signed in yet has no record saying so; its status does.
  if (lane.type === "codex" && status && !status.signedIn && status.error === null && rec.state === "ready") {
    return { ...base, state: "needs-login", reason: `not signed in; run \`${loginFix(lane)}\``, code: "not_signed_in", fix: loginFix(lane) };
  }
  if (lane.type === "openai" && !lane.apiKey) {
    return { ...base, state: "disabled", reason: `no API key: set ${lane.apiKeyEnv} or store one`, code: "no_api_key", fix: loginFix(lane), signedIn: false };
  }
  if (f.spendCapReached && rec.state === "ready") {
    const s = f.spendCapReached;
    return {
      ...base,
      state: "cooling",
      reason: `monthly spend cap reached ($${s.spentUsd.toFixed(2)} of $${s.capUsd.toFixed(2)})`,
      code: "spend_cap_reached",
      until: iso(s.until),
    };
  }
  return base;
}

function engineOf(lane: LaneConfig, status: LaneStatus | null): string {
  if (lane.type === "openai") return "openai";
  const engine = status?.engine ?? lane.engine;
  return lane.worker ? `${engine} (worker)` : engine;
}

function windowView(s: RateLimitSnapshot | null): LaneView["window"] {
  if (!s) return null;
  return { primary: win(s.primary), secondary: win(s.secondary), planType: s.planType, observedAt: iso(s.observedAt) };
}

function win(w: RateLimitWindow | null): WindowView | null {
  if (!w) return null;
  return { usedPercent: w.usedPercent, windowMinutes: w.windowMinutes, resetsAt: w.resetsAt === null ? null : iso(w.resetsAt) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Start of the next calendar month (UTC), when a monthly spend cap lifts. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
