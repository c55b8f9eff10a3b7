// One ChatGPT account served from this machine: an engine on the account's CODEX_HOME plus its
// sign-in. Used by the gateway in local mode and by the account worker in deployed mode.

import path from "node:path";
import type { ChatRequest, TurnEvents } from "../chat/types";
import type { RateLimitSnapshot } from "../lanes/types";
import type { CodexLaneConfig } from "../config/types";
import type { LaneAdapter, LaneStatus, LoginStart, LoginState, TurnOptions } from "../chat/lane-adapter";
import { AppServerEngine } from "./app-server-engine";
import { codexVersion } from "./binary";
import { ExecEngine } from "./exec-engine";
import { CODEX_ADDS } from "./fidelity";
import { authUpdatedAt } from "./login";
import type { CodexEngine, EngineLog, LoginHandle } from "./types";

export interface LocalLaneDeps {
  dataDir: string;
  turnTimeoutMs: number;
  /** See EngineOptions.toolHoldMs. */
  toolHoldMs?: number;
  /** Threads the app-server engine keeps started ahead of requests (EngineOptions.readyThreads). */
  readyThreads?: number;
  /** See EngineOptions.keepThreadMs. */
  keepThreadMs?: number;
  rateLimitPollMs: number;
  log: EngineLog;
}

export function createEngine(lane: CodexLaneConfig & { home: string }, deps: LocalLaneDeps): CodexEngine {
  const opts = {
    lane: lane.name,
    engine: lane.engine,
    home: lane.home,
    workDir: path.join(deps.dataDir, "work", lane.name),
    config: lane.config,
    env: lane.env,
    turnTimeoutMs: deps.turnTimeoutMs,
    ...(deps.toolHoldMs === undefined ? {} : { toolHoldMs: deps.toolHoldMs }),
    ...(deps.readyThreads === undefined ? {} : { readyThreads: deps.readyThreads }),
    ...(deps.keepThreadMs === undefined ? {} : { keepThreadMs: deps.keepThreadMs }),
    rateLimitPollMs: deps.rateLimitPollMs,
    log: deps.log,
  };
  return lane.engine === "exec" ? new ExecEngine(opts) : new AppServerEngine(opts);
}

export class LocalCodexLane implements LaneAdapter {
  readonly kind = "codex" as const;
  readonly name: string;
  private readonly engine: CodexEngine;
  private readonly home: string;
  private pendingLogin: LoginHandle | null = null;
  private loginState: LoginState = { state: "idle" };
  private wasSignedIn: boolean;
  /** The auth.json version the engine was last reloaded for, so a stale process is replaced once. */
  private reloadedFor: number | null = null;

  constructor(
    private readonly lane: CodexLaneConfig & { home: string },
    deps: LocalLaneDeps,
  ) {
    this.name = lane.name;
    this.home = lane.home;
    this.engine = createEngine(lane, deps);
    this.wasSignedIn = authUpdatedAt(this.home) !== null;
  }

  async *turn(req: ChatRequest, opts: TurnOptions): TurnEvents {
    if (!(await this.signedIn())) {
      yield {
        type: "error",
        class: "unauthorized",
        code: "not_signed_in",
        message: `Lane "${this.name}" is not signed in to ChatGPT. Run: codex-lanes login ${this.name}`,
      };
      return;
    }
    yield* this.engine.turn(req, opts);
  }

  /**
   * Whether auth.json exists. When it appears (a sign-in from another process, e.g. the CLI), the
   * engine drops its processes so they read the new sign-in.
   */
  private async signedIn(): Promise<boolean> {
    const now = authUpdatedAt(this.home) !== null;
    // Our own device sign-in writes auth.json before its completion reaches us: a reload then would
    // kill the very process that is signing in ("codex app-server exited during sign-in").
    if (now && !this.wasSignedIn && !this.pendingLogin) await this.engine.reload();
    this.wasSignedIn = now;
    return now;
  }

  async models(): Promise<string[]> {
    return this.lane.models ?? this.engine.models();
  }

  async status(): Promise<LaneStatus> {
    const base = { engine: this.lane.engine, cliVersion: codexVersion(), authUpdatedAt: authUpdatedAt(this.home), codexAdds: CODEX_ADDS };
    try {
      if (!(await this.signedIn())) return { ...base, signedIn: false, email: null, plan: null, rateLimits: null, error: null };
      let account = await this.engine.account();
      const version = authUpdatedAt(this.home);
      if (!account.signedIn && version !== null && version !== this.reloadedFor && !this.pendingLogin) {
        // auth.json exists but the running app-server lost its sign-in (a failed refresh, then a new
        // sign-in from another process): let a fresh process read the file.
        this.reloadedFor = version;
        await this.engine.reload();
        account = await this.engine.account();
      }
      const rateLimits = account.signedIn ? await this.engine.rateLimits().catch(() => null) : null;
      return { ...base, ...account, rateLimits, error: null };
    } catch (err) {
      return { ...base, signedIn: false, email: null, plan: null, rateLimits: null, error: (err as Error).message };
    }
  }

  async login(): Promise<LoginStart> {
    if (this.pendingLogin) return { verificationUrl: this.pendingLogin.verificationUrl, userCode: this.pendingLogin.userCode };
    const handle = await this.engine.login();
    this.pendingLogin = handle;
    this.loginState = { state: "pending", verificationUrl: handle.verificationUrl, userCode: handle.userCode };
    void handle.done.then(async (r) => {
      if (this.pendingLogin === handle) this.pendingLogin = null;
      if (!r.success) {
        this.loginState = { state: "failed", error: r.error ?? "sign-in failed" };
        return;
      }
      this.wasSignedIn = true;
      const account = await this.engine.account().catch(() => ({ email: null, plan: null }));
      this.loginState = { state: "succeeded", email: account.email, plan: account.plan };
    });
    return { verificationUrl: handle.verificationUrl, userCode: handle.userCode };
  }

  loginStatus(): Promise<LoginState> {
    return Promise.resolve(this.loginState);
  }

  async logout(): Promise<void> {
    await this.pendingLogin?.cancel();
    await this.engine.logout();
    this.wasSignedIn = false;
    this.loginState = { state: "idle" };
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    return this.engine.onRateLimits(listener);
  }

  async close(): Promise<void> {
    await this.pendingLogin?.cancel();
    await this.engine.close();
  }
}
