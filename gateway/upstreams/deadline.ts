// The API-key lane's deadline: idle, not total, so a long answer or upload that keeps moving is
// never cut, while a stalled upstream is.

/**
 * Aborts when nothing arrived for `ms` (a long answer that keeps streaming is not a timeout), or
 * when the client's signal aborts.
 */
export class IdleDeadline {
  private readonly ctl = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort = () => this.ctl.abort(this.parent.reason);
  timedOut = false;

  constructor(
    ms: number,
    private readonly parent: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.ctl.abort(new Error("timeout"));
    }, ms);
    this.timer.unref();
    if (parent.aborted) this.ctl.abort(parent.reason);
    else parent.addEventListener("abort", this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  touch(): void {
    this.timer.refresh();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.parent.removeEventListener("abort", this.onParentAbort);
  }
}
