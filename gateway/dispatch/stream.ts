// A run as the event stream a streamed response reads: `start`, deltas and tool calls as the lane
// produces them, then `end` or `error`. A consumer that stops early (the client left) ends the turn.

import { Channel } from "../async/channel";
import { linkedAbort } from "../async/abort";
import type { Sink } from "./turn";
import type { DispatchEvent, DispatchInput, RunEnd } from "./types";

/** What a streamed response reads: the events of one run, in order, a batch at a time. */
export interface EventStream {
  /** The events ready now (at least one), after waiting for the first; null once the run ended and all were read. */
  next(): Promise<DispatchEvent[] | null>;
  /** The reader stops early (the client left): the run's turn is aborted; resolves once the run ended. */
  return(): Promise<void>;
}

export function streamRun(input: DispatchInput, run: (signal: AbortSignal, sink: Sink) => Promise<RunEnd>): EventStream {
  const ch = new Channel<DispatchEvent>();
  const stop = linkedAbort(input.signal);
  const sink: Sink = {
    start(lane) {
      ch.push({ type: "start", lane });
    },
    delta(text) {
      ch.push({ type: "delta", text });
    },
    toolCall(call, index) {
      ch.push({ type: "tool_call", call, index });
    },
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
  const stream: EventStream = {
    next() {
      return ch.nextBatch().then((batch) => batch ?? stream.return().then(() => null));
    },
    return() {
      return (finished ??= (async () => {
        if (!ended) stop.abort();
        await done;
        stop.dispose();
      })());
    },
  };
  return stream;
}
