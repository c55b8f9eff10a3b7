// Pass-through: every /v1 route the gateway does not serve itself goes to the first API-key lane
// that is ready and may take the route (its `routes`), with the same failover loop, queue and
// request log as chat. Codex lanes are never tried. The answer streams back as it arrives; its
// row is written when the last byte went out (or the client left), with usage read from the tail.

import type { Usage } from "../chat/types";
import { apiCostUsd } from "../config/prices";
import type { Config, LaneConfig, OpenAILaneConfig } from "../config/types";
import { CLIENT_CLOSED, outcomeToApiError, toApiError, type ApiError } from "../errors/api-error";
import { runLanes, type AttemptResult } from "../lanes/run";
import { cancelledOutcome, type LanePolicy, type Outcome } from "../lanes/types";
import type { Logger } from "../log";
import type { NewRequestRow } from "../store";
import type { ForwardResponse, ForwardResult } from "../chat/lane-adapter";
import type { LaneBook } from "./book";
import { LanesFailedError, NoPassLaneError, ShuttingDownError } from "./errors";
import { modelFromForm, Tail, usageFromTail } from "./pass-usage";
import type { ReplayableBody } from "./replay";
import { linkedAbort, type LinkedAbort } from "../async/abort";
import { takeSlot } from "./slots";
import { toOutcome } from "./turn";

export interface PassInput {
  requestId: string;
  keyName: string | null;
  receivedAt: number;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** The route's name: "embeddings", "audio.speech", "files", ... (see routeName in gateway/http/pass.ts). */
  route: string;
  method: string;
  /** Below /v1, with the query. */
  path: string;
  headers: Record<string, string>;
  body: ReplayableBody | null;
  contentLength: number | null;
  /** From a JSON body or a multipart form, when the client named one. */
  model: string | null;
  stream: boolean;
}

/** The client's answer: the upstream's (streamed; read it to the end or cancel it) or the gateway's error. */
export type PassOutcome =
  | { kind: "response"; lane: string; status: number; headers: Record<string, string>; body: PassBody }
  | { kind: "error"; error: ApiError };

export interface PassBody {
  /** The next chunk, or null at the end. Throws when the upstream broke off. */
  read(): Promise<Uint8Array | null>;
  /** The client went away. */
  cancel(): Promise<void>;
}

export interface PassDeps {
  config: Config;
  book: LaneBook;
  policy: LanePolicy;
  log: Logger;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** Resolves once the row is committed. */
  queueRow: (row: NewRequestRow) => Promise<void>;
  /** Requests in progress, so a shutdown waits for them (and cancels them after its grace). */
  inProgress: Set<{ abort(): void; done: Promise<unknown> }>;
  closing: () => boolean;
}

/** Routes the gateway answers itself; they are never passed through. */
export const OWN_ROUTES: readonly string[] = ["chat.completions", "responses", "models"];

interface Attempting {
  queueMs: number;
  /** The last attempt's upstream answer when it was an error: passed back unchanged when it is the final word. */
  last: { lane: string; status: number; headers: Record<string, string>; body: Buffer } | null;
  served: { lane: string; release: () => void; response: ForwardResponse } | null;
  attempts: NewRequestRow["attempts"];
}

export function createPass(deps: PassDeps): (input: PassInput) => Promise<PassOutcome> {
  const { config, book, policy, now, log } = deps;

  return async function pass(input: PassInput): Promise<PassOutcome> {
    const ctl = linkedAbort(input.signal);
    let finish!: () => void;
    const handle = { abort: () => ctl.abort(new ShuttingDownError()), done: new Promise<void>((r) => (finish = r)) };
    deps.inProgress.add(handle);
    const end = () => {
      deps.inProgress.delete(handle);
      ctl.dispose();
      void input.body?.dispose();
      finish();
    };
    const at: Attempting = { queueMs: 0, last: null, served: null, attempts: [] };
    let out: PassOutcome | "served";
    try {
      out = await run(input, ctl, at);
    } catch (err) {
      out = { kind: "error", error: errorOf(err, input) };
      await writeRow(input, at, { lane: null, status: out.error.status, error: out.error.code });
    }
    if (out === "served" && at.served) {
      const r = at.served.response;
      return { kind: "response", lane: at.served.lane, status: r.status, headers: r.headers, body: streamed(input, at, end) };
    }
    end();
    return out as PassOutcome;
  };

  async function run(input: PassInput, ctl: LinkedAbort, at: Attempting): Promise<PassOutcome | "served"> {
    if (deps.closing()) throw new ShuttingDownError();
    const lanes = passLanes(config.lanes, input);
    const names = new Set(lanes.map((l) => l.name));
    const res = await runLanes<true>({
      specs: book.specs(now()).filter((s) => names.has(s.name)).map((s) => ({ ...s, models: "*" as const })),
      model: input.route,
      policy,
      now,
      sleep: deps.sleep,
      random: deps.random,
      signal: ctl.signal,
      getRecord: (n) => book.record(n),
      setRecord: (r) => book.setRecord(r),
      attempt: (lane) => attempt(lane, input, ctl.signal, at),
    });
    at.attempts = res.attempts;
    if (res.ok && at.served) return "served";
    const attempts = res.attempts;
    const outcome = res.ok ? ({ class: "transient", code: "incomplete_turn", message: "The lane answered without a response." } as Outcome) : res.outcome;
    // The upstream's own answer is the most useful one when it is about the request or the upstream.
    if (at.last && ["client_error", "model_not_served", "transient"].includes(outcome.class) && attempts.at(-1)?.lane === at.last.lane) {
      const l = at.last;
      await writeRow(input, at, { lane: l.lane, status: l.status, error: outcome.code });
      return { kind: "response", lane: l.lane, status: l.status, headers: l.headers, body: oneChunk(l.body) };
    }
    if (outcome.class === "cancelled" && deps.closing() && !input.signal.aborted) throw new ShuttingDownError();
    const api = outcome.class === "cancelled" ? cancelledApi() : outcomeToApiError(explain(outcome, input.route), res.ok ? null : res.retryAt, now());
    await writeRow(input, at, { lane: null, status: api.status, error: api.code });
    return { kind: "error", error: api };
  }

  async function attempt(lane: string, input: PassInput, signal: AbortSignal, at: Attempting): Promise<AttemptResult<true>> {
    const entry = book.get(lane);
    const release = await takeSlot(entry.slots, signal, now, at);
    if (!release) return { outcome: cancelledOutcome() };
    at.last = null;
    let res: ForwardResult;
    try {
      res = await entry.adapter.forward!(
        { method: input.method, path: input.path, headers: input.headers, body: input.body ? (input.body.whole() ?? input.body.open()) : null, contentLength: input.contentLength, requestId: input.requestId },
        { signal },
      );
    } catch (err) {
      release();
      throw err;
    }
    // The client's body failing (too large, the client gone) is no lane's fault: stop here.
    if (input.body?.error) {
      release();
      if (res.ok) res.response.cancel();
      throw input.body.error;
    }
    if (res.ok) {
      // The lane's slot is held until the answer has gone out.
      at.served = { lane, release, response: res.response };
      return { outcome: { class: "ok", code: "ok", message: "" }, result: true };
    }
    release();
    if (res.response) at.last = { lane, ...res.response };
    return { outcome: toOutcome(res.error) };
  }

  /** The served answer, passed on chunk by chunk; the row is written once it ended either way. */
  function streamed(input: PassInput, at: Attempting, end: () => void): PassBody {
    const served = at.served!;
    const it = served.response.body[Symbol.asyncIterator]();
    const firstByteAt = now();
    const textual = /json|text|event-stream/i.test(served.response.headers["content-type"] ?? "");
    const tail = textual ? new Tail() : null;
    let done = false;
    const close = (status: "ok" | "error" | "cancelled", code: string | null): Promise<void> => {
      if (done) return Promise.resolve();
      done = true;
      served.release();
      const seen = tail ? usageFromTail(tail.text()) : { usage: null, model: null };
      const httpStatus = status === "cancelled" ? CLIENT_CLOSED : served.response.status;
      const written = writeRow(input, at, { lane: served.lane, status: httpStatus, error: code, rowStatus: status, firstByteAt, usage: seen.usage, model: seen.model });
      end();
      return written;
    };
    return {
      async read() {
        if (done) return null;
        let r: IteratorResult<Buffer>;
        try {
          r = await it.next();
        } catch (err) {
          await close(input.signal.aborted ? "cancelled" : "error", input.signal.aborted ? "cancelled" : ((err as { event?: { code?: string } }).event?.code ?? "stream_incomplete"));
          throw err;
        }
        if (r.done) {
          // The row is committed before the client sees the end of the answer.
          await close("ok", null);
          return null;
        }
        tail?.push(r.value);
        return r.value;
      },
      async cancel() {
        if (done) return;
        served.response.cancel();
        await it.return?.().catch(() => undefined);
        await close("cancelled", "cancelled");
      },
    };
  }

  interface RowEnd {
    lane: string | null;
    status: number;
    error: string | null;
    rowStatus?: "ok" | "error" | "cancelled";
    firstByteAt?: number;
    usage?: Usage | null;
    model?: string | null;
  }

  function writeRow(input: PassInput, at: Attempting, e: RowEnd): Promise<void> {
    const t = now();
    const fromForm = input.body && /multipart\/form-data/i.test(input.headers["content-type"] ?? "") ? modelFromForm(input.body.head) : null;
    const model = input.model ?? fromForm ?? e.model ?? "";
    const usage = e.usage ?? null;
    const cost = usage && e.lane ? apiCostUsd(model, usage, config.prices) : 0;
    if (cost > 0 && e.lane) book.addSpend(e.lane, cost, t);
    const status = e.rowStatus ?? (e.status === CLIENT_CLOSED ? "cancelled" : e.status >= 200 && e.status < 300 ? "ok" : "error");
    const row: NewRequestRow = {
      id: input.requestId,
      createdAt: input.receivedAt,
      keyName: input.keyName,
      model,
      stream: input.stream,
      endpoint: input.route,
      lane: e.lane,
      attempts: at.attempts,
      status,
      httpStatus: e.status,
      errorCode: status === "ok" ? null : e.error,
      queueMs: Math.round(at.queueMs),
      latencyMs: Math.max(0, t - input.receivedAt),
      firstByteMs: e.firstByteAt !== undefined ? e.firstByteAt - input.receivedAt : status === "cancelled" ? null : Math.max(0, t - input.receivedAt),
      inputTokens: usage?.input_tokens ?? 0,
      cachedInputTokens: usage?.cached_input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      reasoningTokens: usage?.reasoning_tokens ?? 0,
      apiCostUsd: cost,
    };
    log.info(input.route, {
      requestId: row.id,
      key: row.keyName,
      method: input.method,
      lane: row.lane,
      status: row.status,
      httpStatus: row.httpStatus,
      errorCode: row.errorCode ?? null,
      attempts: row.attempts.length,
      queueMs: row.queueMs,
      latencyMs: row.latencyMs,
    });
    return deps.queueRow(row);
  }

  /**
   * The lane core speaks of models; here the "model" is the route. Lanes it skipped as disabled
   * (no key, or past the spend cap) are named with their fix.
   */
  function explain(outcome: Outcome, route: string): Outcome {
    const stuck = outcome.code === "unknown_model" || outcome.code === "all_lanes_exhausted" || outcome.class === "unauthorized";
    if (!stuck) return outcome;
    const names = new Set(passLanes(config.lanes, { route }).map((l) => l.name));
    const views = book.views(now()).filter((v) => names.has(v.name));
    const keyless = views.filter((v) => v.code === "no_api_key");
    if (keyless.length > 0) {
      const parts = keyless.map((v) => `lane '${v.name}' needs an API key: run \`${v.fix}\``);
      return { class: "unauthorized", code: "needs_api_key", message: `No API-key lane can pass "${route}" through until it has a key: ${parts.join("; ")}.` };
    }
    if (outcome.code === "unknown_model") {
      return { class: "usage_limit", code: "all_lanes_exhausted", message: `Every API-key lane that may pass "${route}" through is disabled (monthly spend cap reached); see \`codex-lanes lanes\`.` };
    }
    return outcome;
  }

  function errorOf(err: unknown, input: PassInput): ApiError {
    if (input.signal.aborted) return cancelledApi();
    if (err instanceof LanesFailedError && err.outcome.class === "cancelled") return cancelledApi();
    const api = toApiError(err, now());
    if (api.code === "internal_error") log.error("pass-through failed inside the gateway", { requestId: input.requestId, err });
    return api;
  }
}

/** The API-key lanes that may take this route, in fallback order; a NoPassLaneError naming the fix when there are none. */
export function passLanes(lanes: readonly LaneConfig[], input: Pick<PassInput, "route"> & Partial<Pick<PassInput, "method" | "path">>): OpenAILaneConfig[] {
  const keyed = lanes.filter((l): l is OpenAILaneConfig => l.type === "openai");
  const allowed = keyed.filter((l) => allows(l.routes, input.route));
  if (allowed.length > 0) return allowed;
  const what = input.method && input.path ? `${input.method} /v1${input.path.split("?")[0]}` : `"${input.route}"`;
  if (keyed.length === 0) {
    throw new NoPassLaneError(
      `${what} is not served by the gateway itself; it is passed through to an API-key lane, and this gateway has none. ` +
        `Add a lane { "name": "api", "type": "openai" } (its key from OPENAI_API_KEY) to the config's "lanes", or call the OpenAI API directly for this route.`,
      "no_api_key_lane",
    );
  }
  const lists = keyed.map((l) => `'${l.name}' (${l.routes === "*" ? "*" : l.routes.join(", ")})`).join(", ");
  throw new NoPassLaneError(
    `No API-key lane may pass ${what} through (route "${input.route}"): the lanes' "routes" are ${lists}. ` +
      `Add "${input.route}" to a lane's "routes" in the config, or send this route to an upstream that serves it.`,
    "route_not_allowed",
  );
}

/** "*" allows everything; "audio" allows "audio.speech"; "embeddings" allows only itself. */
export function allows(routes: readonly string[] | "*", route: string): boolean {
  if (routes === "*") return true;
  return routes.some((r) => r === route || route.startsWith(`${r}.`));
}

function oneChunk(buf: Buffer): PassBody {
  let sent = false;
  return {
    read() {
      if (sent) return Promise.resolve(null);
      sent = true;
      return Promise.resolve(buf);
    },
    async cancel() {},
  };
}

function cancelledApi(): ApiError {
  return outcomeToApiError(cancelledOutcome(), null, 0);
}
