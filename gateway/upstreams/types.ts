// The one interface the gateway calls for every lane: a local Codex engine, a remote account
// worker, or the OpenAI API with the user's key. Adapters never throw for an upstream failure:
// they end the event stream with an `error` event whose class the lane core understands.

import type { ChatRequest, RateLimitSnapshot, TurnEvent } from "../chat/types";

export interface TurnOptions {
  /** Aborted when the client disconnects or the deadline passes; the adapter must stop the turn. */
  signal: AbortSignal;
}

export interface LaneStatus {
  signedIn: boolean;
  email: string | null;
  plan: string | null;
  engine: string | null;
  cliVersion: string | null;
  rateLimits: RateLimitSnapshot | null;
  /**
   * Codex lanes: when the account's sign-in last changed (auth.json written), epoch ms. A lane in
   * needs-login whose sign-in changed after it entered that state has been signed in again.
   */
  authUpdatedAt: number | null;
  /** Why the status could not be read, when it could not. */
  error: string | null;
}

export interface LoginStart {
  verificationUrl: string;
  userCode: string;
}

export type LoginState =
  | { state: "idle" }
  | { state: "pending"; verificationUrl: string; userCode: string }
  | { state: "succeeded"; email: string | null; plan: string | null }
  | { state: "failed"; error: string };

export interface LaneAdapter {
  readonly name: string;
  readonly kind: "codex" | "openai";
  turn(req: ChatRequest, opts: TurnOptions): AsyncIterable<TurnEvent>;
  /** Model ids this lane can serve, from the account's catalog (codex) or the config (openai). */
  models(): Promise<string[]>;
  status(): Promise<LaneStatus>;
  /** Codex lanes only: device-code sign-in and sign-out. */
  login?(): Promise<LoginStart>;
  loginStatus?(): Promise<LoginState>;
  logout?(): Promise<void>;
  /**
   * Subscribe to rate-limit snapshots pushed outside a turn (app-server timer reads). Returns an
   * unsubscribe function.
   */
  onRateLimits?(listener: (snapshot: RateLimitSnapshot) => void): () => void;
  close(): Promise<void>;
}
