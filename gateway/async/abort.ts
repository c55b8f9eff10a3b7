// Abort signals that follow a parent: a request's own controller under the client's signal.

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
  // One object is the link and its listener (handleEvent), with methods, not named closures: under
  // tsx each named closure costs ~1-2 µs each time it is made, and a link is made per request.
  const link = {
    signal: ctl.signal,
    abort(reason?: unknown) {
      ctl.abort(reason);
    },
    dispose() {
      parent.removeEventListener("abort", link);
    },
    handleEvent() {
      ctl.abort(parent.reason);
    },
  };
  if (parent.aborted) ctl.abort(parent.reason);
  else parent.addEventListener("abort", link, { once: true });
  return link;
}
