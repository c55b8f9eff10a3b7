// The normalized chat request every lane receives, and the events every lane produces.
// These are also the wire shapes of the worker protocol (POST /turn body and its NDJSON events),
// so changing one is a protocol change: update gateway/worker and DESIGN's contract together.

import type { Outcome } from "../lanes/types";

export type ChatRole = "system" | "developer" | "user" | "assistant";

export type ContentPart =
  | { type: "text"; text: string }
  /** Only `data:` URLs reach a lane; remote URLs are refused at validation. */
  | { type: "image"; dataUrl: string };

export interface ChatMessage {
  role: ChatRole;
  content: ContentPart[];
}

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict: boolean };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** stream_options.include_usage */
  includeUsage: boolean;
  reasoningEffort?: ReasoningEffort;
  responseFormat?: ResponseFormat;
  /**
   * The client's body as sent, for lanes that forward it (the OpenAI API-key lane). Codex lanes
   * never read it.
   */
  raw?: Record<string, unknown>;
}

export interface Usage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

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

/**
 * A failed turn is a lane outcome: the class the lane core acts on, a stable code, a message safe to
 * show a client (never a token or a key), the window's reset and Retry-After when known.
 */
export type TurnError = Outcome;

/**
 * Events of one turn, in order: any number of `delta` and `rate_limits`, then either
 * `message` + `usage` (success) or one `error` (failure). Nothing follows `error`.
 */
export type TurnEvent =
  | { type: "delta"; text: string }
  /** `body`: an API-key lane's whole non-streamed chat.completion, which the client gets byte for byte. */
  | { type: "message"; text: string; finishReason?: "stop" | "length"; body?: Uint8Array }
  | { type: "usage"; usage: Usage }
  | { type: "rate_limits"; rateLimits: RateLimitSnapshot }
  | ({ type: "error" } & TurnError);
