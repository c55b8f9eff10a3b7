// Threads kept after a turn that ended with an answer, so that the request continuing that
// conversation starts its turn on the same thread. Codex 0.169 gives every thread its own
// WebSocket, sends a warm-up on it, and makes the thread's first turn wait for
// `GET /wham/settings/user` on a new HTTPS connection; a later turn on the same thread pays none of
// that and sends only the new message (reference §8.3-8.4, scripts/bench/README.md). A new thread
// costs about eight round trips before the first token, a kept one one.
//
// A thread's history cannot be taken back without reloading the thread (`thread/revert` reloads it
// and pays all of the above again; ephemeral threads refuse it), so a kept thread only ever serves
// the request whose conversation IS that history plus one new user message: the kept request's
// messages exactly, then the assistant message with exactly the answer given, then the new message,
// with the same model, tools and settings. The model sees that conversation and nothing else, as
// it would on a new thread; anything else takes a new thread. Each kept thread serves one request
// at a time: taking it removes it. No I/O here: the engine supplies what releasing a thread does.

import { createHash } from "node:crypto";
import { textOf } from "../chat/items";
import type { ChatRequest } from "../chat/types";
import { fingerprint } from "./held-turns";

/**
 * Long enough for an agent or a person to read the answer and send the next message; short enough
 * that a conversation that ended costs one idle thread for a minute.
 */
export const DEFAULT_KEEP_MS = 60_000;
/** Kept threads at most per engine: each holds a WebSocket and a few open files in the app-server. */
export const DEFAULT_KEEP_MAX = 16;

export interface KeptThreadsOptions<C> {
  keepMs: number;
  max: number;
  /** Lets go of a thread that will not be used again. Must not throw. */
  release: (client: C, threadId: string) => void;
}

interface Entry<C> {
  client: C;
  threadId: string;
  timer: NodeJS.Timeout;
}

export class KeptThreads<C> {
  /** By conversation key, oldest first (Map keeps insertion order). */
  private readonly byKey = new Map<string, Entry<C>>();

  constructor(private readonly options: KeptThreadsOptions<C>) {}

  get enabled(): boolean {
    return this.options.keepMs > 0 && this.options.max > 0;
  }

  /** Threads kept now (for tests and status). */
  get size(): number {
    return this.byKey.size;
  }

  /** Keeps the thread that answered `req` with `answer`, for the request that continues from there. */
  keep(req: ChatRequest, answer: string, client: C, threadId: string): void {
    if (!this.enabled) return this.options.release(client, threadId);
    const key = conversationKey(fingerprint(req), answer);
    this.drop(key); // the same conversation answered the same way twice: the newer thread wins
    const timer = setTimeout(() => this.drop(key), this.options.keepMs);
    timer.unref();
    this.byKey.set(key, { client, threadId, timer });
    while (this.byKey.size > this.options.max) this.drop(this.byKey.keys().next().value!);
  }

  /** The thread whose history is this request's conversation before its last message, taken out; or null. */
  take(req: ChatRequest): { client: C; threadId: string } | null {
    const split = splitContinuation(req);
    if (!split) return null;
    const key = conversationKey(fingerprint({ ...req, messages: split.before }), split.answer);
    const entry = this.byKey.get(key);
    if (!entry) return null;
    clearTimeout(entry.timer);
    this.byKey.delete(key);
    return { client: entry.client, threadId: entry.threadId };
  }

  /** Releases the threads on one client (its process went away), or all of them. */
  clear(client?: C): void {
    for (const [key, entry] of [...this.byKey]) if (client === undefined || entry.client === client) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.byKey.delete(key);
    this.options.release(entry.client, entry.threadId);
  }
}

function conversationKey(requestFingerprint: string, answer: string): string {
  return createHash("sha256").update(requestFingerprint).update("\n").update(answer).digest("hex");
}

/** A conversation ending in [assistant answer without tool calls, user message]: what came before, and the answer. */
function splitContinuation(req: ChatRequest): { before: ChatRequest["messages"]; answer: string } | null {
  const m = req.messages;
  const assistant = m[m.length - 2];
  if (m.length < 3 || m[m.length - 1]!.role !== "user" || assistant?.role !== "assistant" || assistant.toolCalls?.length) return null;
  return { before: m.slice(0, -2), answer: textOf(assistant.content) };
}
