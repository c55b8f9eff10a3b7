// Loading and validating the config. Everything else receives a Config (./types).

export type { CodexLaneConfig, Config, Engine, LaneConfig, ModelPrice, OpenAILaneConfig } from "./types";
export { ConfigError } from "./errors";
export { DEFAULT_FILE, EMBEDDED_DEFAULT, loadConfig, parseMasterKey, type LoadOptions } from "./load";
export { apiCostUsd, BUILTIN_PRICES, DEFAULT_PRICE_MODEL, mergePrices, priceFor } from "./prices";
export { configFileSchema, tuningSchema, type ConfigFile, type ConfigFileInput } from "./schema";
