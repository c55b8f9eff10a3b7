// The `exec` engine: one `codex exec --json` process per request. No text deltas (exec emits
// none), no rate-limit telemetry: for the account's catalog, sign-in state and usage windows it
// borrows a short-lived app-server that exits when idle.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { ChatRequest, TurnEvent, TurnEvents, Usage } from "../chat/types";
import { cancelledOutcome, type RateLimitSnapshot } from "../lanes/types";
import { classifyExecFailure } from "../lanes/classify";
import { AppServerEngine } from "./app-server-engine";
import { codexBinary } from "./binary";
import { Channel, nextOrStop } from "../async/channel";
import { execUsage, parseExecEvent, type ExecEvent } from "./exec-events";
import { childEnv, configArgs, tomlValue } from "./hardening";
import { ensureDir, ImageError, laneDirs, writeTurnImages, type TurnFiles } from "./images";
import { execPrompt, imagesOf, planOrError, type TurnPlan } from "./mapping";
import { asForcedCall } from "./tools";
import type { AccountInfo, CodexEngine, EngineOptions, LoginHandle } from "./types";

type Line = { kind: "event"; event: ExecEvent } | { kind: "exit"; code: number | null; stderr: string };

/** The metadata app-server exits after this long without use. */
const META_IDLE_MS = 60_000;
const KILL_GRACE_MS = 2_000;
/** From spawn to exec's turn.started. */
const START_TIMEOUT_MS = 30_000;

export class ExecEngine implements CodexEngine {
  readonly kind = "exec" as const;
  private readonly cwd: string;
  private readonly turnsDir: string;
  private meta: AppServerEngine | null = null;
  private metaIdle: NodeJS.Timeout | null = null;
  /** Calls (and sign-ins) currently using the metadata app-server; it is not closed while any runs. */
  private metaUsers = 0;
  private readonly listeners = new Set<(s: RateLimitSnapshot) => void>();
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: EngineOptions,
    private readonly now: () => number = Date.now,
  ) {
    ({ cwd: this.cwd, turnsDir: this.turnsDir } = laneDirs(options.workDir));
  }

  async *turn(req: ChatRequest, opts: { signal: AbortSignal }): TurnEvents {
    const plan = planOrError(req);
    if ("type" in plan) return yield plan;
    if (plan.tools.length > 0) {
      // `codex exec` has no dynamic tools ("not supported in exec mode"): the next lane that can serves it.
      return yield { type: "error", class: "model_not_served", code: "tools_not_supported", message: `Lane "${this.options.lane}" runs the exec engine, which cannot offer client tools.` };
    }
    yield* plan.forced ? asForcedCall(this.planned(plan, opts), plan.forced) : this.planned(plan, opts);
  }

  private async *planned(plan: TurnPlan, { signal }: { signal: AbortSignal }): TurnEvents {
    let files: TurnFiles | null = null;
    try {
      files = writeTurnImages(this.turnsDir, [...plan.history.flatMap((h) => imagesOf(h.content)), ...(plan.input?.images ?? [])]);
      yield* this.run(plan, files, signal);
    } catch (err) {
      if (err instanceof ImageError) yield { type: "error", class: "client_error", code: "invalid_image", message: err.message };
      else yield { type: "error", class: "transient", code: "engine_error", message: `codex exec could not run: ${(err as Error).message}` };
    } finally {
      files?.cleanup();
    }
  }

  private async *run(plan: TurnPlan, files: TurnFiles, signal: AbortSignal): TurnEvents {
    const child = spawn(codexBinary(), this.args(plan, files), {
      cwd: this.cwd,
      env: childEnv({ home: this.options.home, config: this.options.config, env: this.options.env }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const lines = new Channel<Line>();
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr = (stderr + c.toString("utf8")).slice(-4000)));
    createInterface({ input: child.stdout }).on("line", (l) => {
      const event = parseExecEvent(l);
      if (event) lines.push({ kind: "event", event });
    });
    child.on("close", (code) => lines.push({ kind: "exit", code, stderr }));
    child.on("error", (err) => lines.push({ kind: "exit", code: null, stderr: err.message }));
    // The prompt goes on stdin (argv is limited to 128 KiB) and stdin must be closed, or exec waits forever.
    child.stdin.on("error", () => {});
    child.stdin.end(execPrompt(plan));

    let text: string | null = null;
    let usage: Usage | null = null;
    let failed: string | null = null;
    let lastProgress: string | null = null;
    // The deadline bounds the model's turn, from exec's turn.started on; the process start before it
    // has a bound of its own (a loaded machine slows a start, and that is not the model hanging).
    let deadline = this.now() + START_TIMEOUT_MS;
    let started = false;
    try {
      for (;;) {
        const next = await nextOrStop(lines, signal, Math.max(1, deadline - this.now()));
        if (next === "aborted") return yield { type: "error", ...cancelledOutcome() };
        if (next === "deadline") return yield { type: "error", class: "transient", code: "timeout", message: started ? `Codex did not finish the turn within ${this.options.turnTimeoutMs} ms.` : `codex exec did not start the turn within ${START_TIMEOUT_MS} ms.` };
        if (next.kind === "exit") return yield* this.finish(next, text, usage, failed, lastProgress);
        const ev = next.event;
        if (ev.type === "turn.started" && !started) {
          started = true;
          deadline = this.now() + this.options.turnTimeoutMs;
        } else if (ev.type === "item.completed" && ev.item.type === "agent_message") text = ev.item.text;
        else if (ev.type === "turn.completed") usage = execUsage(ev.usage);
        else if (ev.type === "turn.failed") failed = ev.error.message || "codex exec reported a failed turn";
        else if (ev.type === "error") lastProgress = ev.message; // "Reconnecting…": progress, not final
      }
    } finally {
      stop(child);
    }
  }

  private *finish(exit: Extract<Line, { kind: "exit" }>, text: string | null, usage: Usage | null, failed: string | null, lastProgress: string | null): Generator<TurnEvent, void, undefined> {
    if (failed !== null) return yield { type: "error", ...classifyExecFailure(failed, this.now()) };
    if (exit.code === 0 && text !== null) {
      // exec emits no deltas; streaming clients get the whole answer as one delta.
      yield { type: "delta", text };
      yield { type: "message", text, finishReason: "stop" };
      return yield { type: "usage", usage: usage ?? { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0 } };
    }
    const why = lastProgress ?? (exit.stderr.trim().split("\n").pop() || `exit code ${exit.code}`);
    return yield { type: "error", class: "transient", code: "engine_error", message: `codex exec failed: ${why}` };
  }

  private args(plan: TurnPlan, files: TurnFiles): string[] {
    const args = ["exec", "--json", "--skip-git-repo-check", "--ephemeral", "--ignore-user-config", "--ignore-rules", "-C", this.cwd, "-s", "read-only"];
    args.push(...configArgs(this.options.config), "-m", plan.model);
    if (plan.effort) args.push("-c", `model_reasoning_effort=${tomlValue(plan.effort)}`);
    // A file, not `-c instructions=…`: a system prompt can be longer than one argv string may be (128 KiB).
    args.push("-c", `model_instructions_file=${tomlValue(turnFile(files, "instructions.md", plan.instructions))}`);
    if (plan.outputSchema) args.push("--output-schema", turnFile(files, "output-schema.json", JSON.stringify(plan.outputSchema)));
    for (const img of files.images) args.push("--image", img);
    args.push("-");
    return args;
  }

  // --- metadata through a short-lived app-server -------------------------------------------

  private async withMeta<T>(fn: (meta: AppServerEngine) => Promise<T>): Promise<T> {
    // It serves no turns: no threads started ahead.
    if (!this.meta) this.meta = new AppServerEngine({ ...this.options, rateLimitPollMs: 0, readyThreads: 0 }, this.now);
    if (this.metaIdle) clearTimeout(this.metaIdle);
    this.metaUsers++;
    try {
      return await fn(this.meta);
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (--this.metaUsers > 0) return;
    this.metaIdle = setTimeout(() => {
      void this.meta?.close();
      this.meta = null;
    }, META_IDLE_MS);
    this.metaIdle.unref();
  }

  /** The sign-in keeps the metadata app-server alive until it ends: the app-server completes it. */
  login(): Promise<LoginHandle> {
    return this.withMeta(async (m) => {
      const handle = await m.login();
      this.metaUsers++;
      void handle.done.finally(() => this.release());
      return handle;
    });
  }

  logout(): Promise<void> {
    return this.withMeta((m) => m.logout());
  }

  models(): Promise<string[]> {
    return this.withMeta((m) => m.models());
  }

  account(): Promise<AccountInfo> {
    return this.withMeta((m) => m.account());
  }

  async rateLimits(): Promise<RateLimitSnapshot | null> {
    const snap = await this.withMeta((m) => m.rateLimits());
    if (snap) for (const l of this.listeners) l(snap);
    return snap;
  }

  onRateLimits(listener: (s: RateLimitSnapshot) => void): () => void {
    this.listeners.add(listener);
    if (!this.pollTimer && this.options.rateLimitPollMs > 0) {
      this.pollTimer = setInterval(() => void this.rateLimits().catch(() => {}), this.options.rateLimitPollMs);
      this.pollTimer.unref();
    }
    return () => this.listeners.delete(listener);
  }

  async reload(): Promise<void> {
    await this.meta?.reload();
  }

  async close(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.metaIdle) clearTimeout(this.metaIdle);
    await this.meta?.close();
    this.meta = null;
  }
}

function turnFile(files: TurnFiles, name: string, text: string): string {
  ensureDir(files.dir);
  const file = path.join(files.dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function stop(child: ReturnType<typeof spawn>): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, KILL_GRACE_MS).unref();
}
