// A codex lane served by an account worker over the private network (worker protocol in DESIGN.md):
// POST /turn streams NDJSON TurnEvents; GET /health, GET /models, POST|GET /login, POST /logout.

import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { ChatRequest, TurnEvent, TurnEvents } from "../chat/types";
import { cancelledOutcome, type RateLimitSnapshot } from "../lanes/types";
import type { LaneAdapter, LaneStatus, LoginStart, LoginState, TurnOptions } from "../chat/lane-adapter";

export interface RemoteLaneOptions {
  rateLimitPollMs: number;
  turnTimeoutMs: number;
  models: string[] | null;
}

/** Extra time the gateway gives a worker beyond the worker's own turn deadline (which counts from the
 * model's turn on: starting a thread or an exec process has bounds of its own, up to 45 s). */
const DEADLINE_SLACK_MS = 60_000;
const CALL_TIMEOUT_MS = 15_000;
const MODELS_TTL_MS = 5 * 60_000;
/** An idle turn connection's life (the agent's timeout applies to idle sockets only). */
const WORKER_IDLE_MS = 2_000;

export class WorkerError extends Error {}

export class RemoteCodexLane implements LaneAdapter {
  readonly kind = "codex" as const;
  private modelsCache: { at: number; ids: string[] } | null = null;
  private readonly listeners = new Set<(s: RateLimitSnapshot) => void>();
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly base: string;
  /**
   * Turns go over kept-alive connections, one pool per lane. An idle one is let go after 2 s, well
   * before the worker's server closes it (Node's default, 5 s), so none is reused just as it closes.
   */
  private readonly agents = { http: new http.Agent({ keepAlive: true, timeout: WORKER_IDLE_MS }), https: new https.Agent({ keepAlive: true, timeout: WORKER_IDLE_MS }) };

  constructor(
    readonly name: string,
    private readonly worker: { url: string; token: string },
    private readonly options: RemoteLaneOptions,
  ) {
    this.base = worker.url.replace(/\/+$/, "");
  }

  async *turn(req: ChatRequest, opts: TurnOptions): TurnEvents {
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(this.options.turnTimeoutMs + DEADLINE_SLACK_MS)]);
    let res: IncomingMessage;
    try {
      res = await this.post("/turn", JSON.stringify(req), signal);
    } catch (err) {
      return yield opts.signal.aborted ? cancelled() : this.unreachable(err);
    }
    if (res.statusCode !== 200) return yield this.refused(res.statusCode ?? 0, await readJson(res));
    let finished = false;
    try {
      for await (const ev of ndjson(res)) {
        finished = ev.type === "usage" || ev.type === "error";
        yield ev;
        if (finished) return;
      }
    } catch (err) {
      if (opts.signal.aborted) return yield cancelled();
      if (!finished) return yield this.unreachable(err);
    } finally {
      // A turn read to its end leaves the connection to the pool; one cut short ends it, which
      // tells the worker to stop the turn.
      if (finished) res.resume();
      else res.destroy();
    }
    if (!finished) yield { type: "error", class: "transient", code: "worker_disconnected", message: `The worker of lane "${this.name}" ended the turn without an answer.` };
  }

  /**
   * POSTs a turn over a kept-alive connection with node:http, whose response is read as a Node
   * stream: fetch's web streams cost about as much CPU again on every turn.
   */
  private post(route: string, body: string, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(`${this.base}${route}`);
    const transport = url.protocol === "https:" ? https : http;
    const headers = { ...this.headers(true), "content-length": String(Buffer.byteLength(body)) };
    return new Promise((resolve, reject) => {
      const sent = transport.request(url, { method: "POST", headers, agent: url.protocol === "https:" ? this.agents.https : this.agents.http, signal }, resolve);
      sent.on("error", reject);
      sent.end(body);
    });
  }

  async models(): Promise<string[]> {
    if (this.options.models) return this.options.models;
    if (this.modelsCache && Date.now() - this.modelsCache.at < MODELS_TTL_MS) return this.modelsCache.ids;
    try {
      const ids = (await this.call<{ models: string[] }>("GET", "/models")).models;
      this.modelsCache = { at: Date.now(), ids };
      return ids;
    } catch {
      return this.modelsCache?.ids ?? [];
    }
  }

  async status(): Promise<LaneStatus> {
    try {
      const h = await this.call<Omit<LaneStatus, "error">>("GET", "/health");
      return { ...h, error: null };
    } catch (err) {
      return { signedIn: false, email: null, plan: null, engine: null, cliVersion: null, rateLimits: null, authUpdatedAt: null, error: (err as Error).message };
    }
  }

  login(): Promise<LoginStart> {
    return this.call<LoginStart>("POST", "/login");
  }

  loginStatus(): Promise<LoginState> {
    return this.call<LoginState>("GET", "/login");
  }

  async logout(): Promise<void> {
    await this.call("POST", "/logout");
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    this.listeners.add(listener);
    if (!this.pollTimer && this.options.rateLimitPollMs > 0) {
      const poll = async () => {
        const s = await this.status();
        if (s.rateLimits) for (const l of this.listeners) l(s.rateLimits);
      };
      this.pollTimer = setInterval(() => void poll(), this.options.rateLimitPollMs);
      this.pollTimer.unref();
    }
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.agents.http.destroy();
    this.agents.https.destroy();
    return Promise.resolve();
  }

  private headers(json = false): Record<string, string> {
    return { authorization: `Bearer ${this.worker.token}`, ...(json ? { "content-type": "application/json" } : {}) };
  }

  private async call<T>(method: string, route: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${route}`, { method, headers: this.headers(), signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    } catch (err) {
      throw new WorkerError(`cannot reach the worker of lane "${this.name}" at ${this.base}: ${causeOf(err)}`);
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw new WorkerError(workerError(body)?.message ?? `the worker of lane "${this.name}" answered ${res.status}`);
    return body as T;
  }

  private unreachable(err: unknown): TurnEvent {
    return { type: "error", class: "transient", code: "worker_unreachable", message: `Cannot reach the worker of lane "${this.name}": ${causeOf(err)}` };
  }

  private refused(status: number, body: unknown): TurnEvent {
    const error = workerError(body);
    const message = error?.message ?? `worker answered HTTP ${status}`;
    if (status === 400) return { type: "error", class: "client_error", code: error?.code ?? "bad_request", message, status: 400 };
    const hint = status === 401 ? " (the gateway's worker token does not match this worker's)" : "";
    return { type: "error", class: "transient", code: `worker_http_${status}`, message: `Lane "${this.name}": ${message}${hint}`, status };
  }
}

/** The OpenAI-shaped error a worker answers with, if its body is one. */
function workerError(body: unknown): { message?: string; code?: string } | undefined {
  return (body as { error?: { message?: string; code?: string } } | null)?.error;
}

function cancelled(): TurnEvent {
  return { type: "error", ...cancelledOutcome() };
}

function causeOf(err: unknown): string {
  const e = err as { cause?: { code?: unknown; message?: string; name?: string }; code?: unknown; message?: string; name?: string };
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") return "timed out";
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : null;
  return code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Parses a newline-delimited JSON response into TurnEvents. */
async function* ndjson(res: IncomingMessage): TurnEvents {
  res.setEncoding("utf8");
  let buf = "";
  // Leaving the loop early must not destroy the response: the caller decides whether the
  // connection goes back to the pool (read to its end) or is cut.
  for await (const chunk of res.iterator({ destroyOnReturn: false }) as AsyncIterable<string>) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as TurnEvent;
    }
  }
}

/** A refused turn's JSON body, or null. */
async function readJson(res: IncomingMessage): Promise<unknown> {
  res.setEncoding("utf8");
  let text = "";
  try {
    for await (const chunk of res as AsyncIterable<string>) text += chunk;
    return JSON.parse(text);
  } catch {
    return null;
  }
}
