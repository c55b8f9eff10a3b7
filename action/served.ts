// What a lane hands back when it serves, whatever kind of lane it is.

import type { Usage } from "../gateway/chat/types";
import { safeMessage, type Outcome, type OutcomeClass } from "../gateway/lanes";

export interface Served {
  /** Codex's (or the model's) final message. */
  text: string;
  usage: Usage | null;
  /** Gateway lane: the account lane inside the gateway that served (x-codex-lanes-lane). */
  innerLane?: string;
}

/** An outcome of the action's own making; the message passes the lane core's secret filter. */
export function failure(cls: Exclude<OutcomeClass, "ok">, code: string, message: string): Outcome {
  return { class: cls, code, message: safeMessage(message) };
}

export const OK: Outcome = { class: "ok", code: "ok", message: "" };
