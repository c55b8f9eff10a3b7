// The ordered pick: every request walks the lanes from the top, so traffic moves back up by itself
// when a higher lane's window resets.

import { effectiveRecord, initialRecord } from "./state";
import type { LaneRecord, LaneSpec } from "./types";

export interface PickInput {
  /** Array order is fallback order: the first lane is preferred. */
  specs: readonly LaneSpec[];
  /** Stored records by lane name; a lane without one is ready. */
  records: Readonly<Record<string, LaneRecord | undefined>>;
  model: string;
  now: number;
  /** Lanes this request has already given up on. */
  tried?: ReadonlySet<string>;
}

export type NoLaneReason = "exhausted" | "unknown_model" | "needs_login";

export type PickResult =
  | { kind: "lane"; name: string; probe: boolean }
  | {
      kind: "none";
      reason: NoLaneReason;
      /** Earliest moment a lane serving the model leaves its cooldown or open circuit; null when none will by itself. */
      retryAt: number | null;
    };

export function servesModel(spec: LaneSpec, model: string): boolean {
  return spec.models === "*" || spec.models.includes(model);
}

/** Lanes that serve the model, in fallback order. A lane disabled in the config does not exist. */
export function lanesForModel(specs: readonly LaneSpec[], model: string): LaneSpec[] {
  return specs.filter((s) => !s.disabled && servesModel(s, model));
}

export function pick(input: PickInput): PickResult {
  const serving = lanesForModel(input.specs, input.model);
  if (serving.length === 0) return { kind: "none", reason: "unknown_model", retryAt: null };
  const current = serving.map((s) => effectiveRecord(input.records[s.name] ?? initialRecord(s.name, input.now), input.now));
  for (const rec of current) {
    if (rec.state === "ready" && !input.tried?.has(rec.name)) return { kind: "lane", name: rec.name, probe: rec.probe };
  }
  const reason = current.every((r) => r.state === "needs-login") ? "needs_login" : "exhausted";
  return { kind: "none", reason, retryAt: earliestReturn(current) };
}

function earliestReturn(records: readonly LaneRecord[]): number | null {
  let best: number | null = null;
  for (const r of records) {
    if ((r.state === "cooling" || r.state === "circuit-open") && r.until !== null) {
      best = best === null ? r.until : Math.min(best, r.until);
    }
  }
  return best;
}
