// Generates the gateway's config file (DESIGN.md "Config file") from the stack's accounts and its
// `gateway` setting, and the worker command that carries the same turn limits to every worker.
// Pure: no Pulumi types, no I/O, so it is tested on its own and the program uploads exactly this.

import type { TuningInput } from "../gateway/config/schema";
import {
  GATEWAY_DATA_DIR,
  GATEWAY_PORT,
  WORKER_COMMAND,
  WORKER_PORT,
  workerAlias,
  workerTokenEnv,
} from "./contracts";

/** The gateway's own settings (limits, queue, policy, rateLimitPollMs, log, prices, calc), validated by pulumi/settings.ts. */
export type GatewaySettings = TuningInput;

export interface AccountSpec {
  name: string;
  /** A key of the gateway's plan table (gateway/calc/plans.ts), deprecated names already mapped. */
  plan: string | null;
  concurrency: number | null;
  /** Overrides the plan's list price. */
  planPriceUsd: number | null;
}

export interface CodexWorkerLane {
  name: string;
  type: "codex";
  worker: { url: string; tokenEnv: string };
  concurrency?: number;
  /** The gateway prices the plan from its plan table unless planPriceUsd is set. */
  plan?: string;
  planPriceUsd?: number;
}

export interface OpenAIKeyLane {
  name: "api";
  type: "openai";
  apiKeyEnv: "OPENAI_API_KEY";
}

export interface GatewayConfigFile extends GatewaySettings {
  listen: { host: string; port: number };
  dataDir: string;
  lanes: Array<CodexWorkerLane | OpenAIKeyLane>;
}

export const API_LANE_NAME = "api";

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
  if (account.plan !== null) lane.plan = account.plan;
  if (account.planPriceUsd !== null) lane.planPriceUsd = account.planPriceUsd;
  return lane;
}

/**
 * Lane order is the fallback order: the accounts as configured, then the API-key lane last,
 * only when the stack has an OpenAI key (the key itself reaches the gateway as OPENAI_API_KEY).
 * The stack's gateway settings follow as set; what it leaves out keeps the gateway's defaults.
 */
export function gatewayConfig(
  accounts: readonly AccountSpec[],
  opts: { openaiLane: boolean; settings?: GatewaySettings },
): GatewayConfigFile {
  const lanes: GatewayConfigFile["lanes"] = accounts.map(workerLane);
  if (opts.openaiLane) {
    lanes.push({ name: API_LANE_NAME, type: "openai", apiKeyEnv: "OPENAI_API_KEY" });
  }
  return {
    listen: { host: "0.0.0.0", port: GATEWAY_PORT },
    dataDir: GATEWAY_DATA_DIR,
    lanes,
    ...opts.settings,
  };
}

const WORKER_FLAGS = [
  ["turnTimeoutMs", "--turn-timeout-ms"],
  ["toolHoldMs", "--tool-hold-ms"],
  ["keepThreadMs", "--keep-thread-ms"],
] as const;

/**
 * Turns run in the workers, so the limits that bound a turn go to each worker as its flags
 * (gateway/worker/index.ts) and the workers keep the deadlines the gateway expects (its remote lane
 * waits turnTimeoutMs plus a slack). Null when the stack sets none of them: the image's own CMD,
 * whose defaults are the gateway's.
 */
export function workerCommand(limits: GatewaySettings["limits"]): string[] | null {
  const flags = WORKER_FLAGS.flatMap(([key, flag]) => (limits?.[key] === undefined ? [] : [flag, String(limits[key])]));
  return flags.length === 0 ? null : [...WORKER_COMMAND, ...flags];
}

/** The exact bytes uploaded to the gateway container. */
export function renderGatewayConfig(config: GatewayConfigFile): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
