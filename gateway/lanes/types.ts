// Public types of the lane core. Pure data: no I/O, time is always passed in as epoch milliseconds.
// Imported by the gateway (gateway/dispatch, gateway/http, gateway/store) and by the GitHub Action.

export type LaneState = "ready" | "cooling" | "needs-login" | "circuit-open" | "disabled";

/** What one attempt on one lane came to. */
export type OutcomeClass =
  | "ok"
  | "usage_limit" // plan window spent: cool down until resetsAt (or the default), then move on
  | "unauthorized" // sign-in expired or refresh failed: needs-login, never retried by itself
  | "transient" // overloaded, 5xx, connection failure, timeout: retry with backoff, then move on
  | "client_error" // bad request, context window exceeded: return to the client, no failover
  | "model_not_served" // this lane does not serve the model: try the next lane that does
  | "cancelled"; // the client went away: stop, no failover, no penalty for the lane

export interface Outcome {
  class: OutcomeClass;
  code: string;
  message: string;
  /** Epoch ms of the usage window's reset, when known. */
  resetsAt?: number;
  /** Upstream's Retry-After, in ms. */
  retryAfterMs?: number;
  status?: number;
  /** Transient, and known to last (an engine that stopped answering): open the circuit now, no retry here. */
  opensCircuit?: boolean;
}

/** The persisted state of one lane. Stored in SQLite as is, so a restart remembers it. */
export interface LaneRecord {
  name: string;
  state: LaneState;
  /** For cooling and circuit-open: epoch ms when the lane may be tried again. */
  until: number | null;
  /** Human-readable reason for a state other than ready. */
  reason: string | null;
  /** Machine code of the outcome that put the lane in its state. */
  code: string | null;
  /** Consecutive transient failures (after retries); opens the circuit at the threshold. */
  failures: number;
  /**
   * True when the next attempt is a probe: after a cooldown with an unknown reset, or after an
   * open circuit's period. A probe that fails puts the lane straight back.
   */
  probe: boolean;
  updatedAt: number;
}

export interface LaneSpec {
  name: string;
  /** Models this lane serves; "*" serves any model. */
  models: readonly string[] | "*";
  /** Step aside when a usage window's used % reaches this. */
  maxUsedPercent?: number;
  disabled?: boolean;
}

export interface LanePolicy {
  /** Cooldown after a usage limit with no known reset. */
  defaultCooldownMs: number;
  /** Retries of a transient failure on the same lane, before moving on. */
  maxRetries: number;
  /** Backoff base and cap; full jitter is applied. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this moves on to the next lane instead of waiting. */
  maxRetryAfterMs: number;
  /** Consecutive transient failures that open the circuit, and how long it stays open. */
  circuitThreshold: number;
  circuitOpenMs: number;
  /** Most attempts one request may make across all lanes. */
  maxAttempts: number;
}

export const DEFAULT_POLICY: LanePolicy = {
  defaultCooldownMs: 15 * 60_000,
  maxRetries: 2,
  backoffBaseMs: 250,
  backoffMaxMs: 4_000,
  maxRetryAfterMs: 10_000,
  circuitThreshold: 3,
  circuitOpenMs: 30_000,
  maxAttempts: 8,
};

/** One attempt, as recorded in the request log's `attempts` column. */
/**
 * Which Codex thread carried a turn (app-server lanes): one started for it, one started ahead of it
 * with its settings (`ready`) or for any request (`spare`), the thread that gave the conversation's
 * last answer (`kept`), or a turn held for its tool results going on (`held`). Only `new` pays the
 * new connection and warm-up before the model.
 */
export type ThreadUse = "new" | "ready" | "spare" | "kept" | "held";

export interface AttemptRecord {
  lane: string;
  outcome: OutcomeClass;
  code: string | null;
  ms: number;
  /** Codex app-server lanes: the thread that carried the attempt. */
  thread?: ThreadUse;
}

/** A plan's usage windows as Codex reports them; the lane steps aside before a window is spent. */
export interface RateLimitWindow {
  usedPercent: number;
  windowMinutes: number | null;
  /** Epoch milliseconds, or null when the backend did not say. */
  resetsAt: number | null;
}

export interface RateLimitSnapshot {
  primary: RateLimitWindow | null;
  secondary: RateLimitWindow | null;
  planType: string | null;
  /** Epoch milliseconds when the gateway saw this snapshot. */
  observedAt: number;
}

/** The client went away: the one cancelled outcome every layer reports (turns, queues, the failover loop). */
export function cancelledOutcome(): Outcome {
  return { class: "cancelled", code: "cancelled", message: "The client went away." };
}
