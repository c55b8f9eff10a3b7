// A JSON-RPC client for `codex app-server` over stdio: newline-delimited JSON, no "jsonrpc" field
// (reference §5.4). It knows nothing about turns; app-server-engine.ts builds on it.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";

export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly data: unknown = null,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** The process went away (crashed, was killed, or never started). */
export class RpcClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RpcClosedError";
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface RpcClientOptions {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Answer server→client requests (approvals and the like); we decline them all by default. */
  onServerRequest?(method: string, params: unknown): unknown;
}

/**
 * Emits `notification` (method, params) and `exit` (code, signal, stderrTail). After `exit`, every
 * pending and future request rejects with RpcClosedError.
 */
export class RpcClient extends EventEmitter {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
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

  request<T = unknown>(method: string, params: unknown, timeoutMs = 30_000): Promise<T> {
    if (this.closed) return Promise.reject(new RpcClosedError(this.closed));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError(`${method} timed out after ${timeoutMs} ms`, null));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.write({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
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
    let msg: { id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { code?: number; message?: string; data?: unknown } };
    try {
      msg = JSON.parse(line);
    } catch {
      return; // not protocol output
    }
    if (msg.method !== undefined && msg.id !== undefined) return this.answerServerRequest(msg.id, msg.method, msg.params);
    if (msg.method !== undefined) {
      this.emit("notification", msg.method, msg.params);
      return;
    }
    const pending = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!pending) return;
    this.pending.delete(msg.id as number);
    clearTimeout(pending.timer);
    if (msg.error) pending.reject(new RpcError(msg.error.message ?? "app-server error", msg.error.code ?? null, msg.error.data));
    else pending.resolve(msg.result);
  }

  private answerServerRequest(id: number | string, method: string, params: unknown): void {
    const result = this.opts.onServerRequest?.(method, params);
    if (result === undefined) {
      this.write({ id, error: { code: -32601, message: `codex-lanes does not serve ${method}` } });
    } else {
      this.write({ id, result });
    }
  }

  private shutDown(reason: string, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = reason;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcClosedError(reason));
      this.pending.delete(id);
    }
    this.emit("exit", code, signal, this.stderrTail);
  }
}
