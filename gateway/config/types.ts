// The typed, validated configuration. gateway/config/load.ts is the only code that reads the config
// file or the environment for it; everything else receives a Config.

export type Engine = "app-server" | "exec";

export interface CodexLaneConfig {
  name: string;
  type: "codex";
  /** Local mode: this account's CODEX_HOME (absolute after loading). Absent for worker lanes. */
  home: string | null;
  /** Deployed mode: the account's worker. When set, `home` is unused by the gateway. */
  worker: { url: string; token: string } | null;
  engine: Engine;
  concurrency: number;
  maxUsedPercent: number | null;
  /** Extra `codex -c key=value` overrides. */
  config: Record<string, string | number | boolean>;
  /** Extra environment for the codex process. */
  env: Record<string, string>;
  /** Models this lane serves; null means the account's catalog. */
  models: string[] | null;
  /** Monthly price of this account's plan in USD, for the savings ledger; null: the plan's price. */
  planPriceUsd: number | null;
  /** The plan the config names (a key of the plan table, deprecated names mapped); present only when set. */
  plan?: string;
}

export interface OpenAILaneConfig {
  name: string;
  type: "openai";
  baseUrl: string;
  /** The key itself, resolved from `apiKeyEnv` or the encrypted secret store; never logged. */
  apiKey: string | null;
  apiKeyEnv: string;
  concurrency: number;
  /** Models this lane serves; "*" (the default) serves any model name. */
  models: string[] | "*";
  /** Skip the lane once this month's api_cost_usd on it reaches the cap. */
  monthlySpendCapUsd: number | null;
  timeoutMs: number;
  /**
   * Routes other than chat this lane passes through (`embeddings`, `audio.speech`, ...; `audio`
   * covers every `audio.*`), or "*" for all. Narrow it for OpenAI-compatible providers.
   */
  routes: string[] | "*";
}

export type LaneConfig = CodexLaneConfig | OpenAILaneConfig;

export interface ModelPrice {
  /** USD per million tokens. */
  input: number;
  cachedInput: number;
  output: number;
}

export interface Config {
  /** Where the config came from: a file path, or "embedded default". */
  source: string;
  listen: { host: string; port: number };
  /** Absolute. Holds gateway.db and, in local mode, account homes. */
  dataDir: string;
  lanes: LaneConfig[];
  limits: {
    /** JSON bodies (chat, and JSON bodies passed through). */
    maxBodyBytes: number;
    /** Multipart and binary bodies passed through to an API-key lane. */
    maxUploadBytes: number;
    /** Deadline of one turn on one lane. */
    turnTimeoutMs: number;
    /**
     * How long a Codex turn that asked for client tools stays open for the follow-up with their
     * results (app-server lanes in this process); absent: the engine's default, 0: never.
     */
    toolHoldMs?: number;
    /**
     * How long the thread that answered a conversation is kept for the request continuing it
     * (app-server lanes in this process); absent: the engine's default, 0: never.
     */
    keepThreadMs?: number;
  };
  queue: {
    /** Requests that may wait for a lane slot, per lane. */
    maxWaiting: number;
    maxWaitMs: number;
  };
  policy: {
    defaultCooldownMs: number;
    maxRetries: number;
    circuitThreshold: number;
    circuitOpenMs: number;
  };
  /** Rate-limit snapshot refresh period for app-server lanes. */
  rateLimitPollMs: number;
  log: {
    /** Store prompt and response bodies in the request log. Off by default. */
    bodies: boolean;
    retentionDays: number;
  };
  /** Model prices for api_cost_usd, merged over the built-in table. */
  prices: Record<string, ModelPrice>;
  /** Admin key from CODEX_LANES_ADMIN_KEY, when deployments set one. */
  adminKey: string | null;
  /** Master key (32 bytes) for secrets at rest, from CODEX_LANES_MASTER_KEY. */
  masterKey: Buffer | null;
  /** Bearer token for GET /metrics besides the admin keys, from CODEX_LANES_METRICS_TOKEN (present only when set). */
  metricsToken?: string;
  /** The plan table's overrides (present only when the file has a `calc` section). */
  calc?: CalcConfig;
  /** Deprecated names the file used, one sentence each naming the field (present only when there are some). */
  deprecations?: string[];
}

export interface CalcPlanConfig {
  /** Monthly price of one account, USD. */
  priceUsd?: number;
  /** Estimated API-equivalent spend one account covers per month, USD. */
  capacityUsd?: number;
  label?: string;
}

export interface CalcConfig {
  /** By plan key ("plus", "pro-5x", or a new one; deprecated names mapped): changes or adds a row of the plan table. */
  plans: Record<string, CalcPlanConfig>;
}
