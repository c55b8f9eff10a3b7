// Lane state transitions. Every function is pure: it takes a record and returns a new one (or the
// same object when nothing changes). The caller persists the result.

import { formatUtc } from "./format";
import { DEFAULT_POLICY, type LanePolicy, type LaneRecord, type Outcome, type RateLimitSnapshot, type RateLimitWindow } from "./types";

/** Code of a cooldown that came from a rate-limit snapshot rather than from a failed attempt. */
export const MAX_USED_PERCENT_CODE = "max_used_percent";

export function initialRecord(name: string, now: number): LaneRecord {
  return { name, state: "ready", until: null, reason: null, code: null, failures: 0, probe: false, updatedAt: now };
}

/**
 * The record as it stands at `now`: a cooldown or an open circuit whose time has passed reads as
 * ready. `probe` survives from the stored record: it was set when the cooldown had no known reset,
 * and it is always set for an open circuit.
 */
export function effectiveRecord(rec: LaneRecord, now: number): LaneRecord {
  if (rec.state !== "cooling" && rec.state !== "circuit-open") return rec;
  if (rec.until !== null && rec.until > now) return rec;
  return {
    ...rec,
    state: "ready",
    until: null,
    reason: null,
    code: null,
    probe: rec.state === "circuit-open" || rec.probe,
    updatedAt: rec.until ?? now,
  };
}

/** Applies what one attempt came to. Read the record through effectiveRecord first. */
export function applyOutcome(rec: LaneRecord, outcome: Outcome, now: number, policy: LanePolicy): LaneRecord {
  const cur = effectiveRecord(rec, now);
  // An operator's disable is never undone by traffic that was already in flight.
  if (cur.state === "disabled") return cur;
  switch (outcome.class) {
    case "ok":
      return onOk(cur, now);
    case "usage_limit":
      return onUsageLimit(cur, outcome, now, policy);
    case "unauthorized":
      return {
        ...cur,
        state: "needs-login",
        until: null,
        reason: `sign-in expired or was revoked; run \`codex-lanes login ${cur.name}\``,
        code: outcome.code,
        probe: false,
        updatedAt: now,
      };
    case "transient":
      return onTransient(cur, outcome, now, policy);
    case "client_error":
    case "cancelled":
    case "model_not_served":
      return cur;
  }
}

function onOk(cur: LaneRecord, now: number): LaneRecord {
  // A success that was in flight when another request hit the limit or lost its sign-in must not
  // bring the lane back: later requests would try it only to fail again.
  if (cur.state === "cooling" || cur.state === "needs-login") {
    return cur.failures === 0 ? cur : { ...cur, failures: 0, updatedAt: now };
  }
  return { ...cur, state: "ready", until: null, reason: null, code: null, failures: 0, probe: false, updatedAt: now };
}

const USAGE_REASONS: Readonly<Record<string, string>> = {
  insufficient_quota: "quota exceeded",
  usage_not_included: "the plan does not include Codex",
  workspace_out_of_credits: "workspace out of credits",
  spend_cap_reached: "spend cap reached",
};

function onUsageLimit(cur: LaneRecord, outcome: Outcome, now: number, policy: LanePolicy): LaneRecord {
  if (cur.state === "needs-login") return cur;
  const what = USAGE_REASONS[outcome.code] ?? "usage limit reached";
  const known = outcome.resetsAt !== undefined && outcome.resetsAt > now;
  if (!known && cur.state === "cooling" && cur.until !== null && cur.until > now) {
    // An answer without a reset tells less than the cooldown already in place.
    return cur;
  }
  const until = known ? (outcome.resetsAt as number) : now + policy.defaultCooldownMs;
  const when = known ? `resets ${formatUtc(until)}` : `reset unknown; probing again at ${formatUtc(until)}`;
  return {
    ...cur,
    state: "cooling",
    until,
    reason: `${what}; ${when}`,
    code: outcome.code,
    probe: !known,
    updatedAt: now,
  };
}

function onTransient(cur: LaneRecord, outcome: Outcome, now: number, policy: LanePolicy): LaneRecord {
  // A cooldown or a missing sign-in says more about the lane than a flaky connection does.
  if (cur.state === "cooling" || cur.state === "needs-login") return cur;
  const failures = cur.failures + 1;
  // A probe is the lane's one chance after a pause: failing it puts the lane straight back.
  if (failures < policy.circuitThreshold && !cur.probe && !outcome.opensCircuit) {
    return { ...cur, failures, updatedAt: now };
  }
  const until = now + policy.circuitOpenMs;
  return {
    ...cur,
    state: "circuit-open",
    until,
    reason: `${failures} failures in a row (last: ${outcome.code}); trying again at ${formatUtc(until)}`,
    code: outcome.code,
    failures,
    probe: true,
    updatedAt: now,
  };
}

/** The operator (or the login flow) reports the lane signed in again. Only clears needs-login. */
export function markSignedIn(rec: LaneRecord, now: number): LaneRecord {
  if (rec.state !== "needs-login") return rec;
  return { ...rec, state: "ready", until: null, reason: null, code: null, failures: 0, probe: false, updatedAt: now };
}

export function disable(rec: LaneRecord, now: number, reason = "disabled by the operator"): LaneRecord {
  return { ...rec, state: "disabled", until: null, reason, code: "disabled", probe: false, updatedAt: now };
}

export function enable(rec: LaneRecord, now: number): LaneRecord {
  if (rec.state !== "disabled") return rec;
  return { ...rec, state: "ready", until: null, reason: null, code: null, failures: 0, probe: false, updatedAt: now };
}

/**
 * Steps a lane aside while one of its usage windows is at or above `maxUsedPercent` (100 when the
 * lane sets none: a spent window), and brings it back when a later snapshot shows it below. A
 * snapshot with a known reset also pins down a usage-limit cooldown whose reset was unknown.
 */
export function applyRateLimits(
  rec: LaneRecord,
  snapshot: RateLimitSnapshot,
  maxUsedPercent: number | null | undefined,
  now: number,
  policy: LanePolicy = DEFAULT_POLICY,
): LaneRecord {
  const cur = effectiveRecord(rec, now);
  const threshold = maxUsedPercent ?? 100;
  const over = overWindows(snapshot, threshold);
  const fromSnapshot = cur.state === "cooling" && cur.code === MAX_USED_PERCENT_CODE;
  if (over.length === 0) {
    if (!fromSnapshot) return cur;
    return { ...cur, state: "ready", until: null, reason: null, code: null, probe: false, updatedAt: now };
  }
  if (cur.state === "disabled" || cur.state === "needs-login") return cur;
  const resets = over.map((w) => w.window.resetsAt).filter((r): r is number => r !== null);
  const resetsAt = resets.length > 0 ? Math.max(...resets) : null;
  if (cur.state === "cooling" && !fromSnapshot) {
    // Cooling after a usage-limit answer: only sharpen an unknown reset.
    if (!cur.probe || resetsAt === null || resetsAt <= now) return cur;
    return { ...cur, until: resetsAt, reason: `usage limit reached; resets ${formatUtc(resetsAt)}`, probe: false, updatedAt: now };
  }
  const known = resetsAt !== null && resetsAt > now;
  const until = known ? resetsAt : now + policy.defaultCooldownMs;
  const worst = over.reduce((a, b) => (b.window.usedPercent > a.window.usedPercent ? b : a));
  const reason =
    `${worst.name} window ${Math.round(worst.window.usedPercent)}% used (max ${threshold}%); ` +
    (known ? `resets ${formatUtc(until)}` : `reset unknown; trying again at ${formatUtc(until)}`);
  return { ...cur, state: "cooling", until, reason, code: MAX_USED_PERCENT_CODE, probe: !known, updatedAt: now };
}

function overWindows(snapshot: RateLimitSnapshot, threshold: number): { name: string; window: RateLimitWindow }[] {
  const out: { name: string; window: RateLimitWindow }[] = [];
  if (snapshot.primary && snapshot.primary.usedPercent >= threshold) out.push({ name: "primary", window: snapshot.primary });
  if (snapshot.secondary && snapshot.secondary.usedPercent >= threshold) out.push({ name: "secondary", window: snapshot.secondary });
  return out;
}
