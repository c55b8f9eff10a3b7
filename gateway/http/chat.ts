// POST /v1/chat/completions. Non-streaming answers are collected and sent as one chat.completion.
// Streaming answers send headers only once a lane has produced its first output, so a failover
// before that is invisible to the client; after it, a failure becomes a final SSE error object.

import type { Context } from "hono";
import { parseChatRequest } from "../chat/schema";
import type { Endpoint } from "../chat/types";
import type { DispatchEvent, DispatchInput, Dispatcher, EventStream } from "../dispatch/dispatcher";
import { readJsonBody } from "./body";
import { LANE_HEADER, sendEventStream, type OpenedStream } from "./event-stream";
import type { AppEnv } from "./context";
import { ClientClosedError, errorBody, toApiError, type ApiError } from "../errors/api-error";
import { chatCompletion, chunkEvents, completionId, DONE_EVENT, toolCallDelta, usageEvent, type CompletionMeta } from "./shapes";

export function chatHandler(dispatcher: Dispatcher, maxBodyBytes: number, now: () => number) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const req = await parseOrReject(c, dispatcher, maxBodyBytes, now, parseChatRequest);
    const input: DispatchInput = {
      requestId: c.get("requestId"),
      keyName: c.get("keyName"),
      req,
      signal: c.req.raw.signal,
      receivedAt: c.get("receivedAt"),
    };
    const meta: CompletionMeta = { id: completionId(), created: Math.floor(now() / 1000), model: req.model };
    if (!req.stream) {
      const done = await dispatcher.complete(input);
      // An API-key lane's answer is already a chat.completion: sent as the bytes it came in.
      if (done.body) return new Response(done.body as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": "application/json", [LANE_HEADER]: done.lane } });
      return c.json(chatCompletion(meta, done.text, done.toolCalls, done.finishReason, done.usage), 200, { [LANE_HEADER]: done.lane });
    }
    return streamResponse(c, dispatcher.stream(input), meta, req.includeUsage);
  };
}

/** Body problems are the client's; the request still gets its row before the 4xx goes out. */
export async function parseOrReject<T>(
  c: Context<AppEnv>,
  dispatcher: Dispatcher,
  maxBodyBytes: number,
  now: () => number,
  parse: (body: unknown) => T,
  endpoint: Endpoint = "chat.completions",
): Promise<T> {
  let body: unknown = undefined;
  try {
    body = await readJsonBody(c.req.raw, maxBodyBytes);
    return parse(body);
  } catch (caught) {
    const err = c.req.raw.signal.aborted ? new ClientClosedError() : caught;
    const o = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
    await dispatcher.logRejected({
      endpoint,
      requestId: c.get("requestId"),
      keyName: c.get("keyName"),
      model: typeof o.model === "string" ? o.model : null,
      stream: o.stream === true,
      receivedAt: c.get("receivedAt"),
      error: toApiError(err, now()),
    });
    throw err;
  }
}

/**
 * Waits for a lane to commit: then headers can go out. Before that, a failure is a plain error
 * response (returned here instead of the stream).
 */
export async function openStream(events: EventStream): Promise<OpenedStream | Response> {
  const batch = await events.next();
  const first = batch?.[0];
  if (!batch || !first) throw new Error("dispatch ended without an event");
  if (first.type === "error") {
    await events.return();
    return errorResponse(first.error);
  }
  if (first.type !== "start") throw new Error(`dispatch began with ${first.type}`);
  return { events, lane: first.lane, ready: batch.slice(1) };
}

async function streamResponse(c: Context<AppEnv>, events: EventStream, meta: CompletionMeta, includeUsage: boolean): Promise<Response> {
  const opened = await openStream(events);
  if (opened instanceof Response) return opened;
  const chunks = chunkEvents(meta, includeUsage);
  // The role chunk goes out with the first event, in one write: the lane committed at its first
  // output, so that event is already waiting.
  const head = chunks.event({ role: "assistant", content: "" }, null);
  return sendEventStream(c, opened, head, (ev) => eventText(ev, chunks, meta, includeUsage));
}

function eventText(ev: DispatchEvent, chunks: ReturnType<typeof chunkEvents>, meta: CompletionMeta, includeUsage: boolean): string {
  if (ev.type === "delta") return chunks.text(ev.text);
  if (ev.type === "tool_call") return chunks.event(toolCallDelta(ev.call, ev.index), null);
  if (ev.type === "end") return chunks.event({}, ev.finishReason) + (includeUsage ? usageEvent(meta, ev.usage) : "") + DONE_EVENT;
  if (ev.type === "error") return `data: ${JSON.stringify(errorBody(ev.error))}\n\n`;
  return "";
}

export function errorResponse(e: ApiError): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (e.retryAfterSec !== undefined) headers["retry-after"] = String(e.retryAfterSec);
  return new Response(JSON.stringify(errorBody(e)), { status: e.status, headers });
}
