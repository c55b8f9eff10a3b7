// Threads started ahead of the requests that will use them. Codex opens a thread's WebSocket and
// sends its warm-up at `thread/start` (reference §8.3-8.4), so a request that takes a started thread
// skips a TCP + TLS handshake, the upgrade and the warm-up: four round trips to the backend.
//
// Two kinds, each serving one request, as before:
// - A thread started with exactly a request's `thread/start` parameters (its instructions are the
//   thread's base prompt, so the warm-up already carried them) serves only a request with exactly
//   those parameters. One is started when a request's parameters were seen before (or when no spare
//   can serve it), on the bet that the next request looks like this one, which is how agents, batch
//   jobs and CI send theirs.
// - A spare: one per client, started with parameters that carry nothing of any request (no base
//   prompt, no tools). The engine gives it the request's instructions as an injected developer item,
//   which is where Codex puts a base prompt anyway, so the model sees the same messages. It serves a
//   request no exact thread matches: a new system prompt (agents that stamp the date or retrieved
//   context into theirs), the first request of a kind. Taking it starts the next spare.
// A thread that waited longer than maxIdleMs is dropped, never used; an idle lane therefore keeps
// nothing open for long.

export interface ThreadPoolOptions<C, P> {
  /** Threads kept ready with a request's parameters at most, over all sets, besides the spare (0 turns the pool off). */
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

/** How a request got its thread: one started with its parameters, the spare, or one started for it now. */
export type Taken = "ready" | "spare" | "new";

/** Parameter sets remembered, to tell a kind of request seen before from a new one. */
const SEEN_MAX = 32;

export class ThreadPool<C, P> {
  private ready: Ready<C>[] = [];
  private spare: Ready<C> | null = null;
  private readonly seen: string[] = [];
  private sweep: NodeJS.Timeout | null = null;

  constructor(private readonly options: ThreadPoolOptions<C, P>) {}

  /**
   * A thread for these parameters on this client: a ready one started with them, else the spare
   * (when `spareParams` says what a spare starts with: the request can take one), else startNow()'s.
   */
  async take(client: C, params: P, startNow: () => Promise<string>, spareParams?: P): Promise<{ threadId: string; taken: Taken }> {
    this.dropExpired();
    const key = JSON.stringify(params);
    const i = this.ready.findIndex((r) => r.key === key && r.client === client);
    const hit = i >= 0 ? this.ready.splice(i, 1)[0]! : null;
    // A kind of request met for the first time is likely a one-off when a spare can serve it.
    if (hit || this.remember(key) || !spareParams) this.refill(client, key, params);
    const spare = hit || !spareParams ? null : this.takeSpare(client);
    if (spareParams) this.keepSpare(client, spareParams);
    for (const [r, taken] of [[hit, "ready"], [spare, "spare"]] as const) {
      // A ready thread whose start failed (the app-server was restarting, say) is no loss: start one now.
      const threadId = r ? await r.thread.catch(() => null) : null;
      if (threadId !== null) return { threadId, taken };
    }
    return { threadId: await startNow(), taken: "new" };
  }

  /** Starts the spare on this client, if it has none: a lane that is up answers its next request sooner. */
  keepSpare(client: C, spareParams: P): void {
    if (this.options.size <= 0 || (this.spare && this.spare.client === client)) return;
    if (this.spare) this.release(this.spare);
    this.spare = this.started(client, "", spareParams);
    this.scheduleSweep();
  }

  /** Drops every ready thread: after a sign-in, sign-out or restart, none of them may serve. */
  clear(): void {
    if (this.sweep) clearTimeout(this.sweep);
    this.sweep = null;
    const all = this.spare ? [...this.ready, this.spare] : this.ready;
    this.ready = [];
    this.spare = null;
    for (const r of all) this.release(r);
  }

  /** Threads ready now, the spare included (for tests and status). */
  get size(): number {
    return this.ready.length + (this.spare ? 1 : 0);
  }

  /** Notes a parameter set; says whether it was seen before. */
  private remember(key: string): boolean {
    const i = this.seen.indexOf(key);
    if (i >= 0) this.seen.splice(i, 1);
    this.seen.push(key);
    if (this.seen.length > SEEN_MAX) this.seen.shift();
    return i >= 0;
  }

  private takeSpare(client: C): Ready<C> | null {
    const s = this.spare;
    if (!s || s.client !== client) return null;
    this.spare = null;
    return s;
  }

  private started(client: C, key: string, params: P): Ready<C> {
    const thread = this.options.start(client, params);
    thread.catch(() => {}); // a failed start is found out, and replaced, when a request takes it
    return { key, client, at: this.options.now(), thread };
  }

  private refill(client: C, key: string, params: P): void {
    if (this.options.size <= 0) return;
    this.ready.push(this.started(client, key, params));
    while (this.ready.length > this.options.size) this.release(this.ready.shift()!);
    this.scheduleSweep();
  }

  /** One timer per pool, so that a lane that went quiet closes its ready threads' connections. */
  private scheduleSweep(): void {
    if (this.sweep || this.size === 0) return;
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
    if (this.spare && this.spare.at < cutoff) {
      old.push(this.spare);
      this.spare = null;
    }
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
