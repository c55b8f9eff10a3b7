// Reads `codex exec --json` output line by line: prints progress to the log (agent messages,
// commands, file edits, reconnects) and keeps what the outcome needs (the turn's failure text,
// the token usage of turn.completed, the last agent message). `type:"error"` lines are progress,
// not the final failure: only turn.failed and the exit code are final (reference §3.2).

import type { Usage } from "../gateway/chat/types";

export class ExecEvents {
  failedMessage: string | null = null;
  usage: Usage | null = null;
  lastAgentMessage: string | null = null;
  /** The latest `error` event or error item, to explain a crash. */
  lastProblem: string | null = null;

  constructor(private readonly print: (line: string) => void) {}

  line(raw: string): void {
    const ev = parse(raw);
    if (!ev) {
      if (raw.trim()) this.print(raw);
      return;
    }
    switch (ev.type) {
      case "turn.failed":
        this.failedMessage = str(ev.error?.message) ?? "codex exec reported a failed turn";
        break;
      case "turn.completed":
        this.usage = toUsage(ev.usage);
        break;
      case "error":
        this.lastProblem = str(ev.message);
        if (this.lastProblem) this.print(`codex: ${this.lastProblem}`);
        break;
      case "item.completed":
        this.item(ev.item ?? {});
        break;
    }
  }

  private item(item: Record<string, any>): void {
    switch (item.type) {
      case "agent_message":
        this.lastAgentMessage = str(item.text);
        for (const l of (this.lastAgentMessage ?? "").split("\n")) this.print(l);
        break;
      case "reasoning":
        if (str(item.text)) this.print(`thinking: ${firstLine(item.text)}`);
        break;
      case "command_execution":
        this.print(`$ ${str(item.command) ?? "(command)"}${typeof item.exit_code === "number" ? `  (exit ${item.exit_code})` : ""}`);
        break;
      case "file_change":
        for (const c of (item.changes as Array<{ path?: string; kind?: string }> | undefined) ?? []) this.print(`${c.kind ?? "changed"}: ${c.path ?? "?"}`);
        break;
      case "mcp_tool_call":
        this.print(`tool: ${str(item.server) ?? "?"}.${str(item.tool) ?? "?"}`);
        break;
      case "web_search":
        this.print(`web search: ${str(item.query) ?? ""}`);
        break;
      case "error":
        this.lastProblem = str(item.message);
        if (this.lastProblem) this.print(`codex: ${this.lastProblem}`);
        break;
    }
  }
}

function parse(raw: string): Record<string, any> | null {
  if (!raw.startsWith("{")) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === "object" ? (v as Record<string, any>) : null;
  } catch {
    return null;
  }
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function firstLine(s: string): string {
  const l = s.trim().split("\n")[0] ?? "";
  return l.length > 200 ? `${l.slice(0, 199)}…` : l;
}

function toUsage(u: Record<string, unknown> | undefined): Usage | null {
  if (!u) return null;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return {
    input_tokens: n(u.input_tokens),
    cached_input_tokens: n(u.cached_input_tokens),
    output_tokens: n(u.output_tokens),
    reasoning_tokens: n(u.reasoning_output_tokens),
  };
}
