// What the rest of the gateway (and the account worker) sees of a Codex engine.

import type { ChatRequest, TurnEvent } from "../chat/types";
import type { RateLimitSnapshot } from "../lanes/types";
import type { Engine } from "../config/types";

export interface EngineLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface EngineOptions {
  /** Lane name, for logs. */
  lane: string;
  engine: Engine;
  /** This account's CODEX_HOME. */
  home: string;
  /** Scratch space for this lane: an empty working directory and per-turn files live here. */
  workDir: string;
  config: Record<string, string | number | boolean>;
  env: Record<string, string>;
  turnTimeoutMs: number;
  /** How long a turn that asked for client tools waits for their results (app-server); absent: DEFAULT_TOOL_HOLD_MS, 0: never. */
  toolHoldMs?: number;
  rateLimitPollMs: number;
  log: EngineLog;
  /** App-server engine: threads kept started ahead of requests (default 2; 0 starts each on demand). */
  readyThreads?: number;
  /** App-server engine: how long a thread that answered waits for the request continuing its conversation (default 60 s; 0: never). */
  keepThreadMs?: number;
}

export interface AccountInfo {
  signedIn: boolean;
  email: string | null;
  plan: string | null;
}

/** A device-code sign-in in progress. */
export interface LoginHandle {
  verificationUrl: string;
  userCode: string;
  /** Resolves when the user approved the code, it expired, or the sign-in was cancelled. */
  done: Promise<{ success: boolean; error: string | null }>;
  cancel(): Promise<void>;
}

export interface CodexEngine {
  readonly kind: Engine;
  /** One turn; ends with message+usage or one error event. Never throws for upstream failures. */
  turn(req: ChatRequest, opts: { signal: AbortSignal }): AsyncIterable<TurnEvent>;
  models(): Promise<string[]>;
  account(): Promise<AccountInfo>;
  /** The latest usage-window snapshot, read now when the engine can. */
  rateLimits(): Promise<RateLimitSnapshot | null>;
  /** Snapshots read on a timer or pushed by the backend. Returns unsubscribe. */
  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void;
  /** Starts OpenAI's device-code sign-in for this account's CODEX_HOME. */
  login(): Promise<LoginHandle>;
  /** Signs out: Codex revokes the refresh token and deletes auth.json. */
  logout(): Promise<void>;
  /** Drops any process holding the old sign-in, so the next call reads auth.json afresh. */
  reload(): Promise<void>;
  close(): Promise<void>;
}
