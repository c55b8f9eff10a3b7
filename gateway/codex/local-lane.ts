// One ChatGPT account served from this machine: an engine on the account's CODEX_HOME plus its
// sign-in. Used by the gateway in local mode and by the account worker in deployed mode.

import path from "node:path";
import type { ChatRequest, RateLimitSnapshot, TurnEvent } from "../chat/types";
import type { CodexLaneConfig } from "../config/types";
import type { LaneAdapter, LaneStatus, LoginStart, LoginState, TurnOptions } from "../upstreams/types";
import { AppServerEngine } from "./app-server-engine";
import { codexVersion } from "./binary";
import { ExecEngine } from "./exec-engine";
import { authUpdatedAt, DeviceLogin, logout } from "./login";
import type { CodexEngine, EngineLog } from "./types";

export interface LocalLaneDeps {
  dataDir: string;
  turnTimeoutMs: number;
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
  private login_: DeviceLogin | null = null;
  private wasSignedIn: boolean;

  constructor(
    private readonly lane: CodexLaneConfig & { home: string },
    deps: LocalLaneDeps,
  ) {
    this.name = lane.name;
    this.home = lane.home;
    this.engine = createEngine(lane, deps);
    this.wasSignedIn = authUpdatedAt(this.home) !== null;
  }

  async *turn(req: ChatRequest, opts: TurnOptions): AsyncIterable<TurnEvent> {
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
    if (now && !this.wasSignedIn) await this.engine.reload();
    this.wasSignedIn = now;
    return now;
  }

  async models(): Promise<string[]> {
    return this.lane.models ?? this.engine.models();
  }

  async status(): Promise<LaneStatus> {
    const base = { engine: this.lane.engine, cliVersion: codexVersion(), authUpdatedAt: authUpdatedAt(this.home) };
    try {
      if (!(await this.signedIn())) return { ...base, signedIn: false, email: null, plan: null, rateLimits: null, error: null };
      const account = await this.engine.account();
      const rateLimits = account.signedIn ? await this.engine.rateLimits().catch(() => null) : null;
      return { ...base, ...account, rateLimits, error: null };
    } catch (err) {
      return { ...base, signedIn: false, email: null, plan: null, rateLimits: null, error: (err as Error).message };
    }
  }

  async login(): Promise<LoginStart> {
    const current = this.login_?.state;
    if (current?.state === "pending") return { verificationUrl: current.verificationUrl, userCode: current.userCode };
    this.login_ = new DeviceLogin({ home: this.home, config: this.lane.config, env: this.lane.env });
    const started = await this.login_.start();
    void this.login_.wait().then(async (s) => {
      if (s.state === "succeeded") await this.signedIn();
    });
    return started;
  }

  async loginStatus(): Promise<LoginState> {
    const s = this.login_?.state ?? { state: "idle" as const };
    if (s.state !== "succeeded") return s;
    const account = await this.engine.account().catch(() => ({ email: null, plan: null }));
    return { state: "succeeded", email: account.email, plan: account.plan };
  }

  async logout(): Promise<void> {
    await this.login_?.cancel();
    await logout({ home: this.home, config: this.lane.config, env: this.lane.env });
    await this.engine.reload();
    this.wasSignedIn = false;
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    return this.engine.onRateLimits(listener);
  }

  async close(): Promise<void> {
    await this.login_?.cancel();
    await this.engine.close();
  }
}
