// The Responses API's wire shapes: the Response object, its output items, and the streaming events
// with their sequence numbers. Field for field what the official `openai` package's types
// (resources/responses) describe, so its clients and the agent libraries built on it parse them.

import { randomUUID } from "node:crypto";
import type { ResponsesBody } from "../chat/responses-schema";
import type { ToolCall, Usage } from "../chat/types";
import type { ApiError } from "../errors/api-error";

export function newId(prefix: "resp" | "msg" | "fc"): string {
  return `${prefix}_${randomUUID().replace(/-/g, "")}`;
}

export type OutputItem =
  | { type: "message"; id: string; status: "in_progress" | "completed"; role: "assistant"; content: OutputText[] }
  | { type: "function_call"; id: string; call_id: string; name: string; arguments: string; status: "in_progress" | "completed" };

interface OutputText {
  type: "output_text";
  text: string;
  annotations: [];
  logprobs: [];
}

export function messageItem(id: string, text: string, status: "in_progress" | "completed" = "completed"): OutputItem {
  return { type: "message", id, status, role: "assistant", content: status === "completed" ? [outputText(text)] : [] };
}

export function outputText(text: string): OutputText {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

export function functionCallItem(id: string, call: ToolCall, status: "in_progress" | "completed" = "completed"): OutputItem {
  return { type: "function_call", id, call_id: call.id, name: call.name, arguments: status === "completed" ? call.arguments : "", status };
}

/** The output of a finished answer: the text (when any) first, then one item per call. */
export function outputOf(text: string, calls: readonly ToolCall[]): OutputItem[] {
  return [...(text !== "" || calls.length === 0 ? [messageItem(newId("msg"), text)] : []), ...calls.map((c) => functionCallItem(newId("fc"), c))];
}

export function usageOf(u: Usage) {
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_input_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
    total_tokens: u.input_tokens + u.output_tokens,
  };
}

export interface ResponseMeta {
  id: string;
  createdAt: number;
  body: ResponsesBody;
}

export type ResponseStatus = "in_progress" | "completed" | "failed" | "incomplete";

/** A Response object; settings echo what the client sent, as OpenAI's do. */
export function responseObject(meta: ResponseMeta, status: ResponseStatus, output: OutputItem[], usage: Usage | null, error: ApiError | null = null) {
  const b = meta.body;
  const raw = b.raw;
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status,
    background: false,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: error ? { code: error.code ?? "server_error", message: error.message } : null,
    incomplete_details: null,
    instructions: b.instructions,
    max_output_tokens: typeof raw.max_output_tokens === "number" ? raw.max_output_tokens : null,
    max_tool_calls: null,
    metadata: raw.metadata && typeof raw.metadata === "object" ? raw.metadata : {},
    model: b.model,
    output,
    parallel_tool_calls: b.parallelToolCalls ?? true,
    previous_response_id: b.previousResponseId,
    prompt_cache_key: typeof raw.prompt_cache_key === "string" ? raw.prompt_cache_key : null,
    reasoning: { effort: b.reasoningEffort, summary: null },
    safety_identifier: typeof raw.safety_identifier === "string" ? raw.safety_identifier : null,
    service_tier: "default",
    store: b.store,
    temperature: typeof raw.temperature === "number" ? raw.temperature : 1,
    text: { format: formatOf(b), verbosity: "medium" },
    tool_choice: b.toolChoice ? (b.toolChoice.type === "function" ? { type: "function", name: b.toolChoice.name } : b.toolChoice.type) : "auto",
    tools: b.tools.map((t) => ({ type: "function", name: t.name, description: t.description, parameters: t.parameters, strict: t.strict })),
    top_p: typeof raw.top_p === "number" ? raw.top_p : 1,
    truncation: "disabled",
    usage: usage ? usageOf(usage) : null,
    user: typeof raw.user === "string" ? raw.user : null,
  };
}

function formatOf(b: ResponsesBody): Record<string, unknown> {
  const f = b.responseFormat;
  if (!f || f.type !== "json_schema") return { type: f?.type ?? "text" };
  return { type: "json_schema", name: f.name, schema: f.schema, strict: f.strict };
}

/** Numbers every event of one stream, as `sequence_number` says. */
export class EventWriter {
  private seq = 0;

  event(type: string, data: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }
}
