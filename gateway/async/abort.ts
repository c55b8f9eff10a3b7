// Abort signals that follow a parent: a request's own controller under the client's signal, and
// the API-key lane's idle deadline.

export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Stops following the parent. */
  dispose(): void;
}

/**
 * A child AbortController that follows its parent signal. Cheaper than AbortSignal.any on the hot
 * path, and the listener is removed when the request is done, so long-lived signals do not collect
 * one listener per request.
 */
export function linkedAbort(parent: AbortSignal): LinkedAbort {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(parent.reason);
  if (parent.aborted) ctl.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  return {
    signal: ctl.signal,
    abort: (reason) => ctl.abort(reason),
    dispose: () => parent.removeEventListener("abort", onAbort),
  };
}

/**
 * Aborts when nothing arrived for `ms` (idle, not total: a long answer or upload that keeps moving
 * is never cut, while a stalled upstream is), or when the parent signal aborts.
 */
export class IdleDeadline {
  private readonly link: LinkedAbort;
  private readonly timer: NodeJS.Timeout;
  timedOut = false;

  constructor(ms: number, parent: AbortSignal) {
    this.link = linkedAbort(parent);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.link.abort(new Error("timeout"));
    }, ms);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.link.signal;
  }

  touch(): void {
    this.timer.refresh();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.link.dispose();
  }
}
