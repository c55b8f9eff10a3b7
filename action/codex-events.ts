// Reads `codex exec --json` output line by line: prints progress to the log (agent messages,
// commands, file edits, reconnects) and keeps what the outcome needs (the turn's failure text,
// the token usage of turn.completed, the last agent message). `type:"error"` lines are progress,
// not the final failure: only turn.failed and the exit code are final (reference §3.2). The event
// types are the gateway's exec engine's (gateway/codex/exec-events.ts).

import type { Usage } from "../gateway/chat/types";
import { execUsage, parseExecEvent, type ExecItem } from "../gateway/codex/exec-events";

export class ExecEvents {
  failedMessage: string | null = null;
  usage: Usage | null = null;
  lastAgentMessage: string | null = null;
  /** The latest `error` event or error item, to explain a crash. */
  lastProblem: string | null = null;

  constructor(private readonly print: (line: string) => void) {}

  line(raw: string): void {
    const ev = parseExecEvent(raw);
    if (!ev) {
      if (raw.trim()) this.print(raw);
      return;
    }
    switch (ev.type) {
      case "turn.failed":
        this.failedMessage = str(ev.error.message) ?? "codex exec reported a failed turn";
        break;
      case "turn.completed":
        this.usage = execUsage(ev.usage);
        break;
      case "error":
        this.problem(ev.message);
        break;
      case "item.completed":
        this.item(ev.item);
        break;
    }
  }

  private problem(message: string): void {
    this.lastProblem = str(message);
    if (this.lastProblem) this.print(`codex: ${this.lastProblem}`);
  }

  private item(item: ExecItem): void {
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
        for (const c of Array.isArray(item.changes) ? item.changes : []) this.print(`${c.kind ?? "changed"}: ${c.path ?? "?"}`);
        break;
      case "mcp_tool_call":
        this.print(`tool: ${str(item.server) ?? "?"}.${str(item.tool) ?? "?"}`);
        break;
      case "web_search":
        this.print(`web search: ${str(item.query) ?? ""}`);
        break;
      case "error":
        this.problem(item.message);
        break;
    }
  }
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

function firstLine(s: string): string {
  const l = s.trim().split("\n")[0] ?? "";
  return l.length > 200 ? `${l.slice(0, 199)}…` : l;
}
