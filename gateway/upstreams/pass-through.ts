// Pass-through on the API-key lane: any /v1 route the gateway does not serve itself goes to
// `{baseUrl}{path}` with the user's key, bodies streamed both ways. Only headers that describe the
// body or matter to a client cross, in either direction; the key is scrubbed from whatever comes
// back (headers, error bodies and text bodies), so an upstream that echoes it cannot leak it.

import type { TurnEvent } from "../chat/types";
import type { OpenAILaneConfig } from "../config/types";
import { classifyHttp, parseRetryAfter } from "../lanes/classify-http";
import { cancelledOutcome, type OutcomeClass } from "../lanes/types";
import { describeNetError, hostOf, UpstreamTimeoutError, type HttpClient, type UpstreamResponse } from "./http-client";
import type { ForwardRequest, ForwardResult, TurnOptions } from "../chat/lane-adapter";

type ErrorEvent = Extract<TurnEvent, { type: "error" }>;

/** Client headers that describe the body or the wanted answer. Everything else (cookies, the gateway key, proxies' headers) stays here. */
const REQUEST_HEADERS = new Set(["content-type", "accept", "openai-beta", "idempotency-key"]);
/** Upstream headers a client can use. Organisation and project headers name the key's account, so they stay here. */
const RESPONSE_HEADERS = new Set(["content-type", "content-length", "content-disposition", "cache-control", "retry-after", "retry-after-ms", "openai-version", "openai-processing-ms", "openai-model"]);
const TEXT_TYPE = /^(text\/|application\/(json|x-ndjson)|.*\+json)/i;
const MAX_ERROR_BODY = 64 * 1024;

export function createPassThrough(lane: OpenAILaneConfig, client: HttpClient, now: () => number, scrub: (text: string) => string) {
  const base = lane.baseUrl.replace(/\/+$/, "");
  const fail = (cls: OutcomeClass, code: string, message: string, extra: Partial<ErrorEvent> = {}): ErrorEvent => ({ type: "error", class: cls, code, message: scrub(message), ...extra });

  return async function forward(req: ForwardRequest, opts: TurnOptions): Promise<ForwardResult> {
    if (!lane.apiKey) {
      return { ok: false, error: fail("unauthorized", "no_api_key", `Lane '${lane.name}' has no API key: set ${lane.apiKeyEnv}, or store one with \`codex-lanes secrets set ${lane.name}\`.`) };
    }
    // timeoutMs is the upstream socket's idle timeout (http-client.ts): no controller or timer of ours per request.
    let res: UpstreamResponse;
    try {
      res = await client.request(req.method, new URL(base + req.path), upstreamHeaders(req, lane.apiKey), req.body, opts.signal, lane.timeoutMs);
    } catch (err) {
      if (opts.signal.aborted) return { ok: false, error: { type: "error", ...cancelledOutcome() } };
      if (err instanceof UpstreamTimeoutError) return { ok: false, error: fail("transient", "timeout", `Lane '${lane.name}' got no answer within ${lane.timeoutMs} ms.`) };
      return { ok: false, error: fail("transient", "connection_failed", `Could not reach ${hostOf(lane.baseUrl)}: ${describeNetError(err)}.`) };
    }
    const headers = clientHeaders(res.headers, scrub);
    if (res.status < 200 || res.status >= 300) {
      let text = "";
      try {
        text = await res.text(MAX_ERROR_BODY);
      } catch {
        // A body cut short still leaves the status to classify.
      }
      const clean = scrub(text);
      const o = classifyHttp(res.status, clean, res.headers, now());
      const extra: Partial<ErrorEvent> = { status: res.status };
      const retryAfterMs = o.retryAfterMs ?? parseRetryAfter(res.headers, now());
      if (retryAfterMs !== undefined) extra.retryAfterMs = retryAfterMs;
      if (o.resetsAt !== undefined) extra.resetsAt = o.resetsAt;
      delete headers["content-length"];
      return { ok: false, error: fail(o.class, o.code, o.message, extra), response: { status: res.status, headers, body: Buffer.from(clean) } };
    }
    const scrubber = TEXT_TYPE.test(res.headers["content-type"] ?? "") ? new StreamScrubber(lane.apiKey) : null;
    // A scrubbed text body may change length; chunked encoding then carries it.
    if (scrubber) delete headers["content-length"];
    return {
      ok: true,
      response: {
        status: res.status,
        headers,
        body: readBody(res, scrubber, (err) => fail("transient", err instanceof UpstreamTimeoutError ? "timeout" : "stream_incomplete", `Lane '${lane.name}' stopped in the middle of the answer.`)),
        cancel() {
          res.destroy();
        },
      },
    };
  };
}

/** The upstream's body, scrubbed when it is text; an upstream that stalls or breaks mid-body throws an UpstreamBodyError. */
async function* readBody(res: UpstreamResponse, scrubber: StreamScrubber | null, failure: (err: unknown) => ErrorEvent): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of res.body) {
      const out = scrubber ? scrubber.push(chunk) : chunk;
      if (out.length > 0) yield out;
    }
    const rest = scrubber?.flush();
    if (rest && rest.length > 0) yield rest;
  } catch (err) {
    throw new UpstreamBodyError(failure(err), err);
  } finally {
    res.discard();
  }
}

export class UpstreamBodyError extends Error {
  override readonly name = "UpstreamBodyError";
  constructor(
    readonly event: ErrorEvent,
    cause: unknown,
  ) {
    super(event.message, { cause });
  }
}

function upstreamHeaders(req: ForwardRequest, apiKey: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (REQUEST_HEADERS.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  out.authorization = `Bearer ${apiKey}`;
  // Plain bytes back, so usage can be read from the answer's end on its way through.
  out["accept-encoding"] = "identity";
  out["x-client-request-id"] = req.requestId;
  if (req.contentLength !== null) out["content-length"] = String(req.contentLength);
  else if (req.body !== null) out["transfer-encoding"] = "chunked";
  return out;
}

function clientHeaders(headers: Record<string, string>, scrub: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (RESPONSE_HEADERS.has(k) || k.startsWith("x-ratelimit-")) out[k] = scrub(v);
  }
  if (headers["x-request-id"]) out["x-upstream-request-id"] = scrub(headers["x-request-id"]);
  return out;
}

/**
 * Replaces the key in a byte stream split into arbitrary chunks. It holds back only a chunk's tail
 * that could be the start of the key, so a streamed answer (SSE) is not delayed in the usual case.
 */
export class StreamScrubber {
  private readonly key: Buffer;
  private readonly mask = Buffer.from("[redacted]");
  private carry = Buffer.alloc(0);

  constructor(key: string) {
    this.key = Buffer.from(key);
  }

  push(chunk: Uint8Array): Buffer {
    let buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.carry = Buffer.alloc(0);
    if (this.key.length === 0) return buf;
    if (buf.includes(this.key)) buf = this.replaceAll(buf);
    const hold = this.partialTail(buf);
    if (hold > 0) {
      this.carry = Buffer.from(buf.subarray(buf.length - hold));
      buf = buf.subarray(0, buf.length - hold);
    }
    return buf;
  }

  flush(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }

  private replaceAll(buf: Buffer): Buffer {
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = buf.indexOf(this.key); at !== -1; at = buf.indexOf(this.key, from)) {
      parts.push(buf.subarray(from, at), this.mask);
      from = at + this.key.length;
    }
    parts.push(buf.subarray(from));
    return Buffer.concat(parts);
  }

  /** The length of the longest tail of buf that is a proper prefix of the key. */
  private partialTail(buf: Buffer): number {
    const max = Math.min(this.key.length - 1, buf.length);
    for (let n = max; n > 0; n--) {
      if (buf[buf.length - n] === this.key[0] && buf.subarray(buf.length - n).equals(this.key.subarray(0, n))) return n;
    }
    return 0;
  }
}
