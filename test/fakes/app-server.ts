// A minimal JSON-RPC client for `codex app-server` over stdio, for tests.
// Wire: newline-delimited JSON-RPC 2.0 objects without the "jsonrpc" field (reference §5.4).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { codexBin, codexChildEnv } from './codex-run';

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export class AppServerRpcError extends Error {
  constructor(readonly method: string, readonly rpc: RpcError) {
    super(`${method} failed: ${rpc.message}`);
  }
}

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

type Waiter = { match: (n: Notification) => boolean; resolve: (n: Notification) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export interface AppServerOptions {
  /** Extra `codex app-server` args, e.g. configArgs(fake.codexConfig()) (placed before `app-server`). */
  globalArgs?: string[];
  env: Record<string, string>;
}

export class AppServerClient {
  readonly notifications: Notification[] = [];
  stderr = '';
  private readonly child: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private waiters: Waiter[] = [];
  private exited = false;

  constructor(opts: AppServerOptions) {
    this.child = spawn(codexBin(), [...(opts.globalArgs ?? []), 'app-server'], { env: codexChildEnv(opts.env), stdio: 'pipe' });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.onLine(line));
    this.child.on('exit', () => {
      this.exited = true;
      const err = new Error(`codex app-server exited; stderr tail: ${this.stderr.slice(-500)}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      for (const w of this.waiters) { clearTimeout(w.timer); w.reject(err); }
      this.waiters = [];
    });
  }

  /** initialize + initialized, as every client must before any other call. */
  async initialize(): Promise<Record<string, unknown>> {
    const res = await this.request('initialize', {
      clientInfo: { name: 'codex_lanes_tests', title: null, version: '0.0.0' },
      capabilities: { experimentalApi: true, requestAttestation: false },
    });
    this.notify('initialized');
    return res;
  }

  request<T = Record<string, unknown>>(method: string, params: unknown = {}, timeoutMs = 30_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error('codex app-server has exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.stdin.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  notify(method: string, params?: unknown): void {
    this.child.stdin.write(JSON.stringify(params === undefined ? { method } : { method, params }) + '\n');
  }

  /** Resolves with the first notification (past or future) that matches. */
  waitFor(match: (n: Notification) => boolean, timeoutMs = 30_000): Promise<Notification> {
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no matching notification within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    this.child.kill('SIGTERM');
    await done;
    clearTimeout(killer);
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.id === 'number' && ('result' in msg || 'error' in msg)) return this.onResponse(msg);
    if (typeof msg.method !== 'string') return;
    // A server→client request (approvals etc.): tests run with approvalPolicy "never", so decline.
    if (msg.id !== undefined) {
      this.child.stdin.write(JSON.stringify({ id: msg.id, error: { code: -32601, message: 'not supported by test client' } }) + '\n');
      return;
    }
    const n: Notification = { method: msg.method, params: (msg.params ?? {}) as Record<string, unknown> };
    this.notifications.push(n);
    for (const w of [...this.waiters]) {
      if (!w.match(n)) continue;
      clearTimeout(w.timer);
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(n);
    }
  }

  private onResponse(msg: Record<string, unknown>): void {
    const p = this.pending.get(msg.id as number);
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.error) p.reject(new AppServerRpcError(p.method, msg.error as RpcError));
    else p.resolve(msg.result);
  }
}
