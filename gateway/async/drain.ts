// Waiting out a full socket buffer on a Node writable (a ServerResponse, a socket).

/** What `drained` needs of a writable: Node's stream events and its `destroyed` flag. */
export interface DrainableWritable {
  readonly destroyed: boolean;
  on(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/** Resolves once the writable took what was buffered ('drain'), or is gone ('close'). */
export function drained(out: DrainableWritable): Promise<void> {
  if (out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}
