// Chat Completions -> a Codex turn. System and developer messages become developer instructions,
// earlier user/assistant messages become history, the last user message is the turn's input.

import type { ChatMessage, ChatRequest, ContentPart } from "../chat/types";
import type { ContentItem } from "./protocol/ContentItem";
import type { ResponseItem } from "./protocol/ResponseItem";

export interface HistoryEntry {
  role: "user" | "assistant";
  text: string;
  images: string[]; // data: URLs
}

export interface TurnPlan {
  model: string;
  effort: string | null;
  developerInstructions: string | null;
  history: HistoryEntry[];
  input: { text: string; images: string[] };
  /** JSON Schema for structured output, when the client asked for json_schema. */
  outputSchema: Record<string, unknown> | null;
}

const JSON_OBJECT_INSTRUCTION = "Answer with a single valid JSON object and nothing else.";

export function planTurn(req: ChatRequest): TurnPlan {
  const instructions: string[] = [];
  const conversation: ChatMessage[] = [];
  for (const m of req.messages) {
    if (m.role === "system" || m.role === "developer") instructions.push(textOf(m.content));
    else conversation.push(m);
  }
  const last = conversation.pop();
  if (!last || last.role !== "user") {
    // The HTTP layer validates this; an engine reached directly still refuses to guess.
    throw new Error("the last message must be a user message");
  }
  if (req.responseFormat?.type === "json_object") instructions.push(JSON_OBJECT_INSTRUCTION);
  return {
    model: req.model,
    effort: req.reasoningEffort ?? null,
    developerInstructions: instructions.length ? instructions.join("\n\n") : null,
    history: conversation.map((m) => ({ role: m.role as "user" | "assistant", text: textOf(m.content), images: imagesOf(m.content) })),
    input: { text: textOf(last.content), images: imagesOf(last.content) },
    outputSchema: req.responseFormat?.type === "json_schema" ? req.responseFormat.schema : null,
  };
}

export function textOf(parts: ContentPart[]): string {
  return parts
    .filter((p): p is Extract<ContentPart, { type: "text" }> => p.type === "text")
    .map((p) => p.text)
    .join("\n");
}

function imagesOf(parts: ContentPart[]): string[] {
  return parts.filter((p): p is Extract<ContentPart, { type: "image" }> => p.type === "image").map((p) => p.dataUrl);
}

/** History as Responses API items, for app-server `thread/inject_items`. */
export function historyItems(history: HistoryEntry[]): ResponseItem[] {
  return history.map((h): ResponseItem => {
    if (h.role === "assistant") return { type: "message", role: "assistant", content: [{ type: "output_text", text: h.text }] };
    const content: ContentItem[] = h.images.map((url) => ({ type: "input_image", image_url: url }));
    if (h.text) content.unshift({ type: "input_text", text: h.text });
    return { type: "message", role: "user", content };
  });
}

/**
 * History for the exec engine, which has no way to inject items: a transcript with markers a
 * model will not confuse with the conversation itself.
 */
export function execPrompt(plan: TurnPlan): string {
  if (plan.history.length === 0) return plan.input.text;
  const lines = ["<conversation_history>", "The conversation so far, oldest first. Answer the final user message."];
  for (const h of plan.history) {
    lines.push(`<${h.role}_message>`, h.text, `</${h.role}_message>`);
  }
  lines.push("</conversation_history>", "", "<final_user_message>", plan.input.text, "</final_user_message>");
  return lines.join("\n");
}
