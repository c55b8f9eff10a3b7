// A streamed answer written straight to Node's ServerResponse (@hono/node-server's documented
// "direct response": the handler writes to c.env.outgoing and returns RESPONSE_ALREADY_SENT).
// Through a web ReadableStream, each SSE write cost a pull, an encode to bytes and
// @hono/node-server's read of it back. Here the events a run has ready go out as one string write; a
// full socket buffer is waited out ('drain'), and a client that leaves stops the run, which aborts
// its lane's turn, as before.
// The marker must reach @hono/node-server as it is: after a middleware has read `c.res` before the
// handler returned, Hono copies the marker into a new Response, which @hono/node-server then tries
// to send as well (ERR_HTTP_HEADERS_SENT, its error text appended to the stream). No middleware
// here does; the request-id middleware sets its header only when nothing was sent yet.

import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { drained } from "../async/drain";
import type { DispatchEvent, EventStream } from "../dispatch/dispatcher";
import type { AppEnv } from "./context";

export const LANE_HEADER = "x-codex-lanes-lane";

type ServerResponse = HttpBindings["outgoing"];

/** One event as its SSE text ("" for none). */
export type RenderEvent = (ev: DispatchEvent) => string;

export interface OpenedStream {
  /** The events after the ready ones. */
  events: EventStream;
  lane: string;
  /** Events that came with `start` (the lane commits at its first output, which is then waiting). */
  ready: DispatchEvent[];
}

/**
 * Sends the headers with `head` and the ready events in one write, then each later batch as it
 * comes; returns at once, the writes go on here. The headers are those the web Response carried
 * before; x-request-id is already on the Node response (app.ts).
 */
export function sendEventStream(c: Context<AppEnv>, opened: OpenedStream, head: string, render: RenderEvent): Response {
  const out = c.env.outgoing;
  out.writeHead(200, {
    "cache-control": "no-cache",
    "content-type": "text/event-stream; charset=utf-8",
    "transfer-encoding": "chunked",
    "x-accel-buffering": "no",
    [LANE_HEADER]: opened.lane,
  });
  void pump(out, opened, head, render).catch((err: unknown) => {
    c.get("log").error("streaming the answer failed inside the gateway", { requestId: c.get("requestId"), err });
    out.destroy();
    void opened.events.return();
  });
  return RESPONSE_ALREADY_SENT;
}

async function pump(out: ServerResponse, opened: OpenedStream, head: string, render: RenderEvent): Promise<void> {
  const { events } = opened;
  // The client left before the end: stop the run (its lane's turn is aborted).
  const leave = stopping(events);
  out.once("close", leave);
  try {
    await writeAll(out, opened, head, render);
  } finally {
    out.off("close", leave);
  }
  // Ends the run's bookkeeping; aborts its turn only if it is still going (the client left).
  await events.return();
}

/** Made here, unnamed: under tsx a named closure costs ~1-2 µs each time it is made (esbuild's keepNames). */
function stopping(events: EventStream): () => void {
  return () => void events.return();
}

async function writeAll(out: ServerResponse, { events, ready }: OpenedStream, head: string, render: RenderEvent): Promise<void> {
  let text = head;
  let batch: DispatchEvent[] | null = ready.length > 0 ? ready : await events.next();
  while (batch !== null && !out.destroyed) {
    let last = false;
    for (const ev of batch) {
      text += render(ev);
      last ||= ev.type === "end" || ev.type === "error";
    }
    // The run's last event comes after its row was committed: the stream's end goes in the same write.
    if (last) return void out.end(text);
    if (text !== "" && !out.write(text)) await drained(out);
    text = "";
    batch = await events.next();
  }
  if (!out.destroyed) out.end(text);
}
