// The default engine: one long-lived `codex app-server` per account, many turns over JSON-RPC.
// A request gets a fresh ephemeral thread: history is injected as real items, the last user
// message starts the turn, text deltas stream back as they arrive. A turn that ends asking for
// client tools is held open for a short time (held-turns.ts); the follow-up with their results
// continues it. A thread whose turn ended with an answer is kept for a short time
// (kept-threads.ts); the request that continues that conversation starts its turn there.

import { mkdirSync } from "node:fs";
import type { ChatRequest, ToolCall, TurnEvent, TurnEvents, Usage } from "../chat/types";
import { cancelledOutcome, type RateLimitSnapshot, type RateLimitWindow } from "../lanes/types";
import { classifyCodexError } from "../lanes/classify";
import { codexBinary, codexVersion } from "./binary";
import { Channel, nextOrStop } from "../async/channel";
import { childEnv, configArgs } from "./hardening";
import { ImageError, laneDirs, writeTurnImages, type TurnFiles } from "./images";
import { DEFAULT_TOOL_HOLD_MS, fingerprint, HeldTurns } from "./held-turns";
import { DEFAULT_KEEP_MAX, DEFAULT_KEEP_MS, KeptThreads } from "./kept-threads";
import { historyItems, instructionsItem, planOrError, type TurnPlan } from "./mapping";
import type { JsonValue } from "./protocol/serde_json/JsonValue";
import type { CodexErrorInfo, RateLimitSnapshot as WireRateLimits, RateLimitWindow as WireWindow, ThreadStartParams, TokenUsageBreakdown, TurnError } from "./protocol/v2";
import { NO_REPLY, RpcAbortedError, RpcClient, RpcClosedError, RpcTimeoutError } from "./rpc";
import { ThreadPool, type Taken } from "./thread-pool";
import { asForcedCall, dynamicTools } from "./tools";
import type { AccountInfo, CodexEngine, EngineOptions, LoginHandle } from "./types";
import { responseItemsJson, type Notification } from "./wire";

/** What a turn waits on: its thread's notifications, and the engine's own signals. */
type ThreadSignal =
  | { kind: "notification"; note: Notification }
  | { kind: "closed"; reason: string }
  | { kind: "rate_limits"; snapshot: RateLimitSnapshot };

/** How long a hung app-server gets to answer turn/interrupt before it is replaced. */
const INTERRUPT_GRACE_MS = 5_000;
/** thread/start, thread/inject_items and turn/start each get this long: a server silent for longer is hung. */
const START_RPC_TIMEOUT_MS = 15_000;
/** Least time between two app-server starts, so a crash loop does not spin. */
const RESTART_DELAY_MS = 1_000;
const MODELS_TTL_MS = 5 * 60_000;
/** Threads started ahead of the requests like the last ones (thread-pool.ts), and how long one may wait. */
const READY_THREADS = 2;
const READY_MAX_IDLE_MS = 60_000;

const ZERO_USAGE: Usage = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 };

export class AppServerEngine implements CodexEngine {
  readonly kind = "app-server" as const;
  private client: RpcClient | null = null;
  private starting: Promise<RpcClient> | null = null;
  /** The app-server whose spare was started when it first read its windows (warmOnce). */
  private warmedClient: RpcClient | null = null;
  /** Turns in flight, by thread, with the app-server process they run on. */
  private readonly sinks = new Map<string, { sink: Channel<ThreadSignal>; client: RpcClient }>();
  private readonly listeners = new Set<(s: RateLimitSnapshot) => void>();
  /** Pending sign-ins, with the process each runs in: only that process's exit fails them. */
  private readonly logins = new Map<string, { client: RpcClient; resolve: (r: { success: boolean; error: string | null }) => void }>();
  private latest: RateLimitSnapshot | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private modelsCache: { at: number; ids: string[] } | null = null;
  private lastStartAt = 0;
  private closed = false;
  private readonly held: HeldTurns;
  private readonly pool: ThreadPool<RpcClient, ThreadStartParams>;
  private readonly kept: KeptThreads<RpcClient>;
  private readonly cwd: string;
  private readonly turnsDir: string;

  constructor(
    private readonly options: EngineOptions,
    private readonly now: () => number = Date.now,
  ) {
    ({ cwd: this.cwd, turnsDir: this.turnsDir } = laneDirs(options.workDir));
    this.held = new HeldTurns(options.toolHoldMs ?? DEFAULT_TOOL_HOLD_MS);
    this.pool = new ThreadPool({
      size: options.readyThreads ?? READY_THREADS,
      maxIdleMs: READY_MAX_IDLE_MS,
      now,
      start: async (client, params) => (await client.request("thread/start", params, { timeoutMs: START_RPC_TIMEOUT_MS })).thread.id,
      discard: (client, threadId) => this.unsubscribe(client, threadId),
    });
    this.kept = new KeptThreads({ keepMs: options.keepThreadMs ?? DEFAULT_KEEP_MS, max: DEFAULT_KEEP_MAX, release: (client, threadId) => this.unsubscribe(client, threadId) });
    // Codex refuses to start when CODEX_HOME does not exist (a fresh account before its first sign-in).
    mkdirSync(options.home, { recursive: true, mode: 0o700 });
  }

  async *turn(req: ChatRequest, opts: { signal: AbortSignal }): TurnEvents {
    const plan = planOrError(req);
    if ("type" in plan) return yield plan;
    const continued = this.held.enabled && !plan.input ? this.held.take(req) : null;
    if (continued) return yield* this.continued(continued.turn.threadId, continued.turn.turnId, continued.results, plan, req, opts);
    if (plan.forced) return yield* asForcedCall(this.planned(plan, req, opts, null), plan.forced);
    const kept = plan.input ? this.kept.take(req) : null;
    yield* this.planned(plan, req, opts, kept && !kept.client.isClosed ? kept : null);
  }

  /** A turn on a new (or ready) thread, or on the kept thread whose history is this request's conversation. */
  private async *planned(plan: TurnPlan, req: ChatRequest, { signal }: { signal: AbortSignal }, kept: { client: RpcClient; threadId: string } | null): TurnEvents {
    // The client's disconnect reaches every RPC of the turn, and so does the turn's deadline once the
    // model's turn runs. Neither says anything about the app-server, which other turns share: only an
    // RPC's own timeout does. Starting a turn has bounds of its own, so a slow start on a loaded
    // machine is neither taken for a hung model nor for a hung app-server.
    const deadline = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const stop = AbortSignal.any([signal, deadline.signal]);
    let files: TurnFiles | null = null;
    let client: RpcClient | null = null;
    let threadId: string | null = null;
    const state: TurnState = { held: false, answer: null };
    try {
      files = writeTurnImages(this.turnsDir, plan.input?.images ?? []);
      client = kept ? kept.client : await untilAborted(this.rpc(), signal);
      const c = client;
      const thread = kept ? { id: kept.threadId, use: "kept" as const } : await this.startThread(c, plan, signal);
      const t = thread.id;
      threadId = t;
      const sink = new Channel<ThreadSignal>();
      this.sinks.set(t, { sink, client: c });
      yield { type: "thread", thread: thread.use };
      const items = kept ? [] : [...(thread.use === "spare" ? [instructionsItem(plan.instructions)] : []), ...historyItems(plan.history)];
      if (items.length > 0) await c.request("thread/inject_items", { threadId: t, items: responseItemsJson(items) }, { timeoutMs: START_RPC_TIMEOUT_MS, signal });
      const started = await c.request(
        "turn/start",
        {
          threadId: t,
          // The spare may have been started for another model.
          ...(thread.use === "spare" ? { model: plan.model } : {}),
          // Empty input after injected tool results: the model carries on from them (reference §8.3).
          input: plan.input ? [{ type: "text", text: plan.input.text, text_elements: [] }, ...files.images.map((p) => ({ type: "localImage" as const, path: p }))] : [],
          ...(plan.effort ? { effort: plan.effort } : {}),
          ...(plan.outputSchema ? { outputSchema: plan.outputSchema as JsonValue } : {}),
        },
        // A turn that started after the client left is stopped as soon as its id is known.
        { timeoutMs: START_RPC_TIMEOUT_MS, signal, onLate: (r) => void this.interrupt(c, t, r.turn.id) },
      );
      const until = this.now() + this.options.turnTimeoutMs;
      timer = setTimeout(() => deadline.abort(), this.options.turnTimeoutMs);
      yield* this.follow(c, sink, t, started.turn.id, { stop, client: signal, until }, new Set(plan.tools.map((x) => x.name)), this.holdFor(plan, req, state), state);
    } catch (err) {
      yield this.failure(err, client);
    } finally {
      clearTimeout(timer);
      if (threadId) this.afterTurn(client!, threadId, plan.forced ? null : req, state);
      files?.cleanup();
    }
  }

  /** The held turn goes on: Codex's pending tool calls get the follow-up's results, the model carries on. */
  private async *continued(
    threadId: string,
    turnId: string,
    results: Map<string, string>,
    plan: TurnPlan,
    req: ChatRequest,
    { signal }: { signal: AbortSignal },
  ): TurnEvents {
    const t = this.sinks.get(threadId);
    if (!t || t.client.isClosed) return yield* this.planned(plan, req, { signal }, null); // its app-server is going away
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.options.turnTimeoutMs);
    const state: TurnState = { held: false, answer: null };
    try {
      yield { type: "thread", thread: "held" };
      this.held.answer(threadId, results);
      const bounds = { stop: AbortSignal.any([signal, deadline.signal]), client: signal, until: this.now() + this.options.turnTimeoutMs };
      yield* this.follow(t.client, t.sink, threadId, turnId, bounds, new Set(plan.tools.map((x) => x.name)), this.holdFor(plan, req, state), state);
    } catch (err) {
      yield this.failure(err, t.client);
    } finally {
      clearTimeout(timer);
      this.afterTurn(t.client, threadId, req, state);
    }
  }

  /**
   * A turn is over: a held thread waits for its tools' results; one that answered is kept for the
   * request continuing its conversation (`req` null: it may not be); any other is let go.
   */
  private afterTurn(client: RpcClient, threadId: string, req: ChatRequest | null, state: TurnState): void {
    if (state.held) return;
    if (req === null || state.answer === null || client.isClosed) return this.endThread(client, threadId);
    this.sinks.delete(threadId);
    this.held.forget(threadId);
    this.kept.keep(req, state.answer, client, threadId);
  }

  /** How `follow` may hold this turn open when it ends asking for tools; null when it must not. */
  private holdFor(plan: TurnPlan, req: ChatRequest, state: TurnState): HoldContext | null {
    // parallel_tool_calls:false hands over only the first call, so no follow-up can answer them all.
    if (!this.held.enabled || plan.tools.length === 0 || req.parallelToolCalls === false) return null;
    return { fingerprint: fingerprint(req), state };
  }

  /** The thread is done with: no more notifications, no unanswered calls. */
  private endThread(client: RpcClient, threadId: string): void {
    this.sinks.delete(threadId);
    this.held.forget(threadId);
    this.unsubscribe(client, threadId);
  }

  /**
   * A thread started ahead for a request like this one, or the spare, or a new one (each with its
   * handshake and warm-up already paid but the last). Client tools are fixed when a thread starts,
   * so only a request without them can take the spare.
   */
  private async startThread(client: RpcClient, plan: TurnPlan, signal: AbortSignal): Promise<{ id: string; use: Taken }> {
    const bare = this.spareParams(plan.model);
    const params: ThreadStartParams = {
      ...bare,
      baseInstructions: plan.instructions,
      // Raw events say when the model's response ended, so its tool calls can go to the client.
      ...(plan.tools.length > 0 ? { dynamicTools: dynamicTools(plan.tools), experimentalRawEvents: true } : {}),
    };
    const spare = plan.tools.length === 0 ? bare : undefined;
    const startNow = async () => {
      // A thread made after the client left is let go as soon as its id is known.
      const res = await client.request("thread/start", params, { timeoutMs: START_RPC_TIMEOUT_MS, signal, onLate: (r) => this.unsubscribe(client, r.thread.id) });
      return res.thread.id;
    };
    const { threadId, taken } = await this.pool.take(client, params, startNow, spare);
    return { id: threadId, use: taken };
  }

  /**
   * What the pool's spare starts with: nothing of any request. No base prompt at all (Codex then
   * sends none, and the request's instructions go in first, injected); the model of the request
   * that led to it (a turn can change it), or Codex's default.
   */
  private spareParams(model: string | null): ThreadStartParams {
    return { ...(model ? { model } : {}), cwd: this.cwd, approvalPolicy: "never", sandbox: "read-only", ephemeral: true, baseInstructions: "" };
  }

  /**
   * The first time an app-server reads its account's windows (so it is up and signed in), its spare
   * is started: the first request after start-up then finds a thread with its handshake and warm-up done.
   */
  private warmOnce(client: RpcClient): void {
    if (this.warmedClient === client) return;
    this.warmedClient = client;
    this.pool.keepSpare(client, this.spareParams(null));
  }

  private unsubscribe(client: RpcClient, threadId: string): void {
    if (!client.isClosed) client.request("thread/unsubscribe", { threadId }, { timeoutMs: 10_000 }).catch(() => {});
  }

  /** Turns the thread's notifications into events until the turn completes, fails, times out or is cancelled. */
  private async *follow(
    client: RpcClient,
    sink: Channel<ThreadSignal>,
    threadId: string,
    turnId: string,
    /** `stop`: the client's signal or the deadline; `client`: the client's alone; `until`: the deadline. */
    bounds: { stop: AbortSignal; client: AbortSignal; until: number },
    clientTools: ReadonlySet<string>,
    hold: HoldContext | null,
    /** Set to the answer when the turn completes with one. */
    outcome: TurnState,
  ): TurnEvents {
    let streamed = "";
    const calls: ToolCall[] = [];
    let finalText: string | null = null;
    let usage: Usage | null = null;
    let lastError: TurnError | null = null;
    for (;;) {
      const next = await nextOrStop(sink, bounds.stop, this.left(bounds.until));
      if (next === "aborted" || next === "deadline") {
        if (bounds.client.aborted) {
          void this.interrupt(client, threadId, turnId);
          return yield cancelledEvent();
        }
        // Past the deadline: a model that is slow, or an app-server that stopped answering? The
        // interrupt's answer tells; the lane's circuit opens only for the latter.
        return yield (await this.interrupt(client, threadId, turnId)) ? this.timedOut() : unresponsive();
      }
      if (next.kind === "closed") return yield engineCrashed(next.reason);
      if (next.kind === "rate_limits") {
        yield { type: "rate_limits", rateLimits: next.snapshot };
        continue;
      }
      const note = next.note;
      switch (note.method) {
        case "item/agentMessage/delta":
          if (note.params.turnId === turnId && note.params.delta) {
            streamed += note.params.delta;
            yield { type: "delta", text: note.params.delta };
          }
          break;
        case "item/completed":
          if (note.params.item.type === "agentMessage") finalText = note.params.item.text;
          break;
        case "thread/tokenUsage/updated":
          usage = toUsage(note.params.tokenUsage.last);
          break;
        case "rawResponseItem/completed": {
          const item = note.params.item;
          if (note.params.turnId === turnId && item.type === "function_call" && clientTools.has(item.name)) {
            calls.push({ id: item.call_id, name: item.name, arguments: item.arguments });
          }
          break;
        }
        case "rawResponse/completed":
          if (note.params.turnId !== turnId || calls.length === 0) break;
          // The model's response ended asking for client tools: hand them over, and hold the turn
          // for the follow-up or stop it. Its item/tool/call requests stay unanswered until then; an
          // error answer would make the model go on.
          if (hold) {
            hold.state.held = true;
            const turn = { threadId, turnId, calls, text: finalText ?? streamed, fingerprint: hold.fingerprint };
            this.held.hold(turn, () => {
              void this.interrupt(client, threadId, turnId);
              this.endThread(client, threadId);
            });
          } else void this.interrupt(client, threadId, turnId);
          for (const call of calls) yield { type: "tool_call", call };
          yield { type: "message", text: finalText ?? streamed, finishReason: "tool_calls" };
          return yield { type: "usage", usage: note.params.usage ? toUsage(note.params.usage) : usage ?? ZERO_USAGE };
        case "error":
          if (!note.params.willRetry) lastError = note.params.error;
          break;
        case "turn/completed": {
          const turn = note.params.turn;
          if (turn.status === "completed") {
            outcome.answer = finalText ?? streamed;
            yield { type: "message", text: outcome.answer, finishReason: "stop" };
            return yield { type: "usage", usage: usage ?? ZERO_USAGE };
          }
          if (turn.status === "interrupted") return yield cancelledEvent();
          return yield this.classified(turn.error ?? lastError ?? { message: "Codex reported a failed turn without a reason.", codexErrorInfo: null });
        }
      }
    }
  }

  private classified(err: Pick<TurnError, "message" | "codexErrorInfo">): TurnEvent {
    const info = err.codexErrorInfo;
    const o = classifyCodexError({ codexErrorInfo: info, message: err.message, httpStatusCode: httpStatusOf(info) }, this.now());
    if (o.class === "usage_limit") {
      // The message gives the reset to the minute (rounded up); the pushed snapshot has the second.
      const exact = spentWindowReset(this.latest, this.now());
      if (exact !== null && (o.resetsAt === undefined || Math.abs(exact - o.resetsAt) <= 120_000)) o.resetsAt = exact;
    }
    return { type: "error", ...o };
  }

  /**
   * Asks the turn to stop; resolves whether the app-server answered. Any answer, even an error,
   * shows it alive; only silence is a hang, and then it is replaced.
   */
  private interrupt(client: RpcClient, threadId: string, turnId: string): Promise<boolean> {
    return client.request("turn/interrupt", { threadId, turnId }, { timeoutMs: INTERRUPT_GRACE_MS }).then(
      () => true,
      (err) => {
        if (!(err instanceof RpcTimeoutError)) return true;
        this.replace(client, "did not answer turn/interrupt");
        return false;
      },
    );
  }

  /**
   * An app-server that stopped answering is replaced: the next turn starts a fresh one at once, and
   * the turns still on the old one end as engine_crashed (transient: retried, then the next lane).
   */
  private replace(client: RpcClient, why: string): void {
    if (client.isClosed) return;
    this.options.log.warn(`codex app-server ${why}; replacing it`, { lane: this.options.lane });
    if (this.client === client) this.client = null;
    void client.kill();
  }

  private failure(err: unknown, client: RpcClient | null): TurnEvent {
    if (err instanceof ImageError) return { type: "error", class: "client_error", code: "invalid_image", message: err.message };
    if (err instanceof RpcAbortedError || err instanceof TurnAbortedError) return cancelledEvent();
    if (err instanceof RpcClosedError) return engineCrashed(err.message);
    if (err instanceof RpcTimeoutError) {
      if (client) this.replace(client, `did not answer ${err.method} within ${err.timeoutMs} ms`);
      return unresponsive();
    }
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes("last message must be a user message")) {
      return { type: "error", class: "client_error", code: "invalid_messages", message };
    }
    return { type: "error", class: "transient", code: "engine_error", message: `Codex app-server error: ${message}` };
  }

  private left(deadline: number): number {
    return Math.max(1, deadline - this.now());
  }

  private timedOut(): TurnEvent {
    return { type: "error", class: "transient", code: "timeout", message: `Codex did not finish the turn within ${this.options.turnTimeoutMs} ms.` };
  }

  // --- process lifecycle -------------------------------------------------------------------

  private rpc(): Promise<RpcClient> {
    if (this.client && !this.client.isClosed) return Promise.resolve(this.client);
    if (!this.starting) this.starting = this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  private async start(): Promise<RpcClient> {
    if (this.closed) throw new RpcClosedError("the engine is shut down");
    const wait = this.lastStartAt + RESTART_DELAY_MS - this.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.lastStartAt = this.now();
    const client = new RpcClient({
      onServerRequest: (call) => {
        if (call.method !== "item/tool/call") return undefined;
        const { threadId, callId } = call.params;
        return this.held.enabled && this.sinks.has(threadId) ? this.held.answerFor(threadId, callId) : NO_REPLY;
      },
      bin: codexBinary(),
      args: ["app-server", ...configArgs(this.options.config)],
      env: childEnv({ home: this.options.home, config: this.options.config, env: this.options.env }),
      cwd: this.cwd,
    });
    client.on("notification", (note: Notification) => this.route(note));
    client.on("exit", (_code: number | null, _signal: string | null, stderrTail: string) => this.onExit(client, stderrTail));
    try {
      await client.request(
        "initialize",
        { clientInfo: { name: "codex_lanes", title: "codex-lanes", version: codexVersion() }, capabilities: { experimentalApi: true, requestAttestation: false } },
        { timeoutMs: 30_000 },
      );
    } catch (err) {
      await client.kill();
      throw err;
    }
    client.notify("initialized");
    this.client = client;
    return client;
  }

  private onExit(client: RpcClient, stderrTail: string): void {
    if (this.client === client) this.client = null;
    this.pool.clear();
    this.kept.clear(client);
    for (const [threadId, t] of this.sinks) if (t.client === client) this.held.releaseThread(threadId);
    // A replaced process that exits late must not fail a sign-in started on its successor.
    for (const [id, login] of [...this.logins]) if (login.client === client) this.finishLogin(id, { success: false, error: "codex app-server exited during sign-in" });
    if (this.closed) return;
    const tail = stderrTail.trim().split("\n").slice(-3).join(" | ");
    this.options.log.warn("codex app-server exited; it will be restarted on the next request", { lane: this.options.lane, stderr: tail });
    for (const t of this.sinks.values()) if (t.client === client) t.sink.push({ kind: "closed", reason: "codex app-server exited during the turn" });
  }

  private route(note: Notification): void {
    if (note.method === "account/rateLimits/updated") return this.mergeRateLimits(note.params.rateLimits);
    if (note.method === "account/login/completed") {
      if (note.params.loginId) this.finishLogin(note.params.loginId, { success: note.params.success, error: note.params.error });
      return;
    }
    const threadId = "threadId" in note.params ? note.params.threadId : undefined;
    if (typeof threadId !== "string") return;
    // A held turn that Codex ended by itself cannot be continued: its follow-up goes stateless.
    if (note.method === "turn/completed") this.held.releaseThread(threadId);
    this.sinks.get(threadId)?.sink.push({ kind: "notification", note });
  }

  // --- account, models, usage windows ------------------------------------------------------

  async models(): Promise<string[]> {
    if (this.modelsCache && this.now() - this.modelsCache.at < MODELS_TTL_MS) return this.modelsCache.ids;
    try {
      const client = await this.rpc();
      const res = await client.request("model/list", { includeHidden: false, limit: 200 });
      const ids = [...new Set(res.data.filter((m) => !m.hidden).map((m) => m.model))];
      this.modelsCache = { at: this.now(), ids };
      return ids;
    } catch (err) {
      this.options.log.warn("could not read the model catalog", { lane: this.options.lane, error: String(err) });
      return this.modelsCache?.ids ?? [];
    }
  }

  async account(): Promise<AccountInfo> {
    const client = await this.rpc();
    const { account: a } = await client.request("account/read", { refreshToken: false });
    if (!a) return { signedIn: false, email: null, plan: null };
    return a.type === "chatgpt" ? { signedIn: true, email: a.email, plan: a.planType } : { signedIn: true, email: null, plan: a.type };
  }

  async login(): Promise<LoginHandle> {
    const client = await this.rpc();
    const res = await client.request("account/login/start", { type: "chatgptDeviceCode" });
    if (res.type !== "chatgptDeviceCode") throw new Error(`codex answered a device-code sign-in with a ${res.type} one`);
    const done = new Promise<{ success: boolean; error: string | null }>((resolve) => this.logins.set(res.loginId, { client, resolve }));
    void done.then((r) => {
      if (!r.success) return;
      this.modelsCache = null;
      // Threads started before the sign-in hold the old one.
      this.pool.clear();
      this.kept.clear();
    });
    return {
      verificationUrl: res.verificationUrl,
      userCode: res.userCode,
      done,
      cancel: async () => {
        await client.request("account/login/cancel", { loginId: res.loginId }).catch(() => {});
        this.finishLogin(res.loginId, { success: false, error: "sign-in cancelled" });
      },
    };
  }

  private finishLogin(loginId: string, result: { success: boolean; error: string | null }): void {
    const login = this.logins.get(loginId);
    this.logins.delete(loginId);
    login?.resolve(result);
  }

  async logout(): Promise<void> {
    const client = await this.rpc();
    // A thread started while signed in keeps serving after account/logout: none may be left.
    this.pool.clear();
    this.kept.clear();
    await client.request("account/logout", undefined);
    this.modelsCache = null;
  }

  async rateLimits(): Promise<RateLimitSnapshot | null> {
    const client = await this.rpc();
    const res = await client.request("account/rateLimits/read", { excludeResetCreditDetails: true });
    this.mergeRateLimits(res.rateLimits);
    this.warmOnce(client);
    return this.latest;
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    this.listeners.add(listener);
    this.startPolling();
    return () => this.listeners.delete(listener);
  }

  private startPolling(): void {
    if (this.pollTimer || this.options.rateLimitPollMs <= 0) return;
    const poll = () => void this.rateLimits().catch(() => {}); // not signed in yet, or offline: try again next time
    this.pollTimer = setInterval(poll, this.options.rateLimitPollMs);
    this.pollTimer.unref();
    setTimeout(poll, 0).unref();
  }

  private mergeRateLimits(raw: WireRateLimits): void {
    const next = toSnapshot(raw, this.now());
    // Updates are sparse: a missing window keeps the last value we saw (protocol doc).
    this.latest = {
      primary: next.primary ?? this.latest?.primary ?? null,
      secondary: next.secondary ?? this.latest?.secondary ?? null,
      planType: next.planType ?? this.latest?.planType ?? null,
      observedAt: next.observedAt,
    };
    const snapshot = this.latest;
    for (const l of this.listeners) l(snapshot);
    for (const t of this.sinks.values()) t.sink.push({ kind: "rate_limits", snapshot });
  }

  async reload(): Promise<void> {
    this.modelsCache = null;
    this.pool.clear();
    this.kept.clear();
    this.held.releaseAll();
    const client = this.client;
    this.client = null;
    await client?.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.clear();
    this.kept.clear();
    this.held.releaseAll();
    if (this.pollTimer) clearInterval(this.pollTimer);
    // A process still starting would outlive the engine (and keep writing to CODEX_HOME).
    await this.starting?.then((c) => c.kill(), () => {});
    await this.client?.kill();
  }
}

/** How a turn ended, for what becomes of its thread: held for its tools' results, or answered. */
interface TurnState {
  held: boolean;
  answer: string | null;
}

/** Lets `follow` hold a turn that ends asking for tools; `state.held` tells the caller not to end its thread. */
interface HoldContext {
  fingerprint: string;
  state: TurnState;
}

/** The reset of a usage window the latest snapshot shows as spent, when it is still ahead. */
function spentWindowReset(s: RateLimitSnapshot | null, now: number): number | null {
  const spent = [s?.primary, s?.secondary].filter((w): w is RateLimitWindow => !!w && w.usedPercent >= 100 && (w.resetsAt ?? 0) > now);
  return spent.length ? Math.max(...spent.map((w) => w.resetsAt!)) : null;
}

function toWindow(w: WireWindow | null): RateLimitWindow | null {
  if (!w) return null;
  return { usedPercent: w.usedPercent, windowMinutes: w.windowDurationMins, resetsAt: w.resetsAt === null ? null : w.resetsAt * 1000 };
}

export function toSnapshot(raw: WireRateLimits, now: number): RateLimitSnapshot {
  return { primary: toWindow(raw.primary), secondary: toWindow(raw.secondary), planType: raw.planType, observedAt: now };
}

function toUsage(b: TokenUsageBreakdown): Usage {
  return {
    input_tokens: b.inputTokens,
    cached_input_tokens: b.cachedInputTokens,
    output_tokens: b.outputTokens,
    reasoning_tokens: b.reasoningOutputTokens,
  };
}

/** The HTTP status some error kinds carry, e.g. `{responseTooManyFailedAttempts: {httpStatusCode: 429}}`. */
function httpStatusOf(info: CodexErrorInfo | null): number | null {
  if (!info || typeof info !== "object") return null;
  const detail = Object.values(info)[0] as { httpStatusCode?: number | null } | undefined;
  return detail?.httpStatusCode ?? null;
}

class TurnAbortedError extends Error {}

/** Waits for `p` unless `signal` aborts first (then `p` carries on for whoever else waits on it). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new TurnAbortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TurnAbortedError());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function cancelledEvent(): TurnEvent {
  return { type: "error", ...cancelledOutcome() };
}

/** Lasting, not a blip: the lane's circuit opens at once, so new requests go elsewhere. */
function unresponsive(): TurnEvent {
  return { type: "error", class: "transient", code: "engine_unresponsive", opensCircuit: true, message: "Codex stopped answering on this lane; it is being restarted." };
}

function engineCrashed(reason: string): TurnEvent {
  return { type: "error", class: "transient", code: "engine_crashed", message: `${reason}; it is being restarted.` };
}
