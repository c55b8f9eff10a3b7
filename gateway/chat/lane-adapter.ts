// The one interface the gateway calls for every lane: a local Codex engine, a remote account
// worker, or the OpenAI API with the user's key. Adapters never throw for an upstream failure:
// they end the event stream with an `error` event whose class the lane core understands.

import type { RateLimitSnapshot } from "../lanes/types";
import type { ChatRequest, TurnEvent } from "./types";

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
  /** Codex lanes: what Codex puts before the model besides the client's conversation (gateway/codex/fidelity.ts). */
  codexAdds?: readonly string[];
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

/** A request passed through to an API-key lane as it came (embeddings, audio, files, ...). */
export interface ForwardRequest {
  method: string;
  /** Below the lane's base URL, with the query: "/embeddings", "/files/file-1/content?x=1". */
  path: string;
  /** The client's headers that describe the body or ask for a format (content-type, accept, openai-beta, ...). */
  headers: Record<string, string>;
  /** A body in memory, or a stream read once per attempt; null for no body. */
  body: Buffer | AsyncIterable<Uint8Array> | null;
  contentLength: number | null;
  /** Sent upstream as x-client-request-id, so the upstream's logs can be matched with ours. */
  requestId: string;
}

export interface ForwardResponse {
  status: number;
  /** Only headers that matter to a client (content type, rate limits, the upstream's request id as x-upstream-request-id), scrubbed. */
  headers: Record<string, string>;
  /** As it arrives. Throws when the upstream fails or stalls mid-body. */
  body: AsyncIterable<Buffer>;
  /** Stop reading early (the client went away). */
  cancel(): void;
}

export type ForwardResult =
  | { ok: true; response: ForwardResponse }
  | {
      ok: false;
      error: Extract<TurnEvent, { type: "error" }>;
      /** The upstream's own answer (status, headers, scrubbed body), when it sent one. */
      response?: { status: number; headers: Record<string, string>; body: Buffer };
    };

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
  /** API-key lanes only: any other /v1 route, passed through. Never throws for an upstream failure. */
  forward?(req: ForwardRequest, opts: TurnOptions): Promise<ForwardResult>;
  /**
   * Subscribe to rate-limit snapshots pushed outside a turn (app-server timer reads). Returns an
   * unsubscribe function.
   */
  onRateLimits?(listener: (snapshot: RateLimitSnapshot) => void): () => void;
  close(): Promise<void>;
}
