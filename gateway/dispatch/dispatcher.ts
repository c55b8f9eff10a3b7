// The dispatcher's wiring: the lane book, the row writer, status refreshes, shutdown, and the
// public API. The jobs live next door: chat-run.ts runs one chat completion across the lanes,
// turn.ts reads a lane's turn, row.ts builds the row, row-writer.ts commits it, stream.ts turns a
// run into the event stream a streamed response reads, pass.ts passes other routes through.

import { setTimeout as sleepTimer } from "node:timers/promises";
import type { Config } from "../config/types";
import { DEFAULT_POLICY, type LanePolicy } from "../lanes/types";
import type { Logger } from "../log";
import type { NewRequestRow, Store } from "../store";
import type { LaneAdapter } from "../chat/lane-adapter";
import { LaneBook } from "./book";
import { runChat, type InProgress, type RunContext } from "./chat-run";
import { createPass, type PassInput, type PassOutcome } from "./pass";
import { rejectedRow } from "./row";
import { RowWriter } from "./row-writer";
import { streamRun, type EventStream } from "./stream";
import type { Sink } from "./turn";
import type { Completion, DispatchInput, RejectedInput } from "./types";
import type { LaneView } from "./views";

export type { Completion, DispatchEvent, DispatchInput, FinishReason, RejectedInput } from "./types";
export type { EventStream } from "./stream";

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
  stream(input: DispatchInput): EventStream;
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

const STATUS_MAX_AGE_MS = 15_000;

/** A buffered answer's run streams nowhere (one object for all, not three closures per request). */
const NO_SINK: Sink = { start() {}, delta() {}, toolCall() {} };
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
  const inProgress = new Set<InProgress>();
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

  const ctx: RunContext = { config, book, policy, rows, log, now, sleep, random, inProgress, closing: () => closing, catalogsRead };
  const run = (input: DispatchInput, streaming: boolean, sink: Sink) => runChat(ctx, input, streaming, sink);

  async function shutdown(graceMs: number): Promise<void> {
    closing = true;
    const all = () => Promise.allSettled([...inProgress].map((h) => h.done));
    const timer = sleepTimer(graceMs, "timeout" as const, { ref: false });
    if ((await Promise.race([all().then(() => "done" as const), timer])) === "timeout") {
      for (const h of inProgress) h.abort();
      await all();
    }
    rows.close();
    book.close();
  }

  return {
    stream: (input) => streamRun(input, (signal, sink) => run({ ...input, signal }, true, sink)),
    async complete(input) {
      const end = await run(input, false, NO_SINK);
      if (end.ok) return end.completion;
      throw end.error;
    },
    logRejected: (r) => rows.write(rejectedRow(r, now())),
    pass: createPass(ctx),
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
