// The JSON lines `codex exec --json` prints, typed once for both users: the exec engine here and
// the GitHub Action (action/codex-events.ts). The app-server's generate-ts does not cover them;
// they mirror codex-rs/exec/src/exec_events.rs of the pinned version. Imports only types, so the
// action can bundle it.

import type { Usage } from "../chat/types";

export interface ExecUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens?: number;
  output_tokens: number;
  reasoning_output_tokens?: number;
}

export type ExecItem =
  | { id: string; type: "agent_message"; text: string }
  | { id: string; type: "reasoning"; text: string }
  | { id: string; type: "command_execution"; command: string; aggregated_output: string; exit_code: number | null; status: string }
  | { id: string; type: "file_change"; changes: Array<{ path: string; kind: string }>; status: string }
  | { id: string; type: "mcp_tool_call"; server: string; tool: string; status: string }
  | { id: string; type: "web_search"; query: string }
  | { id: string; type: "todo_list"; items: Array<{ text: string; completed: boolean }> }
  | { id: string; type: "error"; message: string };

export type ExecEvent =
  | { type: "thread.started"; thread_id: string }
  | { type: "turn.started" }
  | { type: "turn.completed"; usage: ExecUsage }
  | { type: "turn.failed"; error: { message: string } }
  | { type: "item.started" | "item.updated" | "item.completed"; item: ExecItem }
  /** Progress ("Reconnecting... 2/5"), not the final failure: only turn.failed and the exit code are final. */
  | { type: "error"; message: string };

/**
 * One output line as an event, or null for anything else (a log line, a partial write). Checks the
 * fields the readers rely on, so a reader never sees an event missing them.
 */
export function parseExecEvent(line: string): ExecEvent | null {
  if (!line.startsWith("{")) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isObject(v) || typeof v.type !== "string") return null;
  switch (v.type) {
    case "thread.started":
      return typeof v.thread_id === "string" ? (v as ExecEvent) : null;
    case "turn.started":
      return v as ExecEvent;
    case "turn.completed":
      return isObject(v.usage) ? (v as ExecEvent) : null;
    case "turn.failed":
      return isObject(v.error) && typeof v.error.message === "string" ? (v as ExecEvent) : null;
    case "item.started":
    case "item.updated":
    case "item.completed":
      return isObject(v.item) && itemOk(v.item) ? (v as ExecEvent) : null;
    case "error":
      return typeof v.message === "string" ? (v as ExecEvent) : null;
    default:
      return null;
  }
}

/** turn.completed's usage in the gateway's terms; a missing or odd count is 0. */
export function execUsage(u: ExecUsage): Usage {
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    input_tokens: n(u.input_tokens),
    cached_input_tokens: n(u.cached_input_tokens),
    output_tokens: n(u.output_tokens),
    reasoning_tokens: n(u.reasoning_output_tokens),
  };
}

/** The item fields readers take as text without checking again. */
function itemOk(item: Record<string, unknown>): boolean {
  switch (item.type) {
    case "agent_message":
    case "reasoning":
      return typeof item.text === "string";
    case "error":
      return typeof item.message === "string";
    default:
      return typeof item.type === "string";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
