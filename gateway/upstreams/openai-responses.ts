// The API-key lane's Responses API leg: the client's /v1/responses body goes to `{baseUrl}/responses`
// as sent (a previous_response_id of ours already spelled out as input items), and the answer
// comes back as TurnEvents, so the gateway renders it exactly as it renders a Codex lane's answer
// and a failover between the two changes nothing the client sees.

import type { ChatRequest, ToolCall, TurnEvent, TurnEvents } from "../chat/types";
import { classifyHttp } from "../lanes/classify-http";
import type { OutcomeClass } from "../lanes/types";
import type { UpstreamResponse } from "./http-client";
import { asObj, parseJson } from "./openai";
import { readSseBatches } from "./sse";

export type Fail = (cls: OutcomeClass, code: string, message: string, extra?: Partial<Extract<TurnEvent, { type: "error" }>>) => TurnEvent;

/** What reading one upstream answer needs from its lane: its name for messages, the error maker that scrubs the key, the clock. */
export interface ReadContext {
  lane: string;
  fail: Fail;
  now: () => number;
}

export function upstreamResponsesBody(req: ChatRequest): Record<string, unknown> {
  const body = { ...(req.raw ?? {}) };
  body.model = req.model;
  body.stream = req.stream;
  return body;
}

export async function* readResponses(
  res: UpstreamResponse,
  stream: boolean,
  ctx: ReadContext,
): TurnEvents {
  if (!stream) {
    const body = parseJson(await res.text());
    const response = body && body.object === "response" ? body : undefined;
    if (!response) return yield ctx.fail("transient", "bad_upstream_response", `Lane '${ctx.lane}' answered with a body that is not a Response.`);
    return yield* finished(response, ctx);
  }
  for await (const batch of readSseBatches(res.body)) {
    for (const data of batch) {
      const ev = parseJson(data);
      if (!ev) continue;
      if (ev.type === "response.output_text.delta" && typeof ev.delta === "string" && ev.delta !== "") {
        yield { type: "delta", text: ev.delta };
      } else if (ev.type === "response.completed" || ev.type === "response.incomplete") {
        res.discard();
        return yield* finished(asObj(ev.response) ?? {}, ctx, true);
      } else if (ev.type === "response.failed" || ev.type === "error") {
        res.discard();
        // response.failed carries response.error; an error event its fields flat, or nested as error.
        const error = asObj(asObj(ev.response)?.error) ?? asObj(ev.error) ?? ev;
        const o = classifyHttp(streamedErrorStatus(error), { error }, {}, ctx.now());
        return yield ctx.fail(o.class === "ok" ? "transient" : o.class, o.code, o.message);
      }
    }
  }
  yield ctx.fail("transient", "stream_incomplete", `Lane '${ctx.lane}' ended the stream before the response was complete.`);
}

/** The HTTP status a failure streamed after a 200 would have had, so it is classified the same. */
function streamedErrorStatus(error: Record<string, unknown>): number {
  if (error.type === "invalid_request_error" || error.code === "context_length_exceeded") return 400;
  if (error.code === "rate_limit_exceeded") return 429;
  return 500;
}

/** A finished Response: its calls, its text (unless it was streamed already), its usage. */
function* finished(response: Record<string, unknown>, ctx: { fail: Fail }, streamed = false): Generator<TurnEvent, void, undefined> {
  const output = Array.isArray(response.output) ? response.output.map(asObj) : [];
  let text = "";
  const calls: ToolCall[] = [];
  for (const item of output) {
    if (item?.type === "message" && Array.isArray(item.content)) {
      for (const part of item.content.map(asObj)) if (part?.type === "output_text" && typeof part.text === "string") text += part.text;
    } else if (item?.type === "function_call" && typeof item.call_id === "string" && typeof item.name === "string") {
      calls.push({ id: item.call_id, name: item.name, arguments: typeof item.arguments === "string" ? item.arguments : "" });
    }
  }
  if (!streamed && text !== "") yield { type: "delta", text };
  for (const call of calls) yield { type: "tool_call", call };
  const incomplete = response.status === "incomplete";
  yield { type: "message", text, finishReason: calls.length > 0 ? "tool_calls" : incomplete ? "length" : "stop" };
  const u = asObj(response.usage);
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  yield {
    type: "usage",
    usage: {
      input_tokens: n(u?.input_tokens),
      cached_input_tokens: n(asObj(u?.input_tokens_details)?.cached_tokens),
      output_tokens: n(u?.output_tokens),
      reasoning_tokens: n(asObj(u?.output_tokens_details)?.reasoning_tokens),
    },
  };
}
