// Chat messages <-> Responses API items. The Responses API's input items are the conversation as
// Codex's app-server injects it and as /v1/responses receives and stores it, so both directions
// live here and a property test holds them to a round trip.

import type { ChatMessage, ContentPart, ToolCall } from "./types";

export type ItemContent =
  | { type: "input_text"; text: string }
  | { type: "output_text"; text: string }
  | { type: "input_image"; image_url: string };

export type ConversationItem =
  | { type: "message"; role: "user" | "system" | "developer" | "assistant"; content: ItemContent[] }
  | { type: "function_call"; call_id: string; name: string; arguments: string }
  | { type: "function_call_output"; call_id: string; output: string };

export function chatToItems(messages: readonly ChatMessage[]): ConversationItem[] {
  const items: ConversationItem[] = [];
  for (const m of messages) {
    if (m.role === "tool") {
      items.push({ type: "function_call_output", call_id: m.toolCallId ?? "", output: textOf(m.content) });
    } else if (m.role === "assistant") {
      const calls = m.toolCalls ?? [];
      if (m.content.length > 0 || calls.length === 0) {
        items.push({ type: "message", role: "assistant", content: m.content.map((p) => toItemContent(p, "output_text")) });
      }
      for (const c of calls) items.push({ type: "function_call", call_id: c.id, name: c.name, arguments: c.arguments });
    } else {
      items.push({ type: "message", role: m.role, content: m.content.map((p) => toItemContent(p, "input_text")) });
    }
  }
  return items;
}

/** Function calls right after an assistant message (or after each other) belong to that assistant turn. */
export function itemsToChat(items: readonly ConversationItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const item of items) {
    if (item.type === "function_call") {
      const call: ToolCall = { id: item.call_id, name: item.name, arguments: item.arguments };
      const last = out[out.length - 1];
      if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
      else out.push({ role: "assistant", content: [], toolCalls: [call] });
    } else if (item.type === "function_call_output") {
      out.push({ role: "tool", toolCallId: item.call_id, content: [{ type: "text", text: item.output }] });
    } else {
      out.push({ role: item.role, content: item.content.map(fromItemContent) });
    }
  }
  return out;
}

function toItemContent(p: ContentPart, textType: "input_text" | "output_text"): ItemContent {
  return p.type === "text" ? { type: textType, text: p.text } : { type: "input_image", image_url: p.dataUrl };
}

function fromItemContent(c: ItemContent): ContentPart {
  return c.type === "input_image" ? { type: "image", dataUrl: c.image_url } : { type: "text", text: c.text };
}

export function textOf(parts: readonly ContentPart[]): string {
  return parts
    .filter((p): p is Extract<ContentPart, { type: "text" }> => p.type === "text")
    .map((p) => p.text)
    .join("\n");
}
