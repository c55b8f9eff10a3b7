// A JSON-RPC client for `codex app-server` over stdio: newline-delimited JSON, no "jsonrpc" field
// (reference §5.4). Typed by the generated protocol (wire.ts). It knows nothing about turns;
// app-server-engine.ts builds on it.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import type { Method, ParamsOf, Responses, ServerCall } from "./wire";

/** The server answered with a JSON-RPC error: it is alive and refused this one request. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data: unknown = null,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** No answer within the request's timeout: the server may be hung. */
export class RpcTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} timed out after ${timeoutMs} ms`);
    this.name = "RpcTimeoutError";
  }
}

/** The caller's signal aborted before the answer came; says nothing about the server. */
export class RpcAbortedError extends Error {
  constructor(readonly method: string) {
    super(`${method} was abandoned: the caller went away`);
    this.name = "RpcAbortedError";
  }
}

/** The process went away (crashed, was killed, or never started). */
export class RpcClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RpcClosedError";
  }
}

export interface RequestOptions<T = unknown> {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** An answer that arrives after the signal abandoned the request, so the caller can undo what it made. */
  onLate?: (result: T) => void;
}

/** Returned by onServerRequest: leave the request unanswered (the turn is interrupted instead). */
export const NO_REPLY = Symbol("no reply");

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  done(): void;
}

/** An abandoned request still listened for, for its `onLate`. */
interface Abandoned {
  onLate(result: unknown): void;
  timer: NodeJS.Timeout;
}

export interface RpcClientOptions {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Answers a server→client request (approvals, dynamic tool calls); `undefined` declines it, NO_REPLY leaves it unanswered. */
  onServerRequest?(call: ServerCall): unknown;
}

interface WireMessage {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code?: number; message?: string; data?: unknown };
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Emits `notification` (a typed server notification) and `exit` (code, signal, stderrTail). After
 * `exit`, every pending and future request rejects with RpcClosedError.
 */
export class RpcClient extends EventEmitter {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private readonly abandoned = new Map<number, Abandoned>();
  private nextId = 1;
  private closed: string | null = null;
  private stderrTail = "";

  constructor(private readonly opts: RpcClientOptions) {
    super();
    this.child = spawn(opts.bin, opts.args, { env: opts.env, cwd: opts.cwd, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdin.on("error", () => {}); // EPIPE after a crash is reported through `exit`
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.onLine(line));
    this.child.on("error", (err) => this.shutDown(`could not start codex: ${err.message}`, null, null));
    this.child.on("exit", (code, signal) => this.shutDown(`codex app-server exited (${signal ?? `code ${code}`})`, code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  request<M extends Method>(method: M, params: ParamsOf<M>, opts: RequestOptions<Responses[M]> = {}): Promise<Responses[M]> {
    if (this.closed) return Promise.reject(new RpcClosedError(this.closed));
    const { signal, timeoutMs = DEFAULT_TIMEOUT_MS, onLate } = opts;
    if (signal?.aborted) return Promise.reject(new RpcAbortedError(method));
    const id = this.nextId++;
    return new Promise<Responses[M]>((resolve, reject) => {
      const timer = setTimeout(() => settle(new RpcTimeoutError(method, timeoutMs)), timeoutMs);
      const onAbort = () => {
        settle(new RpcAbortedError(method));
        // Still listened for, within the same bound, when the caller has to undo what it asked for.
        if (onLate) this.abandoned.set(id, { onLate, timer: setTimeout(() => this.abandoned.delete(id), timeoutMs) });
      };
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(id);
      };
      const settle = (err: Error) => {
        done();
        reject(err);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, { resolve, reject, done });
      this.write(params === undefined ? { id, method } : { id, method, params });
    });
  }

  notify(method: "initialized"): void {
    this.write({ method });
  }

  /** Ends the process: SIGTERM, then SIGKILL if it lingers. */
  kill(graceMs = 2_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const hard = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      this.child.once("exit", () => {
        clearTimeout(hard);
        resolve();
      });
      this.child.kill("SIGTERM");
    });
  }

  private write(msg: unknown): void {
    if (this.closed) return;
    this.child.stdin.write(JSON.stringify(msg) + "\n");
  }

  private onLine(line: string): void {
    let msg: WireMessage;
    try {
      msg = JSON.parse(line) as WireMessage;
    } catch {
      return; // not protocol output
    }
    if (msg.method !== undefined && msg.id !== undefined) return void this.answerServerRequest(msg.id, { method: msg.method, params: msg.params } as ServerCall);
    // The pinned binary generated these types: its messages are what they say.
    if (msg.method !== undefined) return void this.emit("notification", { method: msg.method, params: msg.params });
    if (typeof msg.id === "number" && this.abandoned.has(msg.id)) return this.late(msg.id, msg);
    const pending = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!pending) return; // a late answer to an abandoned request nobody waits for
    pending.done();
    if (msg.error) pending.reject(new RpcError(msg.error.message ?? "app-server error", msg.error.code ?? -32603, msg.error.data));
    else pending.resolve(msg.result);
  }

  private late(id: number, msg: WireMessage): void {
    const a = this.abandoned.get(id)!;
    this.abandoned.delete(id);
    clearTimeout(a.timer);
    if (!msg.error) a.onLate(msg.result);
  }

  private async answerServerRequest(id: number | string, call: ServerCall): Promise<void> {
    try {
      const result = await this.opts.onServerRequest?.(call);
      if (result === NO_REPLY) return;
      if (result === undefined) this.write({ id, error: { code: -32601, message: `codex-lanes does not serve ${call.method}` } });
      else this.write({ id, result });
    } catch (err) {
      this.write({ id, error: { code: -32603, message: err instanceof Error ? err.message : String(err) } });
    }
  }

  private shutDown(reason: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = reason;
    for (const p of [...this.pending.values()]) {
      p.done();
      p.reject(new RpcClosedError(reason));
    }
    for (const a of this.abandoned.values()) clearTimeout(a.timer);
    this.abandoned.clear();
    this.emit("exit", code, signal, this.stderrTail);
  }
}
