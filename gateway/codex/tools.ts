// Client tools on Codex lanes.
// - Offered tools become the thread's dynamic tools (app-server only; reference §8.1).
// - A forced call (tool_choice naming a function, or "required") cannot be expressed as a dynamic
//   tool (Codex always sends tool_choice "auto"), so the turn is asked for the call's arguments as
//   its output schema and its JSON answer becomes the call. This works on both engines.

import { randomUUID } from "node:crypto";
import type { ChatRequest, ToolCall, ToolSpec, TurnEvent, TurnEvents } from "../chat/types";
import type { JsonValue } from "./protocol/serde_json/JsonValue";
import type { DynamicToolSpec } from "./protocol/v2";

export interface ForcedTool {
  schema: Record<string, unknown>;
  /** The turn's JSON answer -> the call(s) it stands for; null when the answer does not parse. */
  toCall(text: string): ToolCall | null;
}

export function forcedTool(req: ChatRequest): ForcedTool | null {
  const tools = req.tools ?? [];
  const choice = req.toolChoice;
  if (!choice || tools.length === 0) return null;
  if (choice.type === "function" || (choice.type === "required" && tools.length === 1)) {
    const tool = choice.type === "function" ? tools.find((t) => t.name === choice.name)! : tools[0]!;
    return { schema: objectSchema(tool.parameters), toCall: (text) => (parses(text) ? newCall(tool.name, text) : null) };
  }
  if (choice.type === "required") return chooseAmong(tools);
  return null;
}

/** "required" with several tools: one schema whose answer names the tool and carries its arguments. */
function chooseAmong(tools: readonly ToolSpec[]): ForcedTool {
  const schema = {
    type: "object",
    properties: {
      call: {
        anyOf: tools.map((t) => ({
          type: "object",
          properties: { name: { type: "string", enum: [t.name] }, arguments: objectSchema(t.parameters) },
          required: ["name", "arguments"],
          additionalProperties: false,
        })),
      },
    },
    required: ["call"],
    additionalProperties: false,
  };
  return {
    schema,
    toCall(text) {
      const v = parse(text) as { call?: { name?: unknown; arguments?: unknown } } | undefined;
      const name = v?.call?.name;
      if (typeof name !== "string" || !tools.some((t) => t.name === name)) return null;
      return newCall(name, JSON.stringify(v!.call!.arguments ?? {}));
    },
  };
}

/** Turns a forced turn's final message into the call; text deltas were the arguments, not an answer. */
export async function* asForcedCall(events: AsyncIterable<TurnEvent>, forced: ForcedTool): TurnEvents {
  for await (const ev of events) {
    if (ev.type === "delta") continue;
    if (ev.type !== "message") {
      yield ev;
      continue;
    }
    const call = forced.toCall(ev.text);
    if (!call) {
      yield { type: "error", class: "transient", code: "bad_tool_arguments", message: "The model's forced tool call did not carry valid JSON arguments." };
      return;
    }
    yield { type: "tool_call", call };
    yield { type: "message", text: "", finishReason: "tool_calls" };
  }
}

/** Dynamic tool specs for `thread/start`. Codex simplifies the schemas and never sets strict (§8.2). */
export function dynamicTools(tools: readonly ToolSpec[]): DynamicToolSpec[] {
  return tools.map((t) => ({ type: "function", name: t.name, description: t.description ?? "", inputSchema: objectSchema(t.parameters) as JsonValue }));
}

function objectSchema(s: Record<string, unknown>): Record<string, unknown> {
  return s.type === undefined ? { type: "object", properties: {}, ...s } : s;
}

function newCall(name: string, args: string): ToolCall {
  return { id: `call_${randomUUID().replace(/-/g, "").slice(0, 24)}`, name, arguments: args };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parses(text: string): boolean {
  return parse(text) !== undefined;
}
