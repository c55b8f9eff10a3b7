// The OpenAI API-key lane: the client's chat completions body goes to `{baseUrl}/chat/completions`
// with the user's key, and the answer comes back as the same TurnEvents a Codex lane produces.
// It uses node:http(s) with keep-alive (http-client.ts) rather than global fetch: several times
// less CPU per request, and this lane's overhead is one of the gateway's benchmarks.
// The key is only ever placed in the Authorization header; every message that leaves this module
// passes through scrub(), so an upstream that echoes the key cannot leak it.

import type { ChatRequest, ContentPart, FinishReason, ToolCall, TurnEvent, TurnEvents, Usage } from "../chat/types";
import type { OpenAILaneConfig } from "../config/types";
import { classifyHttp, parseRetryAfter } from "../lanes/classify-http";
import { safeMessage } from "../lanes/format";
import { cancelledOutcome } from "../lanes/types";
import type { LaneAdapter, LaneStatus, TurnOptions } from "../chat/lane-adapter";
import { describeNetError as describe, HttpClient, hostOf, UpstreamTimeoutError, type UpstreamResponse } from "./http-client";
import { readResponses, upstreamResponsesBody, type Fail, type ReadContext } from "./openai-responses";
import { createPassThrough } from "./pass-through";
import { SseDecoder } from "./sse";

export interface OpenAIAdapterDeps {
  now?: () => number;
}

const MAX_ERROR_BODY = 64 * 1024;

export function createOpenAIAdapter(lane: OpenAILaneConfig, deps: OpenAIAdapterDeps = {}): LaneAdapter {
  const now = deps.now ?? Date.now;
  const base = lane.baseUrl.replace(/\/+$/, "");
  const client = new HttpClient(new URL(`${base}/chat/completions`));
  const responsesClient = new HttpClient(new URL(`${base}/responses`));
  const scrub = (text: string) => safeMessage(lane.apiKey ? text.split(lane.apiKey).join("[redacted]") : text);
  const fail: Fail = (cls, code, message, extra = {}) => ({
    type: "error",
    class: cls,
    code,
    message: scrub(message),
    ...extra,
  });
  const ctx: ReadContext = { lane: lane.name, fail, now };

  async function* turn(req: ChatRequest, opts: TurnOptions): TurnEvents {
    if (!lane.apiKey) {
      yield fail("unauthorized", "no_api_key", `Lane '${lane.name}' has no API key: set ${lane.apiKeyEnv}, or store one with \`codex-lanes secrets set ${lane.name}\`.`);
      return;
    }
    try {
      const responses = req.endpoint === "responses";
      const res = await (responses ? responsesClient : client).post(
        { authorization: `Bearer ${lane.apiKey}`, "content-type": "application/json", accept: req.stream ? "text/event-stream" : "application/json" },
        JSON.stringify(responses ? upstreamResponsesBody(req) : upstreamBody(req)),
        opts.signal,
        lane.timeoutMs,
      );
      if (res.status < 200 || res.status >= 300) {
        yield await httpFailure(res, ctx);
        return;
      }
      if (responses) yield* readResponses(res, req.stream, ctx);
      else if (req.stream) yield* readStream(res, ctx);
      else yield* readJson(res, ctx);
    } catch (err) {
      if (opts.signal.aborted) yield { type: "error", ...cancelledOutcome() };
      else if (err instanceof UpstreamTimeoutError) yield fail("transient", "timeout", `Lane '${lane.name}' got no answer within ${lane.timeoutMs} ms.`);
      else yield fail("transient", "connection_failed", `Could not reach ${hostOf(lane.baseUrl)}: ${describe(err)}.`);
    }
  }

  const models = () => Promise.resolve(lane.models === "*" ? [] : [...lane.models]);
  const forward = createPassThrough(lane, client, now, scrub);

  return {
    name: lane.name,
    kind: "openai",
    turn,
    models,
    forward,
    status: () => Promise.resolve(statusOf(lane)),
    close() {
      client.close();
      responsesClient.close();
      return Promise.resolve();
    },
  };
}

async function httpFailure(res: UpstreamResponse, ctx: ReadContext): Promise<TurnEvent> {
  const text = await res.text(MAX_ERROR_BODY);
  const found = classifyHttp(res.status, text, res.headers, ctx.now());
  const retryAfterMs = found.retryAfterMs ?? parseRetryAfter(res.headers, ctx.now());
  const extra: Partial<Extract<TurnEvent, { type: "error" }>> = { status: res.status };
  if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
  if (found.resetsAt !== undefined) extra.resetsAt = found.resetsAt;
  return ctx.fail(found.class, found.code, found.message, extra);
}

async function* readJson(res: UpstreamResponse, ctx: ReadContext): TurnEvents {
  const bytes = await res.bytes();
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString("utf8"));
  } catch {
    yield ctx.fail("transient", "bad_upstream_response", `Lane '${ctx.lane}' answered with a body that is not JSON.`);
    return;
  }
  const choice = firstChoice(body);
  const msg = asObj(choice?.message);
  if (!choice || !msg) {
    yield ctx.fail("transient", "bad_upstream_response", `Lane '${ctx.lane}' answered without choices[0].message.`);
    return;
  }
  const text = typeof msg.content === "string" ? msg.content : typeof msg.refusal === "string" ? msg.refusal : "";
  for (const call of toolCallsOf(msg.tool_calls)) yield { type: "tool_call", call };
  yield { type: "message", text, finishReason: finishReason(choice.finish_reason), body: bytes };
  yield { type: "usage", usage: toUsage(asObj(body)?.usage) };
}

// The text of all the events one network read brought is passed on as one delta: the same answer
// in fewer, larger chunks, so one write to the client per read instead of one per event.
async function* readStream(res: UpstreamResponse, ctx: ReadContext): TurnEvents {
  const st = new StreamState();
  // The decoder is fed here rather than through readSseBatches: one async layer less per read.
  const sse = new SseDecoder();
  let text = "";
  const reads = res.body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await reads.next();
      const delta = st.apply(r.done ? sse.end() : sse.push(r.value));
      if (delta) {
        text += delta;
        yield { type: "delta", text: delta };
      }
      if (st.error !== undefined || st.done || r.done) break;
    }
  } finally {
    // As a for-await would on leaving early: the reader lets go of the body, so discard() can drain it.
    await reads.return?.();
    res.discard();
  }
  if (st.error !== undefined) {
    const found = classifyHttp(500, { error: st.error }, {}, ctx.now());
    yield ctx.fail(found.class === "ok" ? "transient" : found.class, found.code, found.message);
    return;
  }
  if (!st.done && st.finish === null) {
    yield ctx.fail("transient", "stream_incomplete", `Lane '${ctx.lane}' ended the stream before the answer was complete.`);
    return;
  }
  // Streamed calls arrive as fragments by index; the client gets each one whole at the end.
  for (const call of st.calls.done()) yield { type: "tool_call", call };
  yield { type: "message", text, finishReason: finishReason(st.finish) };
  yield { type: "usage", usage: st.usage ?? toUsage(null) };
}

function statusOf(lane: OpenAILaneConfig): LaneStatus {
  return {
    signedIn: lane.apiKey !== null,
    email: null,
    plan: "api",
    engine: "openai",
    cliVersion: null,
    rateLimits: null,
    authUpdatedAt: null,
    error: lane.apiKey ? null : `no API key: set ${lane.apiKeyEnv} or run \`codex-lanes secrets set ${lane.name}\``,
  };
}

/** The client's body as sent (so fields Codex ignores are honoured here), with our model and stream. */
export function upstreamBody(req: ChatRequest): Record<string, unknown> {
  // A copy by Object.assign, not a spread: on Node 20 properties added to a spread's copy (stream,
  // stream_options) take a slow path, ~0.7 µs a request (see dispatch/row.ts).
  const base = req.raw ? Object.assign({}, req.raw) : fromMessages(req);
  base.model = req.model;
  base.stream = req.stream;
  if (req.stream) {
    const so = base.stream_options && typeof base.stream_options === "object" ? (base.stream_options as Record<string, unknown>) : {};
    // Usage is needed for the request log and the spend cap, whatever the client asked for.
    base.stream_options = Object.assign({}, so, { include_usage: true });
  } else {
    delete base.stream_options;
  }
  return base;
}

function fromMessages(req: ChatRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content.map(toWirePart) })),
  };
  if (req.reasoningEffort) body.reasoning_effort = req.reasoningEffort;
  const rf = req.responseFormat;
  if (rf) {
    body.response_format =
      rf.type === "json_schema" ? { type: "json_schema", json_schema: { name: rf.name, schema: rf.schema, strict: rf.strict } } : { type: rf.type };
  }
  return body;
}

function toWirePart(p: ContentPart): Record<string, unknown> {
  return p.type === "text" ? { type: "text", text: p.text } : { type: "image_url", image_url: { url: p.dataUrl } };
}

export function toUsage(u: unknown): Usage {
  const o = asObj(u);
  return {
    input_tokens: count(o?.prompt_tokens),
    cached_input_tokens: count(asObj(o?.prompt_tokens_details)?.cached_tokens),
    output_tokens: count(o?.completion_tokens),
    reasoning_tokens: count(asObj(o?.completion_tokens_details)?.reasoning_tokens),
  };
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function finishReason(v: unknown): FinishReason {
  return v === "length" || v === "tool_calls" ? v : "stop";
}

function toolCallsOf(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c) => {
    const f = asObj(asObj(c)?.function);
    const id = asObj(c)?.id;
    return f && typeof f.name === "string" && typeof id === "string" ? [{ id, name: f.name, arguments: typeof f.arguments === "string" ? f.arguments : "" }] : [];
  });
}

/** What a chat stream has said so far: finish reason, usage, tool calls, and an error or `[DONE]`. */
class StreamState {
  finish: unknown = null;
  usage: Usage | null = null;
  done = false;
  error: unknown = undefined;
  readonly calls = new ToolCallAccumulator();

  /** Takes one read's events; returns their text. Stops at `[DONE]` or at an error event. */
  apply(batch: string[]): string {
    let delta = "";
    for (const data of batch) {
      if (data === "[DONE]") {
        this.done = true;
        break;
      }
      const chunk = parseJson(data);
      if (!chunk) continue;
      if (chunk.error) {
        this.error = chunk.error;
        break;
      }
      const choice = firstChoice(chunk);
      const d = asObj(choice?.delta);
      if (typeof d?.content === "string") delta += d.content;
      if (d?.tool_calls) this.calls.add(d.tool_calls);
      if (choice?.finish_reason != null) this.finish = choice.finish_reason;
      if (chunk.usage) this.usage = toUsage(chunk.usage);
    }
    return delta;
  }
}

/** Chat streaming sends a call's id and name once, then its arguments in pieces, all under its index. */
class ToolCallAccumulator {
  private readonly byIndex = new Map<number, ToolCall>();

  add(raw: unknown): void {
    if (!Array.isArray(raw)) return;
    for (const piece of raw) {
      const p = asObj(piece);
      const f = asObj(p?.function);
      const index = typeof p?.index === "number" ? p.index : this.byIndex.size;
      const cur = this.byIndex.get(index) ?? { id: "", name: "", arguments: "" };
      if (typeof p?.id === "string") cur.id = p.id;
      if (typeof f?.name === "string") cur.name += f.name;
      if (typeof f?.arguments === "string") cur.arguments += f.arguments;
      this.byIndex.set(index, cur);
    }
  }

  done(): ToolCall[] {
    return [...this.byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  }
}

function firstChoice(body: unknown): Record<string, unknown> | undefined {
  const choices = asObj(body)?.choices;
  return Array.isArray(choices) ? asObj(choices[0]) : undefined;
}

export function asObj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return asObj(JSON.parse(text));
  } catch {
    return undefined;
  }
}
