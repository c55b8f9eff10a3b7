// Running one turn on a lane adapter directly (no HTTP), for the engine-level suites.
import assert from "node:assert/strict";
import type { ChatRequest, TurnEvent } from "../../gateway/chat/types";
import type { LaneAdapter } from "../../gateway/chat/lane-adapter";
import type { ScenarioName } from "../fakes/accounts";
import type { FakeChatGPT, ModelRequest } from "../fakes/chatgpt";

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

/**
 * The error a turn ends with when its account was put in `scenario` just before it, and the model
 * requests the account made meanwhile; the account is back to "ok" afterwards.
 */
export async function failureUnder(
  fake: Pick<FakeChatGPT, "setScenario" | "requestsFor">,
  account: string,
  scenario: ScenarioName,
  turn: () => Promise<TurnEvent[]>,
): Promise<{ error: Extract<TurnEvent, { type: "error" }>; sent: ModelRequest[] }> {
  fake.setScenario(account, scenario);
  const before = fake.requestsFor(account).length;
  try {
    const events = await turn();
    const last = events.at(-1);
    assert.ok(last?.type === "error", `expected an error, got ${JSON.stringify(events)}`);
    return { error: last, sent: fake.requestsFor(account).slice(before) };
  } finally {
    fake.setScenario(account, "ok");
  }
}
