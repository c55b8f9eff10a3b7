// Reads one lane's turn: collects the answer, passes deltas and tool calls on as they come (a
// streamed answer is committed to its lane at the first output), and turns how the turn ended into
// the lane core's outcome.

import type { LaneAdapter } from "../chat/lane-adapter";
import type { ChatRequest, FinishReason, ToolCall, TurnEvent, Usage } from "../chat/types";
import type { AttemptResult } from "../lanes/run";
import { cancelledOutcome, type Outcome, type RateLimitSnapshot, type ThreadUse } from "../lanes/types";
import type { Logger } from "../log";

export interface Answer {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage | null;
  body?: Uint8Array;
}

/** Where a streamed answer goes as it arrives. */
export interface Sink {
  start(lane: string): void;
  delta(text: string): void;
  toolCall(call: ToolCall, index: number): void;
}

export interface TurnOptions {
  adapter: LaneAdapter;
  lane: string;
  req: ChatRequest;
  signal: AbortSignal;
  /** Only a streamed answer commits: a buffered one can still fail over after partial output. */
  streaming: boolean;
  sink: Sink;
  /** Whether this request is already committed to this lane. */
  committed: () => boolean;
  /** Commits the request to this lane (the client gets its headers now). */
  commit: () => void;
  onRateLimits: (snapshot: RateLimitSnapshot) => void;
  log: Pick<Logger, "error">;
}

export async function consumeTurn(o: TurnOptions): Promise<AttemptResult<Answer>> {
  const { lane, req, signal, streaming, sink } = o;
  let text = "";
  const toolCalls: ToolCall[] = [];
  // parallel_tool_calls: false promises at most one call; lanes that cannot hold the model to it
  // (Codex always allows parallel calls) answer with the first.
  const maxCalls = req.parallelToolCalls === false ? 1 : Infinity;
  let seenCalls = 0;
  let message: Extract<TurnEvent, { type: "message" }> | null = null;
  let usage: Usage | null = null;
  let thread: ThreadUse | undefined;
  try {
    for await (const ev of o.adapter.turn(req, { signal })) {
      if (ev.type === "rate_limits") o.onRateLimits(ev.rateLimits);
      else if (ev.type === "thread") thread = ev.thread;
      else if (ev.type === "delta") {
        text += ev.text;
        send(o, ev.text);
      } else if (ev.type === "message") {
        message = ev;
        // Lanes that do not stream deltas give the whole text here; send what the client lacks.
        send(o, ev.text.startsWith(text) ? ev.text.slice(text.length) : text === "" ? ev.text : "");
      } else if (ev.type === "tool_call") {
        seenCalls++;
        if (toolCalls.length >= maxCalls) continue;
        toolCalls.push(ev.call);
        if (streaming) {
          if (!o.committed()) o.commit();
          sink.toolCall(ev.call, toolCalls.length - 1);
        }
      } else if (ev.type === "usage") usage = ev.usage;
      else if (ev.type === "error") return ended(o, thread, signal.aborted ? cancelledOutcome() : toOutcome(ev));
    }
  } catch (err) {
    if (signal.aborted) return ended(o, thread, cancelledOutcome());
    o.log.error("lane adapter threw instead of ending its turn with an error event", { lane, err });
    return ended(o, thread, { class: "transient", code: "adapter_error", message: `Lane '${lane}' failed unexpectedly.` });
  }
  if (signal.aborted) return ended(o, thread, cancelledOutcome());
  if (!message) return ended(o, thread, { class: "transient", code: "incomplete_turn", message: `Lane '${lane}' ended the turn without an answer.` });
  return {
    outcome: { class: "ok", code: "ok", message: "" },
    result: {
      text: message.text,
      toolCalls,
      finishReason: toolCalls.length > 0 ? "tool_calls" : message.finishReason ?? "stop",
      usage,
      // The bytes as the lane sent them stand only when nothing was left out (parallel_tool_calls: false).
      ...(message.body && toolCalls.length === seenCalls ? { body: message.body } : {}),
    },
    committed: o.committed(),
    ...(thread ? { thread } : {}),
  };
}

/** Passes text on to a streamed answer, committing the request to this lane at its first output. */
function send(o: TurnOptions, text: string): void {
  if (!o.streaming || text === "") return;
  if (!o.committed()) o.commit();
  o.sink.delta(text);
}

function ended(o: TurnOptions, thread: ThreadUse | undefined, outcome: Outcome): AttemptResult<Answer> {
  return { outcome, committed: o.committed(), ...(thread ? { thread } : {}) };
}

/** A turn's error event as the lane core's outcome (the optional fields only when present). */
export function toOutcome(ev: Omit<Extract<TurnEvent, { type: "error" }>, "type">): Outcome {
  const o: Outcome = { class: ev.class, code: ev.code, message: ev.message };
  if (ev.resetsAt !== undefined) o.resetsAt = ev.resetsAt;
  if (ev.retryAfterMs !== undefined) o.retryAfterMs = ev.retryAfterMs;
  if (ev.status !== undefined) o.status = ev.status;
  if (ev.opensCircuit) o.opensCircuit = true;
  return o;
}
