// POST /v1/responses (streaming and not), GET and DELETE /v1/responses/{id}. The request becomes
// the same ChatRequest a chat completion does and runs through the same dispatcher (lanes,
// failover, one log row); only the answer's shape differs. Responses are stored unless the client
// sends store: false, scoped to the gateway key that made them, so previous_response_id can replay
// their conversation on any lane.

import type { Context } from "hono";
import type { ConversationItem } from "../chat/items";
import { buildResponsesRequest, parseResponsesBody, type ResponsesBody } from "../chat/responses-schema";
import type { ChatRequest, ToolCall, Usage } from "../chat/types";
import type { DispatchInput, Dispatcher } from "../dispatch/dispatcher";
import type { Store } from "../store";
import { openStream, parseOrReject } from "./chat";
import { LANE_HEADER, sendEventStream } from "./event-stream";
import type { AppEnv } from "./context";
import type { ApiError } from "../errors/api-error";
import { ResponseNotFoundError } from "./errors";
import {
  EventWriter,
  functionCallItem,
  messageItem,
  newId,
  outputOf,
  outputText,
  responseObject,
  type OutputItem,
  type ResponseMeta,
} from "./responses-shapes";

export function responsesHandler(dispatcher: Dispatcher, store: Store, maxBodyBytes: number, now: () => number) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const keyName = c.get("keyName");
    let history: ConversationItem[] = [];
    const { body, req } = await parseOrReject(
      c,
      dispatcher,
      maxBodyBytes,
      now,
      (raw) => {
        const body = parseResponsesBody(raw);
        if (body.previousResponseId) {
          const prev = store.responses.get(body.previousResponseId, keyName);
          if (!prev) throw new ResponseNotFoundError(body.previousResponseId, "previous_response_id");
          history = prev.items as ConversationItem[];
        }
        return { body, req: buildResponsesRequest(body, history) };
      },
      "responses",
    );
    const input: DispatchInput = { requestId: c.get("requestId"), keyName, req, signal: c.req.raw.signal, receivedAt: c.get("receivedAt") };
    const meta: ResponseMeta = { id: newId("resp"), createdAt: Math.floor(now() / 1000), body };
    const keep = (output: OutputItem[], response: Record<string, unknown>) => {
      if (!body.store) return;
      store.responses.put({ id: meta.id, keyName, createdAt: now(), items: [...history, ...body.input, ...output.map(asConversation)], response });
    };
    if (!req.stream) {
      const done = await dispatcher.complete(input);
      const output = outputOf(done.text, done.toolCalls);
      const response = responseObject(meta, "completed", output, done.usage);
      keep(output, response);
      return c.json(response, 200, { [LANE_HEADER]: done.lane });
    }
    return streamResponses(c, dispatcher, input, meta, keep);
  };
}

export function getResponseHandler(store: Store) {
  return (c: Context<AppEnv>): Response => {
    const id = c.req.param("id") ?? "";
    const found = store.responses.get(id, c.get("keyName"));
    if (!found) throw new ResponseNotFoundError(id, "response_id");
    return c.json(found.response);
  };
}

export function deleteResponseHandler(store: Store) {
  return (c: Context<AppEnv>): Response => {
    const id = c.req.param("id") ?? "";
    if (!store.responses.delete(id, c.get("keyName"))) throw new ResponseNotFoundError(id, "response_id");
    return c.json({ id, object: "response.deleted", deleted: true });
  };
}

/** An output item as the conversation a later previous_response_id continues. */
function asConversation(item: OutputItem): ConversationItem {
  if (item.type === "function_call") return { type: "function_call", call_id: item.call_id, name: item.name, arguments: item.arguments };
  return { type: "message", role: "assistant", content: item.content.map((p) => ({ type: "output_text", text: p.text })) };
}

/**
 * The documented event sequence: response.created, response.in_progress, then per output item
 * output_item.added ... output_item.done (text through content_part and output_text events, calls
 * through function_call_arguments events), then response.completed, or response.failed / error.
 */
async function streamResponses(
  c: Context<AppEnv>,
  dispatcher: Dispatcher,
  input: DispatchInput,
  meta: ResponseMeta,
  keep: (output: OutputItem[], response: Record<string, unknown>) => void,
): Promise<Response> {
  const opened = await openStream(dispatcher.stream(input));
  if (opened instanceof Response) return opened;
  const out = new ResponseEvents(meta);
  return sendEventStream(c, opened, out.start(), (ev) => {
    if (ev.type === "delta") return out.delta(ev.text);
    if (ev.type === "tool_call") return out.toolCall(ev.call);
    if (ev.type === "error") return out.failed(ev.error);
    if (ev.type !== "end") return "";
    const { events, response } = out.completed(ev.usage);
    keep(out.output, response);
    return events;
  });
}

/** Builds one stream's events; keeps the output items in order as they close. */
class ResponseEvents {
  readonly output: OutputItem[] = [];
  private readonly writer = new EventWriter();
  private open: { id: string; index: number; text: string } | null = null;

  constructor(private readonly meta: ResponseMeta) {}

  start(): string {
    const r = responseObject(this.meta, "in_progress", [], null);
    return this.writer.event("response.created", { response: r }) + this.writer.event("response.in_progress", { response: r });
  }

  delta(text: string): string {
    let s = "";
    if (!this.open) {
      this.open = { id: newId("msg"), index: this.output.length, text: "" };
      // Each event's fields written out, not spread from a shared `at`: on Node 20 a property
      // added after a spread is slow (dispatch/row.ts). The keys keep their order on the wire.
      const { id, index } = this.open;
      s += this.writer.event("response.output_item.added", { output_index: index, item: messageItem(id, "", "in_progress") });
      s += this.writer.event("response.content_part.added", { output_index: index, item_id: id, content_index: 0, part: outputText("") });
    }
    this.open.text += text;
    return s + this.writer.event("response.output_text.delta", { item_id: this.open.id, output_index: this.open.index, content_index: 0, delta: text, logprobs: [] });
  }

  toolCall(call: ToolCall): string {
    let s = this.closeMessage();
    const id = newId("fc");
    const index = this.output.length;
    s += this.writer.event("response.output_item.added", { output_index: index, item: functionCallItem(id, call, "in_progress") });
    s += this.writer.event("response.function_call_arguments.delta", { output_index: index, item_id: id, delta: call.arguments });
    s += this.writer.event("response.function_call_arguments.done", { output_index: index, item_id: id, name: call.name, arguments: call.arguments });
    const item = functionCallItem(id, call);
    s += this.writer.event("response.output_item.done", { output_index: index, item });
    this.output.push(item);
    return s;
  }

  completed(usage: Usage): { events: string; response: Record<string, unknown> } {
    let s = this.closeMessage();
    if (this.output.length === 0) s += this.delta("") + this.closeMessage();
    const response = responseObject(this.meta, "completed", this.output, usage);
    return { events: s + this.writer.event("response.completed", { response }), response };
  }

  /**
   * A failure after the stream began. The response's own failure (the upstream, a timeout, a rate
   * limit) is `response.failed` with the response and its error; a fault in the request found only
   * now (a context window exceeded, a bad request upstream) is the `error` event, as OpenAI streams
   * it: flat `code`/`message`/`param` as its types document, and the nested `error` object its
   * servers also send, which the `openai` package throws as the APIError a 400 would have been.
   */
  failed(error: ApiError): string {
    const s = this.closeMessage();
    if (error.type === "invalid_request_error") {
      const e = { type: error.type, code: error.code, message: error.message, param: error.param };
      return s + this.writer.event("error", { code: e.code, message: e.message, param: e.param, error: e });
    }
    return s + this.writer.event("response.failed", { response: responseObject(this.meta, "failed", this.output, null, error) });
  }

  private closeMessage(): string {
    const m = this.open;
    if (!m) return "";
    this.open = null;
    const item = messageItem(m.id, m.text);
    this.output.push(item);
    return (
      this.writer.event("response.output_text.done", { item_id: m.id, output_index: m.index, content_index: 0, text: m.text, logprobs: [] }) +
      this.writer.event("response.content_part.done", { item_id: m.id, output_index: m.index, content_index: 0, part: outputText(m.text) }) +
      this.writer.event("response.output_item.done", { output_index: m.index, item })
    );
  }
}

export type { ChatRequest, ResponsesBody };
