// Every /v1 route the gateway does not answer itself (embeddings, moderations, audio, images,
// files, batches, ...) is passed through to the API-key lanes (gateway/dispatch/pass.ts). JSON
// bodies are read whole under limits.maxBodyBytes; multipart and binary bodies (uploads) stream
// under limits.maxUploadBytes and are never held in memory. The answer streams back as it comes.

import * as path from "node:path";
import type { HttpBindings } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context, Next } from "hono";
import { drained } from "../async/drain";
import type { Config } from "../config/types";
import type { Dispatcher } from "../dispatch/dispatcher";
import { OWN_ROUTES, type PassBody } from "../dispatch/pass";
import { ReplayableBody } from "../dispatch/replay";
import { readCapped } from "./body";
import { errorResponse } from "./chat";
import { LANE_HEADER } from "./event-stream";
import type { AppEnv } from "./context";
import { BodyTooLargeError, ClientClosedError, toApiError } from "../errors/api-error";

type ServerResponse = HttpBindings["outgoing"];

/** Uploads up to this size are kept in memory for a retry; larger ones spill to <dataDir>/tmp. */
const MEMORY_BODY_BYTES = 1024 * 1024;
/** Route names are the path's first segment, or its first two under these (audio.speech, images.edits). */
const TWO_PART = new Set(["audio", "images", "chat"]);
const SEGMENT = /^[a-z][a-z0-9_]*$/;
const JSON_TYPE = /^application\/(json|x-www-form-urlencoded)|^text\//i;

/** "/audio/speech" -> "audio.speech"; "/files/file-1/content" -> "files"; null for a path no API has. */
export function routeName(subpath: string): string | null {
  const [first, second] = subpath.split("/").filter(Boolean);
  if (!first || !SEGMENT.test(first)) return null;
  return TWO_PART.has(first) && second && SEGMENT.test(second) ? `${first}.${second}` : first;
}

export function passHandler(dispatcher: Dispatcher, config: Config, now: () => number) {
  const spoolDir = path.join(config.dataDir, "tmp");
  return async (c: Context<AppEnv>, next: Next): Promise<Response | void> => {
    const url = new URL(c.req.url);
    const sub = url.pathname.slice("/v1".length);
    const route = routeName(sub);
    // The gateway's own routes (and paths no API has) go on to their handlers or the 404.
    if (!route || OWN_ROUTES.includes(route)) return next();
    const method = c.req.method;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => (headers[k] = v));
    const declared = headers["content-length"] !== undefined ? Number(headers["content-length"]) : null;
    const hasBody = (declared !== null && declared > 0) || headers["transfer-encoding"] !== undefined;
    let body: ReplayableBody | null = null;
    let contentLength: number | null = null;
    let model: string | null = null;
    let stream = false;
    if (hasBody && (JSON_TYPE.test(headers["content-type"] ?? "") || !headers["content-type"])) {
      const buf = await readCapped(c.req.raw, config.limits.maxBodyBytes).catch((err: unknown) => reject(c, dispatcher, now, route, err));
      ({ model, stream } = jsonFields(buf, headers["content-type"]));
      body = ReplayableBody.buffer(buf);
      contentLength = buf.length;
    } else if (hasBody) {
      if (declared !== null && declared > config.limits.maxUploadBytes) await reject(c, dispatcher, now, route, new BodyTooLargeError(config.limits.maxUploadBytes, "limits.maxUploadBytes"));
      const source = c.req.raw.body as unknown as AsyncIterable<Uint8Array>;
      body = ReplayableBody.stream(source, { maxBytes: config.limits.maxUploadBytes, memoryBytes: MEMORY_BODY_BYTES, spoolDir });
      contentLength = declared;
    }
    const out = await dispatcher.pass({
      requestId: c.get("requestId"),
      keyName: c.get("keyName"),
      receivedAt: c.get("receivedAt"),
      signal: c.req.raw.signal,
      route,
      method,
      path: sub + url.search,
      headers,
      body,
      contentLength,
      model,
      stream,
    });
    if (out.kind === "error") return errorResponse(out.error);
    const resHeaders: Record<string, string> = Object.assign({}, out.headers, { [LANE_HEADER]: out.lane });
    if (out.status === 204 || out.status === 205 || out.status === 304) {
      await out.body.read().catch(() => null);
      return new Response(null, { status: out.status, headers: resHeaders });
    }
    // A JSON answer is only of use whole: a small one is read first and sent in one write with its
    // length (headers and body together), instead of headers, then chunks, then the chunked end.
    const held = WHOLE_TYPE.test(resHeaders["content-type"] ?? "") ? await holdSmall(out.body) : { chunks: [], ended: false };
    if (held.ended) {
      delete resHeaders["transfer-encoding"];
      const whole = held.chunks.length === 1 ? held.chunks[0]! : Buffer.concat(held.chunks);
      return new Response(whole as Uint8Array<ArrayBuffer>, { status: out.status, headers: resHeaders });
    }
    return sendPassed(c.env.outgoing, out.status, resHeaders, out.body, held);
  };
}

/** A body the gateway refuses still gets its row; then the error goes on to the client. */
async function reject(c: Context<AppEnv>, dispatcher: Dispatcher, now: () => number, route: string, err: unknown): Promise<never> {
  const e = c.req.raw.signal.aborted ? new ClientClosedError() : err;
  await dispatcher.logRejected({ requestId: c.get("requestId"), keyName: c.get("keyName"), model: null, stream: false, receivedAt: c.get("receivedAt"), error: toApiError(e, now()), endpoint: route });
  throw e;
}

/** Answers read whole before they go out: JSON, which no client can use before its end. */
const WHOLE_TYPE = /^application\/json/i;
/** Up to this much of such an answer is held; a larger one streams on from there. */
const WHOLE_MAX_BYTES = 256 * 1024;

interface Held {
  chunks: Uint8Array[];
  /** The body ended within the limit. */
  ended: boolean;
  /** The upstream broke off while it was held: the client still gets what came, then the break. */
  error?: unknown;
}

async function holdSmall(body: PassBody): Promise<Held> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= WHOLE_MAX_BYTES) {
      const chunk = await body.read();
      if (chunk === null) return { chunks, ended: true };
      chunks.push(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    return { chunks, ended: false, error };
  }
  return { chunks, ended: false };
}

/**
 * A passed-through answer that streams (audio, SSE, JSON past WHOLE_MAX_BYTES), written straight to
 * Node's response as streamed chat answers are (event-stream.ts), not through a web ReadableStream
 * that @hono/node-server reads back: each upstream chunk is one write, a full socket buffer is
 * waited out, and a client that leaves cancels the upstream body (its row says cancelled). An
 * upstream that breaks off breaks the client's connection: the answer never looks complete.
 */
function sendPassed(out: ServerResponse, status: number, headers: Record<string, string>, body: PassBody, held: Held): Response {
  out.writeHead(status, headers);
  // Headers go out now, with what is held or alone: a client waiting on a slow first chunk knows it was answered.
  if (held.chunks.length === 0) out.flushHeaders();
  void pipe(out, body, held).catch(() => breakOff(out));
  return RESPONSE_ALREADY_SENT;
}

/**
 * The upstream broke off: what was written still goes out (a first write is corked until the next
 * tick, so destroying at once could lose the headers too), then the connection is closed without
 * the body's end, so the client sees a broken answer, never a complete one.
 */
function breakOff(out: ServerResponse): void {
  const socket = out.socket;
  if (!socket || socket.destroyed) return void out.destroy();
  socket.end(() => socket.destroy());
}

async function pipe(out: ServerResponse, body: PassBody, held: Held): Promise<void> {
  const leave = cancelling(body);
  out.once("close", leave);
  try {
    for (const chunk of held.chunks) if (!out.write(chunk)) await drained(out);
    if (held.error !== undefined) return breakOff(out);
    for (let chunk = await body.read(); chunk !== null && !out.destroyed; chunk = await body.read()) {
      if (!out.write(chunk)) await drained(out);
    }
  } finally {
    out.off("close", leave);
  }
  if (!out.destroyed) out.end();
}

/** The client left: the upstream body is let go. (Made here, unnamed: a named closure costs ~1-2 µs under tsx.) */
function cancelling(body: PassBody): () => void {
  return () => void body.cancel();
}

/** model and stream of a JSON body, for the request log; anything else is the upstream's to judge. */
function jsonFields(buf: Buffer, contentType: string | undefined): { model: string | null; stream: boolean } {
  if (contentType && !/json/i.test(contentType)) return { model: null, stream: false };
  try {
    const o = JSON.parse(buf.toString("utf8")) as Record<string, unknown>;
    return { model: typeof o?.model === "string" ? o.model.slice(0, 256) : null, stream: o?.stream === true };
  } catch {
    return { model: null, stream: false };
  }
}
