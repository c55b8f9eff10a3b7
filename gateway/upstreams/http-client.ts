// A small HTTP(S) client for upstream calls: node:http with keep-alive agents. Measured on loopback
// it costs a fraction of the CPU of global fetch per request, which matters because the API-key
// lane's overhead is a stated benchmark of the gateway.

import * as http from "node:http";
import * as https from "node:https";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as it arrives. Read it to the end, or call discard() after leaving it early. */
  body: AsyncIterable<Buffer>;
  /** The body as text, at most maxBytes of it. */
  text(maxBytes?: number): Promise<string>;
  /** The whole body, as bytes. */
  bytes(): Promise<Buffer>;
  discard(): void;
  /** Stops the answer and closes its connection (the reader went away; draining could take long). */
  destroy(): void;
}

export class UpstreamTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data from the upstream for ${idleMs} ms`);
    this.name = "UpstreamTimeoutError";
  }
}

/**
 * How long an idle upstream connection is kept for the next request. Without it Node keeps one
 * forever and ignores the server's `Keep-Alive: timeout` hint, so a request can go out on a
 * connection the server is closing (a reset: a failed attempt). 4 s is Node's own fetch (undici)
 * default, under the 5 s of Node and uvicorn servers, which LiteLLM or vLLM in front of a model run
 * on; a server that hints less is honoured (its hint minus 1 s).
 */
export const UPSTREAM_IDLE_KEEP_MS = 4_000;

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly lib: typeof http | typeof https;

  constructor(
    readonly url: URL,
    idleKeepMs = UPSTREAM_IDLE_KEEP_MS,
  ) {
    const secure = url.protocol === "https:";
    this.lib = secure ? https : http;
    const options = { keepAlive: true, timeout: idleKeepMs };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
  }

  /**
   * `idleMs` is the socket's own idle timeout: it restarts with every byte, so no timer of ours is
   * armed or refreshed per request or per chunk. When it fires, the request and any response body
   * fail with an UpstreamTimeoutError.
   */
  post(headers: Record<string, string>, body: string, signal: AbortSignal, idleMs: number): Promise<UpstreamResponse> {
    // Object.assign, not a spread: on Node 20 a property added after a spread is slow (dispatch/row.ts).
    const payload = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const got: { response: IncomingMessage | null } = { response: null };
      const req = this.lib.request(
        this.url,
        { method: "POST", agent: this.agent, signal, timeout: idleMs, headers: Object.assign({}, headers, { "content-length": String(payload.length) }) },
        (res) => {
          got.response = res;
          resolve(wrap(res));
        },
      );
      req.once("timeout", () => timedOut(req, got.response, idleMs));
      req.on("error", reject);
      req.end(payload);
    });
  }

  /**
   * Any method to any URL on the same origin, the body streamed with backpressure. Resolves at the
   * response's headers, which may come before the body is sent (an upstream refusing early).
   * `idleMs` is the socket's idle timeout, as for post(): the upload and the answer both count as
   * activity, so one that keeps moving is never cut.
   */
  request(method: string, url: URL, headers: Record<string, string>, body: Buffer | AsyncIterable<Uint8Array> | null, signal: AbortSignal, idleMs: number): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const got: { response: IncomingMessage | null } = { response: null };
      const req = this.lib.request(url, { method, agent: this.agent, signal, headers, timeout: idleMs }, (res) => {
        got.response = res;
        resolve(wrap(res));
      });
      req.once("timeout", () => timedOut(req, got.response, idleMs));
      req.on("error", reject);
      if (body === null) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(Readable.from(body, { objectMode: false }), req).catch((err: unknown) => req.destroy(err as Error));
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The socket was idle for idleMs: the request, and the answer if it began, fail with an UpstreamTimeoutError. */
function timedOut(req: http.ClientRequest, response: IncomingMessage | null, idleMs: number): void {
  const err = new UpstreamTimeoutError(idleMs);
  response?.destroy(err);
  req.destroy(err);
}

export function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return "the upstream";
  }
}

/** A network error as a short word (ECONNREFUSED) or message, for error messages. */
export function describeNetError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === "string") return code;
  return cause instanceof Error ? cause.message : "connection failed";
}

function wrap(res: IncomingMessage): UpstreamResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  return {
    status: res.statusCode ?? 0,
    headers,
    // Leaving the loop early (e.g. at `data: [DONE]`) must not destroy the response: that would
    // close a keep-alive connection the agent could reuse. discard() drains what is left.
    body: res.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>,
    async text(maxBytes = Infinity) {
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const c of res as AsyncIterable<Buffer>) {
        chunks.push(c);
        total += c.length;
        if (total >= maxBytes) {
          res.destroy();
          break;
        }
      }
      const all = Buffer.concat(chunks, total);
      return (total > maxBytes ? all.subarray(0, maxBytes) : all).toString("utf8");
    },
    async bytes() {
      const chunks: Buffer[] = [];
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    },
    discard() {
      res.resume();
    },
    destroy() {
      res.destroy();
    },
  };
}
