// Chat request -> a Codex turn. System and developer messages replace Codex's base instructions (a neutral line without them), the
// earlier conversation becomes history (real items, tool calls and results included), and the last
// user message is the turn's input; a conversation that ends with tool results starts the turn with
// empty input, so the model carries on from them. Client tools become the thread's dynamic tools,
// or, when tool_choice forces a call, the turn's output schema (see tools.ts).

import { chatToItems, textOf, type ConversationItem } from "../chat/items";
import type { ChatMessage, ChatRequest, ContentPart, ToolSpec, TurnEvent } from "../chat/types";
import type { ContentItem } from "./protocol/ContentItem";
import type { InternalChatMessageMetadataPassthrough } from "./protocol/InternalChatMessageMetadataPassthrough";
import type { ResponseItem } from "./protocol/ResponseItem";
import { forcedTool, type ForcedTool } from "./tools";

export { textOf };

export interface TurnPlan {
  model: string;
  effort: string | null;
  /** Replaces Codex's coding-agent base prompt: the client's system and developer text, or a neutral line. */
  instructions: string;
  /** The conversation before the input: user, assistant (with tool calls) and tool messages. */
  history: ChatMessage[];
  /** The last user message; null when the conversation ends with tool results. */
  input: { text: string; images: string[] } | null;
  /** JSON Schema for structured output: the client's json_schema, or a forced tool's arguments. */
  outputSchema: Record<string, unknown> | null;
  /** Client tools the model may call (the thread's dynamic tools). */
  tools: ToolSpec[];
  /** tool_choice forces a call: the answer is that call's arguments (outputSchema is its schema). */
  forced: ForcedTool | null;
}

/** The base instructions of a chat without system or developer text (Codex's own would be a coding agent's). */
export const NEUTRAL_INSTRUCTIONS = "You are a helpful assistant.";
const JSON_OBJECT_INSTRUCTION = "Answer with a single valid JSON object and nothing else.";

export function planTurn(req: ChatRequest): TurnPlan {
  const instructions: string[] = [];
  const conversation: ChatMessage[] = [];
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") instructions.push(textOf(m.content));
    else conversation.push(m);
  }
  const lastRole = conversation[conversation.length - 1]?.role;
  if (lastRole !== "user" && lastRole !== "tool") {
    // The HTTP layer validates this; an engine reached directly still refuses to guess.
    throw new Error("the last message must be a user message or a tool result");
  }
  const last = lastRole === "user" ? conversation.pop()! : null;
  const forced = forcedTool(req);
  if (!forced && req.responseFormat?.type === "json_object") instructions.push(JSON_OBJECT_INSTRUCTION);
  const offered = req.toolChoice?.type === "none" || forced ? [] : req.tools ?? [];
  return {
    model: req.model,
    effort: req.reasoningEffort ?? null,
    instructions: instructions.length ? instructions.join("\n\n") : NEUTRAL_INSTRUCTIONS,
    history: conversation,
    input: last ? { text: textOf(last.content), images: imagesOf(last.content) } : null,
    outputSchema: forced ? forced.schema : req.responseFormat?.type === "json_schema" ? req.responseFormat.schema : null,
    tools: offered,
    forced,
  };
}

export function imagesOf(parts: ContentPart[]): string[] {
  return parts.filter((p): p is Extract<ContentPart, { type: "image" }> => p.type === "image").map((p) => p.dataUrl);
}

/**
 * The instructions as the developer message Codex makes of a base prompt, for a thread started
 * without one (the thread pool's spare), with the label Codex gives a base prompt (its
 * `content_item_kinds` metadata, which the generated type does not list): the backend receives the
 * same request as from a thread started with these instructions (test/thread-pool.test.ts).
 */
export function instructionsItem(instructions: string): ResponseItem {
  const metadata: InternalChatMessageMetadataPassthrough & { content_item_kinds: string[] } = { content_item_kinds: ["model.base_instructions"] };
  return { type: "message", role: "developer", content: [{ type: "input_text", text: instructions }], internal_chat_message_metadata_passthrough: metadata };
}

/** History as Responses API items, for app-server `thread/inject_items`. */
export function historyItems(history: ChatMessage[]): ResponseItem[] {
  return chatToItems(history).map(toResponseItem);
}

function toResponseItem(item: ConversationItem): ResponseItem {
  if (item.type !== "message") return item;
  const content = item.content.map((c): ContentItem => c);
  return { type: "message", role: item.role, content };
}

/**
 * History for the exec engine, which has no way to inject items: a transcript with markers a
 * model will not confuse with the conversation itself.
 */
export function execPrompt(plan: TurnPlan): string {
  if (plan.history.length === 0 && plan.input) return plan.input.text;
  const lines = ["<conversation_history>", "The conversation so far, oldest first. Answer the final user message."];
  for (const h of plan.history) {
    if (h.role === "tool") {
      lines.push(`<tool_result call_id="${h.toolCallId}">`, textOf(h.content), "</tool_result>");
      continue;
    }
    lines.push(`<${h.role}_message>`, textOf(h.content), `</${h.role}_message>`);
    for (const c of h.toolCalls ?? []) lines.push(`<tool_call name="${c.name}" call_id="${c.id}">`, c.arguments, "</tool_call>");
  }
  lines.push("</conversation_history>");
  if (plan.input) lines.push("", "<final_user_message>", plan.input.text, "</final_user_message>");
  return lines.join("\n");
}

/** A plan, or the client_error event for a conversation no engine can turn into a turn. */
export function planOrError(req: ChatRequest): TurnPlan | Extract<TurnEvent, { type: "error" }> {
  try {
    return planTurn(req);
  } catch (err) {
    return { type: "error", class: "client_error", code: "invalid_messages", message: (err as Error).message };
  }
}
