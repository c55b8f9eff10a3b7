// Runs one chat completion across the lanes: per-lane queue, failover (runLanes from the lane core),
// the client's disconnect, and exactly one request-log row per request whatever happens. The jobs
// live next door: turn.ts reads a lane's turn, row.ts builds the row, row-writer.ts commits it,
// stream.ts turns a run into the event stream a streamed response reads.

import { setTimeout as sleepTimer } from "node:timers/promises";
import { apiCostUsd } from "../config/prices";
import type { Config } from "../config/types";
import { outcomeToApiError, toApiError } from "../errors/api-error";
import { runLanes, type AttemptResult } from "../lanes/run";
import { cancelledOutcome, DEFAULT_POLICY, type LanePolicy, type Outcome } from "../lanes/types";
import type { Logger } from "../log";
import type { NewRequestRow, Store } from "../store";
import type { LaneAdapter } from "../chat/lane-adapter";
import { LaneBook } from "./book";
import { LanesFailedError, ShuttingDownError } from "./errors";
import { createPass, type PassInput, type PassOutcome } from "./pass";
import { chatRow, rejectedRow, rowLogFields } from "./row";
import { RowWriter } from "./row-writer";
import { linkedAbort } from "../async/abort";
import { takeSlot } from "./slots";
import { streamRun } from "./stream";
import { consumeTurn, type Answer, type Sink } from "./turn";
import type { Completion, DispatchEvent, DispatchInput, RejectedInput, RunEnd, Track } from "./types";
import type { LaneView } from "./views";

export type { Completion, DispatchEvent, DispatchInput, FinishReason, RejectedInput } from "./types";

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
  /** Resolves once the row is committed, so the client's answer can follow it. */
  logRejected(input: RejectedInput): Promise<void>;
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

const NO_USAGE = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };
const STATUS_MAX_AGE_MS = 15_000;
/** How long /v1/models, and a request right after start-up, wait for the first catalog read. */
const FIRST_CATALOG_WAIT_MS = 5_000;

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { config, store, log } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => sleepTimer(ms, undefined, signal ? { signal } : undefined));
  const random = deps.random ?? Math.random;
  const policy: LanePolicy = { ...DEFAULT_POLICY, ...config.policy };
  const book = new LaneBook(config, store, deps.adapters, policy, log, now);
  const rows = new RowWriter({ store, log, random, ...(deps.onRow ? { onRow: deps.onRow } : {}) });
  const inProgress = new Set<{ abort(): void; done: Promise<unknown> }>();
  let closing = false;
  let statusAt = 0;
  let statusRefresh: Promise<void> | null = null;

  const refresh = (opts: { catalogs?: boolean } = {}): Promise<void> => {
    statusRefresh ??= book.refresh(opts).finally(() => {
      statusAt = now();
      statusRefresh = null;
    });
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

  async function run(input: DispatchInput, streaming: boolean, sink: Sink): Promise<RunEnd> {
    const ctl = linkedAbort(input.signal);
    const track: Track = { queueMs: 0, firstByteAt: null, committedLane: null, attempts: [] };
    const work = failover(input, streaming, sink, track, ctl.signal).catch((err: unknown) => fail(input, err));
    const handle = { abort: () => ctl.abort(new ShuttingDownError()), done: work };
    inProgress.add(handle);
    let end: RunEnd;
    try {
      end = await work;
    } finally {
      inProgress.delete(handle);
      ctl.dispose();
    }
    await writeRow(input, streaming, end, track);
    return end;
  }

  async function failover(input: DispatchInput, streaming: boolean, sink: Sink, track: Track, signal: AbortSignal): Promise<RunEnd> {
    if (closing) return fail(input, new ShuttingDownError());
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
      attempt: (lane) => attempt(lane, input, signal, streaming, sink, track),
    });
    track.attempts = res.attempts;
    if (res.ok) {
      if (streaming && track.committedLane === null) commit(res.lane, sink, track);
      const { text, toolCalls, finishReason, usage, body } = res.result;
      return { ok: true, completion: { lane: res.lane, text, toolCalls, finishReason, usage: usage ?? NO_USAGE, ...(body ? { body } : {}) } };
    }
    if (res.outcome.class === "cancelled" && closing && !input.signal.aborted) return fail(input, new ShuttingDownError());
    return fail(input, new LanesFailedError(explain(res.outcome, input.req.model), res.retryAt, res.attempts));
  }

  function fail(input: DispatchInput, err: unknown): RunEnd {
    const cancelled = err instanceof LanesFailedError && err.outcome.class === "cancelled";
    const api = cancelled ? outcomeToApiError(cancelledOutcome(), null, now()) : toApiError(err, now());
    if (api.code === "internal_error") log.error("request failed inside the gateway", { requestId: input.requestId, err });
    return { ok: false, error: err, api };
  }

  async function attempt(lane: string, input: DispatchInput, signal: AbortSignal, streaming: boolean, sink: Sink, track: Track): Promise<AttemptResult<Answer>> {
    const entry = book.get(lane);
    const release = await takeSlot(entry.slots, signal, now, track);
    if (!release) return { outcome: cancelledOutcome() };
    const started = now();
    try {
      const res = await consumeTurn({
        adapter: entry.adapter,
        lane,
        req: input.req,
        signal,
        streaming,
        sink,
        committed: () => track.committedLane === lane,
        commit: () => commit(lane, sink, track),
        onRateLimits: (snapshot) => book.onRateLimits(lane, snapshot),
        log,
      });
      track.attempts.push({ lane, outcome: res.outcome.class, code: res.outcome.class === "ok" ? null : res.outcome.code, ms: now() - started });
      return res;
    } finally {
      release();
    }
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

  function writeRow(input: DispatchInput, streaming: boolean, end: RunEnd, track: Track): Promise<void> {
    const at = now();
    let costUsd = 0;
    if (end.ok) {
      costUsd = apiCostUsd(input.req.model, end.completion.usage, config.prices);
      book.addSpend(end.completion.lane, costUsd, at);
    }
    return queueRow(chatRow(input, streaming, end, track, { at, costUsd, bodies: config.log.bodies }));
  }

  function queueRow(row: NewRequestRow): Promise<void> {
    log.info(row.endpoint ?? "chat.completions", rowLogFields(row));
    return rows.write(row);
  }

  async function shutdown(graceMs: number): Promise<void> {
    closing = true;
    const all = () => Promise.allSettled([...inProgress].map((h) => h.done));
    const timer = sleepTimer(graceMs, "timeout" as const, { ref: false });
    if ((await Promise.race([all().then(() => "done" as const), timer])) === "timeout") {
      for (const h of inProgress) h.abort();
      await all();
    }
    rows.flush();
    book.close();
  }

  return {
    stream: (input) => streamRun(input, (signal, sink) => run({ ...input, signal }, true, sink)),
    async complete(input) {
      const end = await run(input, false, { start: () => {}, delta: () => {}, toolCall: () => {} });
      if (end.ok) return end.completion;
      throw end.error;
    },
    logRejected: (r) => rows.write(rejectedRow(r, now())),
    pass: createPass({ config, book, policy, log, now, sleep, random, queueRow, inProgress, closing: () => closing }),
    async models() {
      await catalogsRead();
      return book.listedModels();
    },
    async laneViews() {
      if (now() - statusAt > STATUS_MAX_AGE_MS) await refresh();
      return book.views(now());
    },
    laneViewsNow: () => book.views(now()),
    refresh,
    active: () => inProgress.size,
    flush: () => rows.flush(),
    shutdown,
  };
}
