// A one-consumer queue: producers push, the consumer awaits the next item. Used to turn
// app-server notifications (callbacks) into a turn's event sequence.

export class Channel<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T) => void) | null = null;

  push(item: T): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(item);
    } else {
      this.items.push(item);
    }
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/** The next item, or why waiting stopped: the signal aborted or `ms` passed. */
export async function nextOrStop<T>(sink: Channel<T>, signal: AbortSignal, ms: number): Promise<T | "aborted" | "deadline"> {
  if (signal.aborted) return "aborted";
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<"aborted" | "deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), ms);
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([sink.next(), stop]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort!);
  }
}

