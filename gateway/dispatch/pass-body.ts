// The body of a passed-through answer as the HTTP layer reads it: the upstream's chunks as they
// come, with usage and model read from the tail of a textual answer. `onEnd` runs exactly once,
// when the answer ended, broke off or the client left; the end of the answer waits for it (the
// row is committed before the client sees the last byte).

import type { Usage } from "../chat/types";
import type { ForwardResponse } from "../chat/lane-adapter";
import { Tail, usageFromTail } from "./pass-usage";

export interface PassBody {
  /** The next chunk, or null at the end. Throws when the upstream broke off. */
  read(): Promise<Uint8Array | null>;
  /** The client went away. */
  cancel(): Promise<void>;
}

export interface BodyEnd {
  status: "ok" | "error" | "cancelled";
  code: string | null;
  usage: Usage | null;
  model: string | null;
}

export function servedBody(response: ForwardResponse, signal: AbortSignal, onEnd: (end: BodyEnd) => Promise<void>): PassBody {
  const it = response.body[Symbol.asyncIterator]();
  const tail = /json|text|event-stream/i.test(response.headers["content-type"] ?? "") ? new Tail() : null;
  let done = false;
  const body = {
    close(status: BodyEnd["status"], code: string | null): Promise<void> {
      if (done) return Promise.resolve();
      done = true;
      const seen = tail ? usageFromTail(tail.text()) : { usage: null, model: null };
      return onEnd({ status, code, usage: seen.usage, model: seen.model });
    },
    async read(): Promise<Uint8Array | null> {
      if (done) return null;
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (err) {
        await body.close(signal.aborted ? "cancelled" : "error", signal.aborted ? "cancelled" : ((err as { event?: { code?: string } }).event?.code ?? "stream_incomplete"));
        throw err;
      }
      if (r.done) {
        await body.close("ok", null);
        return null;
      }
      tail?.push(r.value);
      return r.value;
    },
    async cancel() {
      if (done) return;
      // Ended as cancelled before the upstream is let go: a read waiting on it then sees an end,
      // which must not make the row of an answer the client never got "ok".
      const closed = body.close("cancelled", "cancelled");
      response.cancel();
      await it.return?.().catch(() => undefined);
      await closed;
    },
  };
  return body;
}

/** An upstream's error answer, kept whole, passed back as the final word. */
export function oneChunk(buf: Buffer): PassBody {
  let sent = false;
  return {
    read() {
      if (sent) return Promise.resolve(null);
      sent = true;
      return Promise.resolve(buf);
    },
    async cancel() {},
  };
}
