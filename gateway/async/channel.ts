// A single-consumer async queue: producers push (app-server notifications, exec output lines, a
// lane's events during failover), the consumer awaits the next item. Unbounded, because producers
// are turns whose output is bounded by the model.

export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private waitingBatch: (() => void) | null = null;
  private closed = false;

  push(item: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
      this.wakeBatch();
    }
  }

  close(): void {
    this.closed = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
    this.wakeBatch();
  }

  /**
   * Every item queued by the time the consumer runs (at least one), after waiting for the first;
   * null once closed and empty. Items pushed in the same tick as the first come in the same batch.
   */
  async nextBatch(): Promise<T[] | null> {
    if (this.items.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.waitingBatch = resolve));
    if (this.items.length === 0) return null;
    const batch = this.items;
    this.items = [];
    return batch;
  }

  private wakeBatch(): void {
    const w = this.waitingBatch;
    this.waitingBatch = null;
    w?.();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}

/** The next item, or why waiting stopped: the signal aborted (or the channel closed), or `ms` passed. */
export async function nextOrStop<T>(ch: Channel<T>, signal: AbortSignal, ms: number): Promise<T | "aborted" | "deadline"> {
  if (signal.aborted) return "aborted";
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<"aborted" | "deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), ms);
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const r = await Promise.race([ch.next(), stop]);
    if (typeof r === "string") return r;
    return r.done ? "aborted" : r.value;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort!);
  }
}
