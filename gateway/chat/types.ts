// The normalized chat request every lane receives, and the events every lane produces.
// These are also the wire shapes of the worker protocol (POST /turn body and its NDJSON events),
// so changing one is a protocol change: update gateway/worker and DESIGN's contract together.

import type { Outcome, RateLimitSnapshot, ThreadUse } from "../lanes/types";

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

export type ContentPart =
  | { type: "text"; text: string }
  /** Only `data:` URLs reach a lane; remote URLs are refused at validation. */
  | { type: "image"; dataUrl: string };

/** A function call the model asked for; `arguments` is the model's JSON text, as OpenAI sends it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: ContentPart[];
  /** Assistant messages: the calls the model made in that turn. */
  toolCalls?: ToolCall[];
  /** Tool messages: the call this is the result of. */
  toolCallId?: string;
}

/** A client function tool (chat `tools[].function`, Responses `tools[]` of type function). */
export interface ToolSpec {
  name: string;
  description: string | null;
  /** JSON Schema of the arguments; `{type:"object",properties:{}}` when the client gave none. */
  parameters: Record<string, unknown>;
  strict: boolean;
}

export type ToolChoice = { type: "auto" } | { type: "none" } | { type: "required" } | { type: "function"; name: string };

/** Which OpenAI API the client called: decides the answer's shape and the API-key lane's upstream path. */
export type Endpoint = "chat.completions" | "responses";

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
  /** Client function tools; absent or empty when the request offers none. */
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  /** false: at most one call per answer. */
  parallelToolCalls?: boolean;
  /** Defaults to chat.completions. */
  endpoint?: Endpoint;
  /**
   * The client's body as sent, for lanes that forward it (the OpenAI API-key lane). Codex lanes
   * never read it.
   */
  raw?: Record<string, unknown>;
  /**
   * Who sent it, as an opaque id (a hash of the gateway key's name; absent without keys). A thread
   * kept or held after one caller's turn only ever continues for the same caller.
   */
  caller?: string;
}

export interface Usage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

/**
 * A failed turn is a lane outcome: the class the lane core acts on, a stable code, a message safe to
 * show a client (never a token or a key), the window's reset and Retry-After when known.
 */
export type TurnError = Outcome;

export type FinishReason = "stop" | "length" | "tool_calls";

/**
 * Events of one turn, in order: on a Codex app-server lane first a `thread` (which thread carries
 * it), then any number of `delta` and `rate_limits`, then either
 * `tool_call`s + `message` + `usage` (success; finishReason "tool_calls" when there are calls) or
 * one `error` (failure). Nothing follows `error`.
 */
export type TurnEvent =
  | { type: "delta"; text: string }
  | { type: "tool_call"; call: ToolCall }
  /** `body`: an API-key lane's whole non-streamed chat.completion, which the client gets byte for byte. */
  | { type: "message"; text: string; finishReason?: FinishReason; body?: Uint8Array }
  | { type: "usage"; usage: Usage }
  | { type: "rate_limits"; rateLimits: RateLimitSnapshot }
  | { type: "thread"; thread: ThreadUse }
  | ({ type: "error" } & TurnError);

/**
 * A lane's generator of one turn's events. Nothing is ever passed back in (`next()` takes no value),
 * so `return yield event` ends a turn on its last event without handing anything untyped back.
 */
export type TurnEvents = AsyncGenerator<TurnEvent, void, undefined>;
