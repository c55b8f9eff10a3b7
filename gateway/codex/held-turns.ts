// Turns that ended asking for client tools, held open for a short time instead of interrupted, so
// the follow-up that carries exactly those calls' results continues the same app-server turn: the
// results answer Codex's pending `item/tool/call` requests and the model carries on over the
// thread's open connection, instead of a new thread paying a connection, a warm-up and re-sent
// history (reference §8.3). Anything else about the follow-up, and a hold that runs out, falls back
// to the stateless path. No I/O here: the engine supplies what releasing a turn does.

import { createHash } from "node:crypto";
import { textOf } from "../chat/items";
import type { ChatMessage, ChatRequest, ToolCall } from "../chat/types";
import { NO_REPLY } from "./rpc";

/**
 * Long enough for a client to run a typical tool and send the result; short enough that a client
 * that never comes back costs one idle thread for half a minute.
 */
export const DEFAULT_TOOL_HOLD_MS = 30_000;

/** What answering one `item/tool/call` sends: the result as text, or nothing (the turn is interrupted). */
export type ToolCallAnswer = { contentItems: Array<{ type: "inputText"; text: string }>; success: boolean } | typeof NO_REPLY;

export interface HeldTurn {
  threadId: string;
  turnId: string;
  /** The calls the client was given, in order. */
  calls: ToolCall[];
  /** The text the model wrote before the calls. */
  text: string;
  /** The request that produced the calls, minus nothing: what the follow-up must repeat. */
  fingerprint: string;
}

interface Entry {
  turn: HeldTurn;
  timer: NodeJS.Timeout;
  release: () => void;
}

export class HeldTurns {
  private readonly byCalls = new Map<string, Entry>();
  /** item/tool/call answers, by thread and call id, whichever of the request and the result comes first. */
  private readonly answers = new Map<string, { promise: Promise<ToolCallAnswer>; resolve: (a: ToolCallAnswer) => void }>();

  constructor(private readonly holdMs: number) {}

  get enabled(): boolean {
    return this.holdMs > 0;
  }

  /** Keeps `turn` for the hold time; `release` (interrupt and forget the thread) runs if nobody takes it. */
  hold(turn: HeldTurn, release: () => void): void {
    const key = callsKey(turn.calls.map((c) => c.id));
    const timer = setTimeout(() => this.drop(key), this.holdMs);
    timer.unref();
    this.byCalls.set(key, { turn, timer, release });
  }

  /**
   * The held turn this follow-up continues, taken out of the hold: the request repeats the held
   * one exactly, then the assistant message with exactly the held calls and text, then one result
   * per call. Null (and the hold untouched) otherwise.
   */
  take(req: ChatRequest): { turn: HeldTurn; results: Map<string, string> } | null {
    const split = splitFollowUp(req.messages);
    if (!split) return null;
    const key = callsKey(split.results.map((r) => r.toolCallId ?? ""));
    const entry = this.byCalls.get(key);
    if (!entry) return null;
    const { turn } = entry;
    const asked = split.assistant.toolCalls ?? [];
    const same =
      asked.length === turn.calls.length &&
      asked.every((c, i) => c.id === turn.calls[i]!.id && c.name === turn.calls[i]!.name && c.arguments === turn.calls[i]!.arguments) &&
      textOf(split.assistant.content) === turn.text &&
      fingerprint({ ...req, messages: split.before }) === turn.fingerprint;
    if (!same) return null;
    clearTimeout(entry.timer);
    this.byCalls.delete(key);
    return { turn, results: new Map(split.results.map((r) => [r.toolCallId ?? "", textOf(r.content)])) };
  }

  /** Codex asked for a call's result: answered when the follow-up brings it, or never if the turn is released. */
  answerFor(threadId: string, callId: string): Promise<ToolCallAnswer> {
    return this.meet(threadId, callId).promise;
  }

  /** Hands a continued turn's results to Codex's pending calls (or to the calls still on their way). */
  answer(threadId: string, results: Map<string, string>): void {
    for (const [callId, text] of results) this.meet(threadId, callId).resolve({ contentItems: [{ type: "inputText", text }], success: true });
  }

  /** Forgets the thread's unanswered calls (its turn was interrupted or ended). */
  forget(threadId: string): void {
    for (const [k, slot] of this.answers) {
      if (!k.startsWith(`${threadId}/`)) continue;
      slot.resolve(NO_REPLY);
      this.answers.delete(k);
    }
  }

  /** Releases the thread's held turn, if it has one (Codex ended the turn by itself). */
  releaseThread(threadId: string): void {
    for (const [key, entry] of this.byCalls) if (entry.turn.threadId === threadId) this.drop(key);
  }

  /** Releases every held turn (the engine is closing or its process went away). */
  releaseAll(): void {
    for (const key of [...this.byCalls.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.byCalls.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.byCalls.delete(key);
    this.forget(entry.turn.threadId);
    entry.release();
  }

  /** Where Codex's request and the client's result for one call meet; gone once both have come. */
  private meet(threadId: string, callId: string) {
    const k = `${threadId}/${callId}`;
    const slot = this.answers.get(k);
    if (slot) {
      this.answers.delete(k);
      return slot;
    }
    let resolve!: (a: ToolCallAnswer) => void;
    const promise = new Promise<ToolCallAnswer>((r) => (resolve = r));
    this.answers.set(k, { promise, resolve });
    return { promise, resolve };
  }
}

/**
 * What a follow-up must repeat of the request whose calls were held (or whose thread was kept):
 * everything but the new messages, the caller included.
 */
export function fingerprint(req: ChatRequest): string {
  const { model, messages, reasoningEffort, responseFormat, tools, toolChoice, parallelToolCalls, caller } = req;
  const json = JSON.stringify([model, messages, reasoningEffort ?? null, responseFormat ?? null, tools ?? [], toolChoice ?? null, parallelToolCalls ?? null, caller ?? null]);
  return createHash("sha256").update(json).digest("hex");
}

/** A conversation ending in [assistant with tool calls, tool results...]: the parts, or null. */
function splitFollowUp(messages: ChatMessage[]): { before: ChatMessage[]; assistant: ChatMessage; results: ChatMessage[] } | null {
  let i = messages.length;
  while (i > 0 && messages[i - 1]!.role === "tool") i--;
  const assistant = messages[i - 1];
  if (i === messages.length || assistant?.role !== "assistant" || !assistant.toolCalls?.length) return null;
  return { before: messages.slice(0, i - 1), assistant, results: messages.slice(i) };
}

function callsKey(ids: string[]): string {
  return [...ids].sort().join("\n");
}
