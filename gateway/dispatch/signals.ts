// A child AbortController that follows its parent signal. Cheaper than AbortSignal.any on the hot
// path, and the listener is removed when the request is done, so long-lived signals do not collect
// one listener per request.

export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Stops following the parent. */
  dispose(): void;
}

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
