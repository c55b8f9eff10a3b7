// A LaneAdapter double whose turns follow a script, for HTTP and dispatch tests that need lanes to
// answer, fail, hang or stream on cue without a Codex binary.

import type { ChatRequest, TurnEvent, Usage } from "../../gateway/chat/types";
import type { RateLimitSnapshot } from "../../gateway/lanes/types";
import type { LaneAdapter, LaneStatus, TurnOptions } from "../../gateway/chat/lane-adapter";

export interface TurnContext {
  signal: AbortSignal;
  /** 1-based number of this turn on this adapter. */
  call: number;
}

export type Script = (req: ChatRequest, ctx: TurnContext) => AsyncIterable<TurnEvent> | Iterable<TurnEvent>;

export const USAGE: Usage = { input_tokens: 11, cached_input_tokens: 3, output_tokens: 7, reasoning_tokens: 2 };

/** A successful turn: the text as deltas (split on spaces), then the message and usage. */
export function answer(text: string, usage: Usage = USAGE): TurnEvent[] {
  const parts = text.split(/(?<= )/);
  return [...parts.map((t) => ({ type: "delta" as const, text: t })), { type: "message", text, finishReason: "stop" }, { type: "usage", usage }];
}

export function failure(cls: Extract<TurnEvent, { type: "error" }>["class"], code: string, extra: Partial<Extract<TurnEvent, { type: "error" }>> = {}): TurnEvent[] {
  return [{ type: "error", class: cls, code, message: `scripted ${code}`, ...extra }];
}

/** Resolves when the signal aborts (or at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export interface ScriptedAdapterOptions {
  kind?: "codex" | "openai";
  models?: string[];
  script?: Script;
  status?: Partial<LaneStatus>;
}

export class ScriptedAdapter implements LaneAdapter {
  readonly kind: "codex" | "openai";
  /** Every request this lane received, in order. */
  readonly calls: ChatRequest[] = [];
  /** The signal of every turn, in order. */
  readonly signals: AbortSignal[] = [];
  /** Turns in progress right now, and the most seen at once. */
  active = 0;
  maxActive = 0;
  closed = false;
  script: Script;
  private models_: string[];
  private listeners = new Set<(s: RateLimitSnapshot) => void>();

  constructor(
    readonly name: string,
    private readonly opts: ScriptedAdapterOptions = {},
  ) {
    this.kind = opts.kind ?? "codex";
    this.models_ = opts.models ?? ["gpt-test"];
    this.script = opts.script ?? (() => answer("hello from " + name));
  }

  async *turn(req: ChatRequest, opts: TurnOptions): AsyncIterable<TurnEvent> {
    this.calls.push(req);
    this.signals.push(opts.signal);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      yield* this.script(req, { signal: opts.signal, call: this.calls.length });
    } finally {
      this.active--;
    }
  }

  async models(): Promise<string[]> {
    return this.models_;
  }

  async status(): Promise<LaneStatus> {
    return { signedIn: true, email: `${this.name}@example.test`, plan: "plus", engine: "scripted", cliVersion: null, rateLimits: null, authUpdatedAt: null, error: null, ...this.opts.status };
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pushes a snapshot as an app-server timer read would. */
  pushRateLimits(s: RateLimitSnapshot): void {
    for (const l of this.listeners) l(s);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
