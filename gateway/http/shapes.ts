// OpenAI response shapes: chat.completion, chat.completion.chunk, and the usage block. Kept apart
// from the routes so the wire format is visible in one screen.

import { randomUUID } from "node:crypto";
import type { FinishReason, ToolCall, Usage } from "../chat/types";

export function completionId(): string {
  // randomUUID draws from a cached entropy pool: much cheaper per call than randomBytes.
  return `chatcmpl-${randomUUID().replace(/-/g, "")}`;
}

export function usageBlock(u: Usage) {
  return {
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.input_tokens + u.output_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_input_tokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function chatCompletion(meta: CompletionMeta, text: string, toolCalls: readonly ToolCall[], finishReason: FinishReason, usage: Usage) {
  const message: Record<string, unknown> = { role: "assistant", content: text === "" && toolCalls.length > 0 ? null : text, refusal: null, annotations: [] };
  if (toolCalls.length > 0) message.tool_calls = toolCalls.map(wireToolCall);
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: usageBlock(usage),
    system_fingerprint: null,
  };
}

export function wireToolCall(c: ToolCall) {
  return { id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } };
}

/** A streamed call goes out whole in one chunk: OpenAI's clients accumulate by `index` either way. */
export function toolCallDelta(c: ToolCall, index: number) {
  return { tool_calls: [{ index, ...wireToolCall(c) }] };
}

/**
 * The chunk events of one stream. Everything around the delta is the same in every chunk, so it is
 * serialized once per stream; a text delta then costs one JSON.stringify of its text. The bytes are
 * those of JSON.stringify on the whole chunk (same keys, same order). `withUsage` adds
 * `"usage": null`, as OpenAI does when include_usage is on.
 */
export function chunkEvents(meta: CompletionMeta, withUsage: boolean) {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${JSON.stringify(meta.created)},"model":${JSON.stringify(meta.model)},"system_fingerprint":null,"choices":[{"index":0,"delta":`;
  const open = chunkTail(null, withUsage);
  // Methods, not named arrows: under tsx each named closure costs ~1-2 µs each time it is made.
  return {
    event(delta: Record<string, unknown>, finishReason: FinishReason | null): string {
      return head + JSON.stringify(delta) + (finishReason === null ? open : chunkTail(finishReason, withUsage));
    },
    text(text: string): string {
      return `${head}{"content":${JSON.stringify(text)}}${open}`;
    },
  };
}

function chunkTail(finishReason: FinishReason | null, withUsage: boolean): string {
  return `,"logprobs":null,"finish_reason":${JSON.stringify(finishReason)}}]${withUsage ? ',"usage":null' : ""}}\n\n`;
}

export function usageEvent(meta: CompletionMeta, usage: Usage): string {
  const chunk = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, system_fingerprint: null, choices: [], usage: usageBlock(usage) };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

export const DONE_EVENT = "data: [DONE]\n\n";
