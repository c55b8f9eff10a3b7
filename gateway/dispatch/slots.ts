// Per-lane concurrency: at most `concurrency` turns at once, then a bounded first-in-first-out wait
// queue. A full queue or a wait longer than maxWaitMs fails fast with QueueFullError (429 with
// Retry-After) instead of letting requests pile up behind a busy account.

import { QueueFullError } from "./errors";

export class CancelledWhileQueuedError extends Error {
  override readonly name = "CancelledWhileQueuedError";
  constructor() {
    super("The client went away while the request waited for a lane slot.");
  }
}

interface Waiter {
  grant(): void;
  fail(err: Error): void;
}

export class LaneSlots {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly lane: string,
    private readonly concurrency: number,
    private readonly maxWaiting: number,
    private readonly maxWaitMs: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is ours. Call release exactly once. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CancelledWhileQueuedError());
    if (this.running < this.concurrency && this.waiters.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(new QueueFullError(this.lane, this.retryAfterMs(), "full"));
    }
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        // The slot is handed over by release(): `running` already counts it.
        grant: () => {
          settle();
          resolve(this.releaser());
        },
        fail: (err) => {
          settle();
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(new CancelledWhileQueuedError());
      const timer = setTimeout(() => waiter.fail(new QueueFullError(this.lane, this.retryAfterMs(), "timeout")), this.maxWaitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters[0];
      if (next) next.grant();
      else this.running--;
    };
  }

  /** A waiting client could retry once the queue has had time to drain. */
  private retryAfterMs(): number {
    return Math.max(1000, this.maxWaitMs);
  }
}

/**
 * Waits for one of the lane's slots and adds the wait to `into.queueMs` (the row's queue time), however
 * it ends. Null when the request was cancelled while it queued; the failover loop then ends it as cancelled.
 */
export async function takeSlot(slots: LaneSlots, signal: AbortSignal, now: () => number, into: { queueMs: number }): Promise<(() => void) | null> {
  const queuedAt = now();
  try {
    return await slots.acquire(signal);
  } catch (err) {
    if (err instanceof CancelledWhileQueuedError) return null;
    throw err;
  } finally {
    into.queueMs += now() - queuedAt;
  }
}
