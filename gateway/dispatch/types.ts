// The dispatcher's public shapes: what the HTTP layer hands in and gets back.

import type { ChatRequest, FinishReason, ToolCall, Usage } from "../chat/types";
import type { ApiError } from "../errors/api-error";
import type { AttemptRecord } from "../lanes/types";

export type { FinishReason } from "../chat/types";

export interface DispatchInput {
  /** The x-request-id; also the request-log row's id. */
  requestId: string;
  keyName: string | null;
  req: ChatRequest;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** Epoch ms when the request arrived, for latency. */
  receivedAt: number;
}

export interface Completion {
  lane: string;
  text: string;
  /** Function calls the model asked for, in order (finishReason "tool_calls" when any). */
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The lane's answer as it sent it, when it is already an OpenAI chat.completion (API-key lanes). */
  body?: Uint8Array;
}

/**
 * A streamed answer: first `start` (a lane is committed: send headers now) or `error` (nothing was
 * served; send an error response). After `start`: `delta`s, then `end` or `error`.
 */
export type DispatchEvent =
  | { type: "start"; lane: string }
  | { type: "delta"; text: string }
  | { type: "tool_call"; call: ToolCall; index: number }
  | { type: "end"; finishReason: FinishReason; usage: Usage }
  | { type: "error"; error: ApiError };

/** A request refused before dispatch (bad body, body too large): it still gets its row. */
export interface RejectedInput {
  requestId: string;
  keyName: string | null;
  model: string | null;
  stream: boolean;
  receivedAt: number;
  error: ApiError;
  /** Default chat.completions. */
  endpoint?: string;
}

/** How one request's run ended: the whole answer, or the error (typed) and how the client sees it. */
export type RunEnd = { ok: true; completion: Completion } | { ok: false; error: unknown; api: ApiError };

/** Per-request bookkeeping for the log row. */
export interface Track {
  queueMs: number;
  firstByteAt: number | null;
  committedLane: string | null;
  attempts: AttemptRecord[];
}
