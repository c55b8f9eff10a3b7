// What to do after a failed attempt: wait and retry the same lane, move on to the next lane, or
// stop and answer the client.

import type { LanePolicy, Outcome } from "./types";

export type RetryDecision = { action: "retry"; delayMs: number } | { action: "next" } | { action: "stop" };

/**
 * Delay before retry number `retryNo` (1 for the first retry): exponential from backoffBaseMs,
 * capped at backoffMaxMs, with full jitter so retries from many requests spread out.
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(retryNo: number, policy: LanePolicy, random: () => number): number {
  const exp = Math.min(Math.max(retryNo, 1) - 1, 30);
  const cap = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exp);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * cap);
}

export function retryDecision(
  outcome: Outcome,
  retriesSoFar: number,
  policy: LanePolicy,
  random: () => number,
  opts: { probe?: boolean } = {},
): RetryDecision {
  switch (outcome.class) {
    case "ok":
    case "client_error":
    case "cancelled":
      return { action: "stop" };
    case "usage_limit":
    case "unauthorized":
    case "model_not_served":
      return { action: "next" };
    case "transient":
      return transientDecision(outcome, retriesSoFar, policy, random, opts.probe === true);
  }
}

function transientDecision(outcome: Outcome, retriesSoFar: number, policy: LanePolicy, random: () => number, probe: boolean): RetryDecision {
  // A probe tests whether the lane is back; one failure answers that.
  if (probe || outcome.opensCircuit || retriesSoFar >= policy.maxRetries) return { action: "next" };
  if (outcome.retryAfterMs !== undefined) {
    return outcome.retryAfterMs > policy.maxRetryAfterMs ? { action: "next" } : { action: "retry", delayMs: outcome.retryAfterMs };
  }
  return { action: "retry", delayMs: backoffDelay(retriesSoFar + 1, policy, random) };
}
