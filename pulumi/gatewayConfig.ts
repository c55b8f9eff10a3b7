// Generates the gateway's config file (DESIGN.md "Config file") from the stack's accounts.
// Pure: no Pulumi types, no I/O, so it is tested on its own and the program uploads exactly this.

import {
  GATEWAY_DATA_DIR,
  GATEWAY_PORT,
  WORKER_PORT,
  workerAlias,
  workerTokenEnv,
} from "./contracts";

/** Monthly list prices in USD, used for the savings ledger unless an account overrides them. */
export const PLAN_PRICES_USD = { plus: 20, pro: 200, team: 30 } as const;
export type Plan = keyof typeof PLAN_PRICES_USD;

export interface AccountSpec {
  name: string;
  plan: Plan | null;
  concurrency: number | null;
  /** Overrides the plan's list price. */
  planPriceUsd: number | null;
}

export interface CodexWorkerLane {
  name: string;
  type: "codex";
  worker: { url: string; tokenEnv: string };
  concurrency?: number;
  planPriceUsd?: number;
}

export interface OpenAIKeyLane {
  name: "api";
  type: "openai";
  apiKeyEnv: "OPENAI_API_KEY";
}

export interface GatewayConfigFile {
  listen: { host: string; port: number };
  dataDir: string;
  lanes: Array<CodexWorkerLane | OpenAIKeyLane>;
}

export const API_LANE_NAME = "api";

export function planPrice(account: AccountSpec): number | null {
  if (account.planPriceUsd !== null) return account.planPriceUsd;
  return account.plan === null ? null : PLAN_PRICES_USD[account.plan];
}

function workerLane(account: AccountSpec): CodexWorkerLane {
  const lane: CodexWorkerLane = {
    name: account.name,
    type: "codex",
    worker: {
      url: `http://${workerAlias(account.name)}:${WORKER_PORT}`,
      tokenEnv: workerTokenEnv(account.name),
    },
  };
  if (account.concurrency !== null) lane.concurrency = account.concurrency;
  const price = planPrice(account);
  if (price !== null) lane.planPriceUsd = price;
  return lane;
}

/**
 * Lane order is the fallback order: the accounts as configured, then the API-key lane last,
 * only when the stack has an OpenAI key (the key itself reaches the gateway as OPENAI_API_KEY).
 */
export function gatewayConfig(
  accounts: readonly AccountSpec[],
  opts: { openaiLane: boolean },
): GatewayConfigFile {
  const lanes: GatewayConfigFile["lanes"] = accounts.map(workerLane);
  if (opts.openaiLane) {
    lanes.push({ name: API_LANE_NAME, type: "openai", apiKeyEnv: "OPENAI_API_KEY" });
  }
  return {
    listen: { host: "0.0.0.0", port: GATEWAY_PORT },
    dataDir: GATEWAY_DATA_DIR,
    lanes,
  };
}

/** The exact bytes uploaded to the gateway container. */
export function renderGatewayConfig(config: GatewayConfigFile): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
