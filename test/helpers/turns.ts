// Running one turn on a lane adapter directly (no HTTP), for the engine-level suites.
import assert from "node:assert/strict";
import type { ChatRequest, TurnEvent } from "../../gateway/chat/types";
import type { LaneAdapter } from "../../gateway/chat/lane-adapter";

/** Every event of one turn, with a signal nobody aborts. */
export async function runTurn(lane: Pick<LaneAdapter, "turn">, req: ChatRequest): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const ev of lane.turn(req, { signal: new AbortController().signal })) events.push(ev);
  return events;
}

/** The answer's text; fails the test, showing the events, when the turn did not answer. */
export function answerOf(events: TurnEvent[]): string {
  const msg = events.find((e) => e.type === "message");
  assert.ok(msg?.type === "message", `expected an answer, got ${JSON.stringify(events)}`);
  return msg.text;
}
