// Threads started ahead of the requests that will use them. Codex opens a thread's WebSocket and
// sends its warm-up at `thread/start` (reference §8.3-8.4), so a request that takes a started thread
// skips a TCP + TLS handshake, the upgrade and the warm-up: four round trips to the backend.
//
// A thread is only ever handed to a request whose `thread/start` parameters are exactly those it
// was started with, and each thread serves one request, as before: the model sees exactly what it
// would have seen on a thread started for that request. After a request takes (or misses) a thread,
// one more is started with the same parameters, on the bet that the next request looks like this
// one, which is how agents, batch jobs and CI send theirs. A thread that waited longer than maxIdleMs
// is dropped, never used; an idle lane therefore keeps nothing open for long.

export interface ThreadPoolOptions<C, P> {
  /** Threads kept ready at most, over all parameter sets (0 turns the pool off). */
  size: number;
  maxIdleMs: number;
  now: () => number;
  /** Starts a thread on a client; rejects when it cannot. */
  start: (client: C, params: P) => Promise<string>;
  /** Lets go of a thread that will not be used. Must not throw. */
  discard: (client: C, threadId: string) => void;
}

interface Ready<C> {
  key: string;
  client: C;
  at: number;
  thread: Promise<string>;
}

export class ThreadPool<C, P> {
  private ready: Ready<C>[] = [];
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly options: ThreadPoolOptions<C, P>) {}

  /**
   * A thread for these parameters on this client: a ready one when there is one, else startNow()'s.
   * Either way, one more is started for the next request like this one.
   */
  async take(client: C, params: P, startNow: () => Promise<string>): Promise<{ threadId: string; pooled: boolean }> {
    this.dropExpired();
    const key = JSON.stringify(params);
    const i = this.ready.findIndex((r) => r.key === key && r.client === client);
    const hit = i >= 0 ? this.ready.splice(i, 1)[0]! : null;
    this.refill(client, key, params);
    if (hit) {
      // A ready thread whose start failed (the app-server was restarting, say) is no loss: start one now.
      const threadId = await hit.thread.catch(() => null);
      if (threadId !== null) return { threadId, pooled: true };
    }
    return { threadId: await startNow(), pooled: false };
  }

  /** Drops every ready thread: after a sign-in, sign-out or restart, none of them may serve. */
  clear(): void {
    if (this.sweep) clearTimeout(this.sweep);
    this.sweep = null;
    const all = this.ready;
    this.ready = [];
    for (const r of all) this.release(r);
  }

  /** Threads ready now (for tests and status). */
  get size(): number {
    return this.ready.length;
  }

  private refill(client: C, key: string, params: P): void {
    if (this.options.size <= 0) return;
    const thread = this.options.start(client, params);
    thread.catch(() => {}); // a failed start is found out, and replaced, when a request takes it
    this.ready.push({ key, client, at: this.options.now(), thread });
    while (this.ready.length > this.options.size) this.release(this.ready.shift()!);
    this.scheduleSweep();
  }

  /** One timer per pool, so that a lane that went quiet closes its ready threads' connections. */
  private scheduleSweep(): void {
    if (this.sweep || this.ready.length === 0) return;
    this.sweep = setTimeout(() => {
      this.sweep = null;
      this.dropExpired();
      this.scheduleSweep();
    }, this.options.maxIdleMs);
    this.sweep.unref();
  }

  private dropExpired(): void {
    const cutoff = this.options.now() - this.options.maxIdleMs;
    const [old, fresh] = partition(this.ready, (r) => r.at < cutoff);
    this.ready = fresh;
    for (const r of old) this.release(r);
  }

  private release(r: Ready<C>): void {
    r.thread.then((id) => this.options.discard(r.client, id), () => {});
  }
}

function partition<T>(items: T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const t of items) (pred(t) ? yes : no).push(t);
  return [yes, no];
}
