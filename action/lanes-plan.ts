// Turns the `lanes` order and the credentials given into the lanes this run will walk, top first.
// `chatgpt` expands to one lane per auth.json (chatgpt-1, chatgpt-2…); a lane without credentials
// is skipped with a note, so one order works for jobs that have only some of the secrets.

import type { AuthAccount } from "./auth-json";
import { ActionError, InputError } from "./errors";
import type { ActionInputs } from "./inputs";

export type LanePlan =
  | { name: string; kind: "gateway" }
  | { name: string; kind: "chatgpt"; account: AuthAccount }
  | { name: string; kind: "api-key" };

export interface Plan {
  lanes: LanePlan[];
  /** Why a lane in the order is not used, e.g. "gateway: no gateway-url". */
  skipped: string[];
}

type Credentials = Pick<ActionInputs, "laneOrder" | "accounts" | "gatewayUrl" | "openaiApiKey">;

export function planLanes(inputs: Credentials): Plan {
  const lanes: LanePlan[] = [];
  const skipped: string[] = [];
  const add = (lane: LanePlan) => {
    if (lanes.some((l) => l.name === lane.name)) throw new InputError("lanes", `"${lane.name}" comes twice (is it named both alone and through "chatgpt"?).`);
    lanes.push(lane);
  };
  for (const choice of inputs.laneOrder) {
    if (choice.kind === "gateway") {
      if (inputs.gatewayUrl) add({ name: "gateway", kind: "gateway" });
      else skipped.push("gateway: no gateway-url and gateway-key");
    } else if (choice.kind === "api-key") {
      if (inputs.openaiApiKey) add({ name: "api-key", kind: "api-key" });
      else skipped.push("api-key: no openai-api-key");
    } else if (inputs.accounts.length === 0) {
      skipped.push(`${choice.index === null ? "chatgpt" : `chatgpt-${choice.index}`}: no codex-auth-json`);
    } else if (choice.index === null) {
      for (const account of inputs.accounts) add({ name: `chatgpt-${account.index}`, kind: "chatgpt", account });
    } else {
      const account = inputs.accounts[choice.index - 1];
      if (!account) throw new InputError("lanes", `"chatgpt-${choice.index}" names account ${choice.index}, but codex-auth-json holds ${inputs.accounts.length}.`);
      add({ name: `chatgpt-${choice.index}`, kind: "chatgpt", account });
    }
  }
  if (lanes.length === 0) throw new ActionError(noLaneMessage(inputs, skipped));
  return { lanes, skipped };
}

function noLaneMessage(inputs: Credentials, skipped: string[]): string {
  const given = [inputs.gatewayUrl && "gateway-url", inputs.accounts.length > 0 && "codex-auth-json", inputs.openaiApiKey && "openai-api-key"].filter(Boolean);
  const base =
    "No lane is configured. Give at least one: gateway-url and gateway-key (recommended: credentials stay on your server), " +
    "codex-auth-json (a ChatGPT sign-in; trusted private runners only), or openai-api-key.";
  if (given.length === 0) {
    return `${base} On a pull request from a fork, secrets are not passed to the workflow, so every credential input is empty.`;
  }
  return `${base} The inputs ${given.join(", ")} are set, but the "lanes" order (${skipped.map((s) => s.split(":")[0]).join(", ")}) does not use them.`;
}
