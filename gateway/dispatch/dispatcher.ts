// Runs one chat completion across the lanes: per-lane queue, failover (runLanes from the lane core),
// the client's disconnect, and exactly one request-log row per request whatever happens.

import { setTimeout as sleepTimer } from "node:timers/promises";
import type { ChatRequest, FinishReason, ToolCall, TurnEvent, Usage } from "../chat/types";
import { apiCostUsd } from "../config/prices";
import type { Config } from "../config/types";
import { CLIENT_CLOSED, outcomeToApiError, toApiError, type ApiError } from "../errors/api-error";
import { runLanes, type AttemptResult } from "../lanes/run";
import { DEFAULT_POLICY, type AttemptRecord, type LanePolicy, type Outcome } from "../lanes/types";
import type { Logger } from "../log";
import { DuplicateRequestIdError, type NewRequestRow, type Store } from "../store";
import type { LaneAdapter } from "../chat/lane-adapter";
import { LaneBook } from "./book";
import { Channel } from "./channel";
import { LanesFailedError, ShuttingDownError } from "./errors";
import { createPass, type PassInput, type PassOutcome } from "./pass";
import { linkedAbort } from "./signals";
import { CancelledWhileQueuedError } from "./slots";
import type { LaneView } from "./views";

export interface DispatchInput {
  /** The x-request-id; also the request-log row's id. */
  requestId: string;
  keyName: string | null;
  req: ChatRequest;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** Epoch ms when the request arrived, for latency. */
  receivedAt: number;
}

export type { FinishReason } from "../chat/types";

export interface Completion {
  lane: string;
  text: string;
  /** Function calls the model asked for, in order (finishReason "tool_calls" when any). */
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  /** The lane's answer as it sent it, when it is already an OpenAI chat.completion (API-key lanes). */
  body?: Uint8Array;
}

/**
 * A streamed answer: first `start` (a lane is committed: send headers now) or `error` (nothing was
 * served; send an error response). After `start`: `delta`s, then `end` or `error`.
 */
export type DispatchEvent =
  | { type: "start"; lane: string }
  | { type: "delta"; text: string }
  | { type: "tool_call"; call: ToolCall; index: number }
  | { type: "end"; finishReason: FinishReason; usage: Usage }
  | { type: "error"; error: ApiError };

/** A request refused before dispatch (bad body, body too large): it still gets its row. */
export interface RejectedInput {
  requestId: string;
  keyName: string | null;
  model: string | null;
  stream: boolean;
  receivedAt: number;
  error: ApiError;
  /** Default chat.completions. */
  endpoint?: string;
}

export interface DispatcherDeps {
  config: Config;
  store: Store;
  adapters: ReadonlyMap<string, LaneAdapter>;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Called with every request-log row as it is queued (e.g. the /metrics counters). Must not throw. */
  onRow?: (row: NewRequestRow) => void;
}

export interface Dispatcher {
  stream(input: DispatchInput): AsyncIterable<DispatchEvent>;
  /** Resolves with the whole answer, or throws a typed error (LanesFailedError, QueueFullError, ShuttingDownError). */
  complete(input: DispatchInput): Promise<Completion>;
  logRejected(input: RejectedInput): void;
  /** Any other /v1 route, passed through to the API-key lanes (pass.ts). */
  pass(input: PassInput): Promise<PassOutcome>;
  /** Model ids the lanes are known to serve (configured lists and codex catalogs); waits briefly for the first catalog read. */
  models(): Promise<string[]>;
  /** Lane views with a lane status at most a few seconds old (reads it when older). */
  laneViews(): Promise<LaneView[]>;
  /** Lane views from what is known now, without asking any adapter (for /healthz). */
  laneViewsNow(): LaneView[];
  /** Re-reads every lane's status and, when stale or asked, its model catalog. */
  refresh(opts?: { catalogs?: boolean }): Promise<void>;
  /** Requests in progress. */
  active(): number;
  /** Writes request-log rows still waiting for their batch (readers in this process call it first). */
  flush(): void;
  /** Refuses new work, waits up to graceMs for requests in progress, then cancels the rest. */
  shutdown(graceMs: number): Promise<void>;
}

const NO_USAGE: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };
const STATUS_MAX_AGE_MS = 15_000;
/** Request-log rows are written at most this long after their request ended, or in batches of ROW_BATCH_MAX. */
const ROW_FLUSH_MS = 50;
const ROW_BATCH_MAX = 500;
/** How long /v1/models, and a request right after start-up, wait for the first catalog read. */
const FIRST_CATALOG_WAIT_MS = 5_000;

interface Answer {
  text: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage | null;
  body?: Uint8Array;
}

interface Sink {
  start(lane: string): void;
  delta(text: string): void;
  toolCall(call: ToolCall, index: number): void;
}

type RunEnd = { ok: true; completion: Completion } | { ok: false; error: unknown; api: ApiError };

/** Per-request bookkeeping for the log row. */
interface Track {
  queueMs: number;
  firstByteAt: number | null;
  committedLane: string | null;
  attempts: AttemptRecord[];
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { config, store, log } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => sleepTimer(ms, undefined, signal ? { signal } : undefined));
  const random = deps.random ?? Math.random;
  const policy: LanePolicy = { ...DEFAULT_POLICY, ...config.policy };
  const book = new LaneBook(config, store, deps.adapters, policy, log, now);
  const inProgress = new Set<{ abort(): void; done: Promise<unknown> }>();
  let closing = false;
  let statusAt = 0;
  let statusRefresh: Promise<void> | null = null;

  const refresh = (opts: { catalogs?: boolean } = {}): Promise<void> => {
    if (!statusRefresh) {
      statusRefresh = book.refresh(opts).finally(() => {
        statusAt = now();
        statusRefresh = null;
      });
    }
    return statusRefresh;
  };
  // Catalogs and sign-in states are read once at start, without holding up the first requests.
  const firstRefresh = refresh({ catalogs: true }).catch((err: unknown) => log.warn("initial lane refresh failed", { err }));

  /**
   * Right after start-up, until each codex lane has tried to read its catalog (bounded), so that no
   * lane is given a model it may not serve and an unknown model is a 404 from the first request on.
   */
  async function catalogsRead(signal?: AbortSignal): Promise<void> {
    if (!book.catalogPending()) return;
    const bound = sleepTimer(FIRST_CATALOG_WAIT_MS, undefined, { ref: false, ...(signal ? { signal } : {}) }).catch(() => {});
    await Promise.race([firstRefresh, bound]);
  }

  async function models(): Promise<string[]> {
    await catalogsRead();
    return book.listedModels();
  }

  async function run(input: DispatchInput, streaming: boolean, sink: Sink): Promise<RunEnd> {
    const ctl = linkedAbort(input.signal);
    const signal = ctl.signal;
    const track: Track = { queueMs: 0, firstByteAt: null, committedLane: null, attempts: [] };
    let end: RunEnd;
    const work = (async (): Promise<RunEnd> => {
      if (closing) return fail(new ShuttingDownError());
      try {
        await catalogsRead(signal);
        const res = await runLanes<Answer>({
          specs: book.specs(now()),
          model: input.req.model,
          policy,
          now,
          sleep,
          random,
          signal,
          getRecord: (n) => book.record(n),
          setRecord: (r) => book.setRecord(r),
          attempt: (lane) => attempt(lane, input.req, signal, streaming, sink, track),
        });
        track.attempts = res.attempts;
        if (res.ok) {
          if (streaming && track.committedLane === null) commit(res.lane, sink, track);
          const { text, toolCalls, finishReason, usage, body } = res.result;
          return { ok: true, completion: { lane: res.lane, text, toolCalls, finishReason, usage: usage ?? NO_USAGE, ...(body ? { body } : {}) } };
        }
        if (res.outcome.class === "cancelled" && closing && !input.signal.aborted) return fail(new ShuttingDownError());
        return fail(new LanesFailedError(explain(res.outcome, input.req.model), res.retryAt, res.attempts));
      } catch (err) {
        return fail(err);
      }
    })();
    const handle = { abort: () => ctl.abort(new ShuttingDownError()), done: work };
    inProgress.add(handle);
    try {
      end = await work;
    } finally {
      inProgress.delete(handle);
      ctl.dispose();
    }
    writeRow(input, streaming, end, track);
    return end;

    function fail(err: unknown): RunEnd {
      const api = err instanceof LanesFailedError && err.outcome.class === "cancelled" ? cancelledApi() : toApiError(err, now());
      if (api.code === "internal_error") log.error("request failed inside the gateway", { requestId: input.requestId, err });
      return { ok: false, error: err, api };
    }
  }

  async function attempt(lane: string, req: ChatRequest, signal: AbortSignal, streaming: boolean, sink: Sink, track: Track): Promise<AttemptResult<Answer>> {
    const entry = book.get(lane);
    const queuedAt = now();
    let release: () => void;
    try {
      release = await entry.slots.acquire(signal);
    } catch (err) {
      track.queueMs += now() - queuedAt;
      if (err instanceof CancelledWhileQueuedError) return { outcome: cancelledOutcome() };
      throw err;
    }
    track.queueMs += now() - queuedAt;
    const started = now();
    try {
      const res = await consumeTurn(entry.adapter, lane, req, signal, streaming, sink, track);
      track.attempts.push({ lane, outcome: res.outcome.class, code: res.outcome.class === "ok" ? null : res.outcome.code, ms: now() - started });
      return res;
    } finally {
      release();
    }
  }

  async function consumeTurn(
    adapter: LaneAdapter,
    lane: string,
    req: ChatRequest,
    signal: AbortSignal,
    streaming: boolean,
    sink: Sink,
    track: Track,
  ): Promise<AttemptResult<Answer>> {
    let text = "";
    const toolCalls: ToolCall[] = [];
    // parallel_tool_calls: false promises at most one call; lanes that cannot hold the model to it
    // (Codex always allows parallel calls) answer with the first.
    const maxCalls = req.parallelToolCalls === false ? 1 : Infinity;
    let seenCalls = 0;
    let message: Extract<TurnEvent, { type: "message" }> | null = null;
    let usage: Usage | null = null;
    const committed = () => track.committedLane === lane;
    // Only a streamed answer commits: a buffered one can still fail over after partial output.
    const send = (t: string) => {
      if (!streaming || t === "") return;
      if (!committed()) commit(lane, sink, track);
      sink.delta(t);
    };
    try {
      for await (const ev of adapter.turn(req, { signal })) {
        if (ev.type === "rate_limits") book.onRateLimits(lane, ev.rateLimits);
        else if (ev.type === "delta") {
          text += ev.text;
          send(ev.text);
        } else if (ev.type === "message") {
          message = ev;
          // Lanes that do not stream deltas give the whole text here; send what the client lacks.
          send(ev.text.startsWith(text) ? ev.text.slice(text.length) : text === "" ? ev.text : "");
        } else if (ev.type === "tool_call") {
          seenCalls++;
          if (toolCalls.length >= maxCalls) continue;
          toolCalls.push(ev.call);
          if (streaming) {
            if (!committed()) commit(lane, sink, track);
            sink.toolCall(ev.call, toolCalls.length - 1);
          }
        } else if (ev.type === "usage") usage = ev.usage;
        else if (ev.type === "error") {
          if (signal.aborted) return { outcome: cancelledOutcome(), committed: committed() };
          return { outcome: toOutcome(ev), committed: committed() };
        }
      }
    } catch (err) {
      if (signal.aborted) return { outcome: cancelledOutcome(), committed: committed() };
      log.error("lane adapter threw instead of ending its turn with an error event", { lane, err });
      return { outcome: { class: "transient", code: "adapter_error", message: `Lane '${lane}' failed unexpectedly.` }, committed: committed() };
    }
    if (signal.aborted) return { outcome: cancelledOutcome(), committed: committed() };
    if (!message) {
      return { outcome: { class: "transient", code: "incomplete_turn", message: `Lane '${lane}' ended the turn without an answer.` }, committed: committed() };
    }
    return {
      outcome: { class: "ok", code: "ok", message: "" },
      result: {
        text: message.text,
        toolCalls,
        finishReason: toolCalls.length > 0 ? "tool_calls" : message.finishReason ?? "stop",
        usage,
        // The bytes as the lane sent them stand only when nothing was left out (parallel_tool_calls: false).
        ...(message.body && toolCalls.length === seenCalls ? { body: message.body } : {}),
      },
      committed: committed(),
    };
  }

  function commit(lane: string, sink: Sink, track: Track): void {
    track.committedLane = lane;
    track.firstByteAt = now();
    sink.start(lane);
  }

  /** The lane core's message names lanes; ours also says how to fix each one. */
  function explain(outcome: Outcome, model: string): Outcome {
    if (outcome.code !== "needs_login") return outcome;
    const views = book.views(now()).filter((v) => v.state === "needs-login" || v.code === "no_api_key");
    if (views.length === 0) return outcome;
    const parts = views.map((v) => `lane '${v.name}' needs ${v.kind === "codex" ? "sign-in" : "an API key"}: run \`${v.fix}\``);
    return { ...outcome, message: `No lane can serve "${model}" until it is signed in: ${parts.join("; ")}.` };
  }

  function writeRow(input: DispatchInput, streaming: boolean, end: RunEnd, track: Track): void {
    const t = now();
    const base = {
      id: input.requestId,
      createdAt: input.receivedAt,
      keyName: input.keyName,
      model: input.req.model,
      stream: streaming,
      attempts: track.attempts,
      queueMs: Math.round(track.queueMs),
      latencyMs: Math.max(0, t - input.receivedAt),
      requestBody: config.log.bodies ? JSON.stringify(input.req.raw ?? input.req) : null,
      endpoint: input.req.endpoint ?? "chat.completions",
    };
    let row: NewRequestRow;
    if (end.ok) {
      const u = end.completion.usage;
      const cost = apiCostUsd(input.req.model, u, config.prices);
      book.addSpend(end.completion.lane, cost, t);
      row = {
        ...base,
        lane: end.completion.lane,
        status: "ok",
        httpStatus: 200,
        firstByteMs: (track.firstByteAt ?? t) - input.receivedAt,
        inputTokens: u.input_tokens,
        cachedInputTokens: u.cached_input_tokens,
        outputTokens: u.output_tokens,
        reasoningTokens: u.reasoning_tokens,
        apiCostUsd: cost,
        toolCalls: end.completion.toolCalls.length,
        responseBody: config.log.bodies ? bodyOf(end.completion) : null,
      };
    } else {
      const cancelled = end.api.status === CLIENT_CLOSED;
      row = {
        ...base,
        lane: track.committedLane,
        status: cancelled ? "cancelled" : "error",
        httpStatus: end.api.status,
        errorCode: end.api.code,
        firstByteMs: track.firstByteAt !== null ? track.firstByteAt - input.receivedAt : cancelled ? null : base.latencyMs,
      };
    }
    queueRow(row);
    log.info(row.endpoint ?? "chat.completions", {
      requestId: row.id,
      key: row.keyName,
      model: row.model,
      stream: row.stream,
      lane: row.lane,
      status: row.status,
      httpStatus: row.httpStatus,
      errorCode: row.errorCode ?? null,
      attempts: row.attempts.length,
      toolCalls: row.toolCalls ?? 0,
      queueMs: row.queueMs,
      latencyMs: row.latencyMs,
    });
  }

  // Rows are written in batches shortly after their responses went out: one transaction per batch
  // instead of one per request, and no disk write on any response's path. Readers in this process
  // (admin routes, tests) and shutdown flush first; a crash can lose the last batch.
  let pendingRows: NewRequestRow[] = [];
  let flushTimer: NodeJS.Timeout | null = null;

  function queueRow(row: NewRequestRow): void {
    try {
      deps.onRow?.(row);
    } catch (err) {
      log.error("request-log row hook failed", { requestId: row.id, err });
    }
    pendingRows.push(row);
    if (pendingRows.length >= ROW_BATCH_MAX) flushRows();
    else if (!flushTimer) {
      flushTimer = setTimeout(flushRows, ROW_FLUSH_MS);
      flushTimer.unref();
    }
  }

  function flushRows(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const rows = pendingRows;
    pendingRows = [];
    if (rows.length === 0) return;
    try {
      store.transaction(() => {
        for (const { row, error } of store.requests.insertMany(rows)) insertFailed(row, error);
      });
    } catch (err) {
      log.error("could not write request-log rows", { rows: rows.length, err });
    }
  }

  function insertFailed(row: NewRequestRow, error: unknown): void {
    let err = error;
    if (err instanceof DuplicateRequestIdError) {
      // A client reused its x-request-id: keep both rows, the second under a suffixed id.
      try {
        store.requests.insert({ ...row, id: `${row.id}.${Math.random().toString(36).slice(2, 8)}` });
        return;
      } catch (err2) {
        err = err2;
      }
    }
    log.error("could not write the request-log row", { requestId: row.id, err });
  }

  function stream(input: DispatchInput): AsyncIterable<DispatchEvent> {
    const ch = new Channel<DispatchEvent>();
    const stop = linkedAbort(input.signal);
    const signal = stop.signal;
    const sink: Sink = {
      start: (lane) => ch.push({ type: "start", lane }),
      delta: (text) => ch.push({ type: "delta", text }),
      toolCall: (call, index) => ch.push({ type: "tool_call", call, index }),
    };
    let ended = false;
    const done = run({ ...input, signal }, true, sink).then((end) => {
      ended = true;
      ch.push(end.ok ? { type: "end", finishReason: end.completion.finishReason, usage: end.completion.usage } : { type: "error", error: end.api });
      ch.close();
    });
    return (async function* () {
      try {
        yield* ch;
      } finally {
        // Only a consumer that stopped early (the client went away) has a turn to end; aborting a
        // finished one would build an AbortError and run its listeners for nothing.
        if (!ended) stop.abort();
        await done;
        stop.dispose();
      }
    })();
  }

  async function complete(input: DispatchInput): Promise<Completion> {
    const end = await run(input, false, { start: () => {}, delta: () => {}, toolCall: () => {} });
    if (end.ok) return end.completion;
    throw end.error;
  }

  function logRejected(r: RejectedInput): void {
    const t = now();
    queueRow({
      id: r.requestId,
      createdAt: r.receivedAt,
      keyName: r.keyName,
      model: r.model ?? "",
      stream: r.stream,
      endpoint: r.endpoint,
      lane: null,
      attempts: [],
      status: r.error.status === CLIENT_CLOSED ? "cancelled" : "error",
      httpStatus: r.error.status,
      errorCode: r.error.code,
      queueMs: 0,
      latencyMs: Math.max(0, t - r.receivedAt),
      firstByteMs: Math.max(0, t - r.receivedAt),
    });
  }

  async function laneViews(): Promise<LaneView[]> {
    if (now() - statusAt > STATUS_MAX_AGE_MS) await refresh();
    return book.views(now());
  }

  async function shutdown(graceMs: number): Promise<void> {
    closing = true;
    const all = () => Promise.allSettled([...inProgress].map((h) => h.done));
    const timer = sleepTimer(graceMs, "timeout" as const, { ref: false });
    if ((await Promise.race([all().then(() => "done" as const), timer])) === "timeout") {
      for (const h of inProgress) h.abort();
      await all();
    }
    flushRows();
    book.close();
  }

  const pass = createPass({ config, book, policy, log, now, sleep, random, queueRow, inProgress, closing: () => closing });

  return {
    stream,
    complete,
    logRejected,
    pass,
    models,
    laneViews,
    laneViewsNow: () => book.views(now()),
    refresh,
    active: () => inProgress.size,
    flush: flushRows,
    shutdown,
  };
}

/** The answer as the log keeps it: the text alone, or text and calls when the model called tools. */
function bodyOf(c: Completion): string {
  return c.toolCalls.length === 0 ? c.text : JSON.stringify({ content: c.text, tool_calls: c.toolCalls });
}

function toOutcome(ev: Extract<TurnEvent, { type: "error" }>): Outcome {
  const o: Outcome = { class: ev.class, code: ev.code, message: ev.message };
  if (ev.resetsAt !== undefined) o.resetsAt = ev.resetsAt;
  if (ev.retryAfterMs !== undefined) o.retryAfterMs = ev.retryAfterMs;
  if (ev.status !== undefined) o.status = ev.status;
  if (ev.opensCircuit) o.opensCircuit = true;
  return o;
}

function cancelledOutcome(): Outcome {
  return { class: "cancelled", code: "cancelled", message: "The client went away." };
}

function cancelledApi(): ApiError {
  return { status: CLIENT_CLOSED, type: "invalid_request_error", code: "cancelled", message: "The client went away.", param: null };
}

