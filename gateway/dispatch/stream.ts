// A run as the event stream a streamed response reads: `start`, deltas and tool calls as the lane
// produces them, then `end` or `error`. A consumer that stops early (the client left) ends the turn.

import { Channel } from "../async/channel";
import { linkedAbort } from "../async/abort";
import type { Sink } from "./turn";
import type { DispatchEvent, DispatchInput, RunEnd } from "./types";

export function streamRun(input: DispatchInput, run: (signal: AbortSignal, sink: Sink) => Promise<RunEnd>): AsyncIterable<DispatchEvent> {
  const ch = new Channel<DispatchEvent>();
  const stop = linkedAbort(input.signal);
  const sink: Sink = {
    start: (lane) => ch.push({ type: "start", lane }),
    delta: (text) => ch.push({ type: "delta", text }),
    toolCall: (call, index) => ch.push({ type: "tool_call", call, index }),
  };
  let ended = false;
  const done = run(stop.signal, sink).then((end) => {
    ended = true;
    ch.push(end.ok ? { type: "end", finishReason: end.completion.finishReason, usage: end.completion.usage } : { type: "error", error: end.api });
    ch.close();
  });
  // Only a consumer that stopped early (the client went away) has a turn to end; aborting a
  // finished one would build an AbortError and run its listeners for nothing.
  let finished: Promise<void> | null = null;
  const finish = (): Promise<void> =>
    (finished ??= (async () => {
      if (!ended) stop.abort();
      await done;
      stop.dispose();
    })());
  // A plain iterator over the channel rather than an async generator around it: one promise per
  // event instead of the generator's own queue on top (a stream has one event per upstream read).
  const it: AsyncIterableIterator<DispatchEvent> = {
    next: () => ch.next().then((r) => (r.done ? finish().then(() => r) : r)),
    return: () => finish().then(() => ({ value: undefined, done: true as const })),
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
