// Rules for client function tools shared by /v1/chat/completions and /v1/responses: names Codex
// can offer the model, tool_choice against the offered tools, and a conversation whose every tool
// call has its result. Each broken rule is a 400 naming the field.

import { ChatValidationError } from "./errors";
import type { ChatMessage, ToolChoice, ToolSpec } from "./types";

/** OpenAI's limit; Codex refuses anything outside [a-zA-Z0-9_-] and we keep OpenAI's length cap. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Codex's own tools: a client tool with one of these names is silently dropped by Codex (its
 * built-in wins, reference §8.2), so the model would call Codex's tool instead of the client's.
 */
export const CODEX_BUILTIN_TOOLS: ReadonlySet<string> = new Set(["apply_patch", "request_user_input", "exec_command"]);

export function checkToolName(name: string, at: string): void {
  if (!TOOL_NAME.test(name)) {
    throw new ChatValidationError(
      `Invalid value for '${at}': tool names must match ^[a-zA-Z0-9_-]{1,64}$ (got ${JSON.stringify(name.slice(0, 80))}).`,
      at,
    );
  }
  if (CODEX_BUILTIN_TOOLS.has(name)) {
    throw new ChatValidationError(
      `Invalid value for '${at}': '${name}' is the name of a Codex built-in tool, which would take its place on Codex lanes; rename your tool.`,
      at,
    );
  }
}

export function checkUniqueNames(tools: readonly ToolSpec[], at: (i: number) => string): void {
  const seen = new Set<string>();
  tools.forEach((t, i) => {
    if (seen.has(t.name)) throw new ChatValidationError(`Invalid value for '${at(i)}': the tool name '${t.name}' is used twice.`, at(i));
    seen.add(t.name);
  });
}

export function checkToolChoice(choice: ToolChoice, tools: readonly ToolSpec[], param: string): void {
  if (choice.type === "function" && !tools.some((t) => t.name === choice.name)) {
    throw new ChatValidationError(`Invalid value for '${param}': no tool named '${choice.name}' is in 'tools'.`, param);
  }
  if (choice.type === "required" && tools.length === 0) {
    throw new ChatValidationError(`Invalid value for '${param}': 'required' needs at least one tool in 'tools'.`, param);
  }
}

/**
 * Every assistant tool call needs its result before the conversation goes on, and every result
 * must answer a call: Codex would otherwise invent an "aborted" result the client never sent.
 * `at(i)` names message i in the client's own terms (messages[i] or input[j]).
 */
export function checkToolHistory(messages: readonly ChatMessage[], at: (i: number) => string): void {
  const open = new Map<string, string>(); // call id -> where it was made
  messages.forEach((m, i) => {
    if (m.role === "tool") {
      const id = m.toolCallId ?? "";
      if (!open.has(id)) {
        throw new ChatValidationError(
          `Invalid value for '${at(i)}': it answers tool call '${id}', which no earlier assistant message made (or which was already answered).`,
          at(i),
        );
      }
      open.delete(id);
      return;
    }
    if (open.size > 0) throw unanswered(open);
    for (const c of m.toolCalls ?? []) open.set(c.id, at(i));
  });
  if (open.size > 0) throw unanswered(open);
}

function unanswered(open: Map<string, string>): ChatValidationError {
  const [id, where] = open.entries().next().value as [string, string];
  return new ChatValidationError(
    `Tool call '${id}' in '${where}' has no result: send a tool result for every call (role 'tool' with its tool_call_id, or a function_call_output item with its call_id) right after the call.`,
    where,
  );
}
