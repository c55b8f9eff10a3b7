// One chat completion's run across the lanes: registered for shutdown, the failover run (runLanes
// from the lane core), one lane's attempt (its slot, then its turn), and exactly one request-log row
// whatever happens. createDispatcher (dispatcher.ts) wires it; turn.ts reads a lane's turn.

import { createHash } from "node:crypto";
import type { ChatRequest } from "../chat/types";
import { apiCostUsd } from "../config/prices";
import type { Config } from "../config/types";
import { outcomeToApiError, toApiError } from "../errors/api-error";
import { runLanes, type AttemptResult } from "../lanes/run";
import { cancelledOutcome, type LanePolicy, type Outcome } from "../lanes/types";
import type { Logger } from "../log";
import type { NewRequestRow } from "../store";
import { linkedAbort } from "../async/abort";
import type { LaneBook } from "./book";
import { LanesFailedError, ShuttingDownError } from "./errors";
import { chatRow, rowLogFields } from "./row";
import type { RowWriter } from "./row-writer";
import { takeSlot } from "./slots";
import { consumeTurn, type Answer, type Sink } from "./turn";
import type { DispatchInput, RunEnd, Track } from "./types";

/** A request in progress, as a shutdown sees it: it can be cancelled, and waited for. */
export interface InProgress {
  abort(): void;
  done: Promise<unknown>;
}

/** What every run shares: the dispatcher's parts and its state. */
export interface RunContext {
  config: Config;
  book: LaneBook;
  policy: LanePolicy;
  rows: RowWriter;
  log: Logger;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  inProgress: Set<InProgress>;
  closing: () => boolean;
  /** Waits (bounded) for the first catalog reads right after start-up. */
  catalogsRead: (signal?: AbortSignal) => Promise<void>;
}

const NO_USAGE = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };

/** One request from start to its committed row; a shutdown can cancel it meanwhile. */
export async function runChat(ctx: RunContext, input: DispatchInput, streaming: boolean, sink: Sink): Promise<RunEnd> {
  const ctl = linkedAbort(input.signal);
  const track: Track = { queueMs: 0, firstByteAt: null, committedLane: null, attempts: [] };
  const work = failover(ctx, input, streaming, sink, track, ctl.signal).catch((err: unknown) => fail(ctx, input, err));
  // Method shorthand here and below: under tsx (esbuild's keepNames) every named arrow costs a
  // property definition, ~1-2 µs, each time it is made, and these are made per request.
  const handle = {
    abort() {
      ctl.abort(new ShuttingDownError());
    },
    done: work,
  };
  ctx.inProgress.add(handle);
  let end: RunEnd;
  try {
    end = await work;
  } finally {
    ctx.inProgress.delete(handle);
    ctl.dispose();
  }
  await writeRow(ctx, input, streaming, end, track);
  return end;
}

async function failover(ctx: RunContext, input: DispatchInput, streaming: boolean, sink: Sink, track: Track, signal: AbortSignal): Promise<RunEnd> {
  const { book, now } = ctx;
  if (ctx.closing()) return fail(ctx, input, new ShuttingDownError());
  await ctx.catalogsRead(signal);
  const req = withCaller(input);
  const res = await runLanes<Answer>({
    specs: book.specs(now()),
    model: input.req.model,
    policy: ctx.policy,
    now,
    sleep: ctx.sleep,
    random: ctx.random,
    signal,
    getRecord(n) {
      return book.record(n);
    },
    setRecord(r) {
      book.setRecord(r);
    },
    attempt(lane) {
      return attempt(ctx, lane, req, signal, streaming, sink, track);
    },
  });
  track.attempts = res.attempts;
  if (res.ok) {
    if (streaming && track.committedLane === null) commit(ctx, res.lane, sink, track);
    const { text, toolCalls, finishReason, usage, body } = res.result;
    return { ok: true, completion: { lane: res.lane, text, toolCalls, finishReason, usage: usage ?? NO_USAGE, ...(body ? { body } : {}) } };
  }
  if (res.outcome.class === "cancelled" && ctx.closing() && !input.signal.aborted) return fail(ctx, input, new ShuttingDownError());
  return fail(ctx, input, new LanesFailedError(explain(ctx, res.outcome, input.req.model), res.retryAt, res.attempts));
}

function fail(ctx: RunContext, input: DispatchInput, err: unknown): RunEnd {
  const cancelled = err instanceof LanesFailedError && err.outcome.class === "cancelled";
  const api = cancelled ? outcomeToApiError(cancelledOutcome(), null, ctx.now()) : toApiError(err, ctx.now());
  if (api.code === "internal_error") ctx.log.error("request failed inside the gateway", { requestId: input.requestId, err });
  return { ok: false, error: err, api };
}

/** The request as lanes get it: with its caller, so one key's threads never continue another key's turn. */
function withCaller(input: DispatchInput): ChatRequest {
  if (input.keyName === null) return input.req;
  // Not `{ ...req, caller }`: on Node 20 a property added after a spread is slow (see row.ts).
  return Object.assign({}, input.req, { caller: callerOf(input.keyName) });
}

/** Gateway keys are few and each sends many requests: a key's caller is hashed once, not per request. */
const callers = new Map<string, string>();
const CALLERS_MAX = 1_000;

function callerOf(keyName: string): string {
  let caller = callers.get(keyName);
  if (caller === undefined) {
    caller = createHash("sha256").update(`codex-lanes caller\n${keyName}`).digest("hex").slice(0, 32);
    if (callers.size >= CALLERS_MAX) callers.clear();
    callers.set(keyName, caller);
  }
  return caller;
}

/** One lane: wait for its slot, then read its turn; the slot is free again when the turn ends. */
async function attempt(ctx: RunContext, lane: string, req: ChatRequest, signal: AbortSignal, streaming: boolean, sink: Sink, track: Track): Promise<AttemptResult<Answer>> {
  const entry = ctx.book.get(lane);
  const release = await takeSlot(entry.slots, signal, ctx.now, track);
  if (!release) return { outcome: cancelledOutcome() };
  const started = ctx.now();
  try {
    const res = await consumeTurn({
      adapter: entry.adapter,
      lane,
      req,
      signal,
      streaming,
      sink,
      committed() {
        return track.committedLane === lane;
      },
      commit() {
        commit(ctx, lane, sink, track);
      },
      onRateLimits(snapshot) {
        ctx.book.onRateLimits(lane, snapshot);
      },
      log: ctx.log,
    });
    track.attempts.push({ lane, outcome: res.outcome.class, code: res.outcome.class === "ok" ? null : res.outcome.code, ms: ctx.now() - started, ...(res.thread ? { thread: res.thread } : {}) });
    return res;
  } finally {
    release();
  }
}

function commit(ctx: RunContext, lane: string, sink: Sink, track: Track): void {
  track.committedLane = lane;
  track.firstByteAt = ctx.now();
  sink.start(lane);
}

/** The lane core's message names lanes; ours also says how to fix each one. */
function explain(ctx: RunContext, outcome: Outcome, model: string): Outcome {
  if (outcome.code !== "needs_login") return outcome;
  const views = ctx.book.views(ctx.now()).filter((v) => v.state === "needs-login" || v.code === "no_api_key");
  if (views.length === 0) return outcome;
  const parts = views.map((v) => `lane '${v.name}' needs ${v.kind === "codex" ? "sign-in" : "an API key"}: run \`${v.fix}\``);
  return { ...outcome, message: `No lane can serve "${model}" until it is signed in: ${parts.join("; ")}.` };
}

function writeRow(ctx: RunContext, input: DispatchInput, streaming: boolean, end: RunEnd, track: Track): Promise<void> {
  const at = ctx.now();
  let costUsd = 0;
  if (end.ok) {
    costUsd = apiCostUsd(input.req.model, end.completion.usage, ctx.config.prices);
    ctx.book.addSpend(end.completion.lane, costUsd, at);
  }
  return queueRow(ctx, chatRow(input, streaming, end, track, { at, costUsd, bodies: ctx.config.log.bodies }));
}

/** Logs the request's line and queues its row; resolves once the row is committed. */
export function queueRow(ctx: Pick<RunContext, "log" | "rows">, row: NewRequestRow): Promise<void> {
  ctx.log.info(row.endpoint ?? "chat.completions", rowLogFields(row));
  return ctx.rows.write(row);
}
