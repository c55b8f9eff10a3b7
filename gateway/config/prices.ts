// What a request would have cost on the metered OpenAI API: the "API-equivalent" figure in the
// request log. USD per 1M tokens. The config's `prices` section overrides or adds entries.
//
// Prices marked ESTIMATE are for models whose API price was not known when this table was
// written; they use the nearest known family's price. Correct them in the config if you know better.

import type { Usage } from "../chat/types";
import type { ModelPrice } from "./types";

const p = (input: number, cachedInput: number, output: number): ModelPrice => ({ input, cachedInput, output });

const GPT5 = p(1.25, 0.125, 10);
const GPT5_MINI = p(0.25, 0.025, 2);
const GPT5_NANO = p(0.05, 0.005, 0.4);
const GPT52 = p(1.75, 0.175, 14);

/** The model Codex uses when none is named; its price is the fallback for unknown models. */
export const DEFAULT_PRICE_MODEL = "gpt-6.1-sol";

export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({
  // GPT-6 family (Codex's current catalog): ESTIMATE, priced as the latest known flagship (gpt-5.2).
  "gpt-6.1-sol": GPT52,
  "gpt-6-sol": GPT52,
  "gpt-6-astra": GPT52,
  "gpt-6-luna": GPT52,
  // GPT-5.x after 5.2: ESTIMATE, priced as gpt-5.2.
  "gpt-5.6": GPT52,
  "gpt-5.5": GPT52,
  "gpt-5.4": GPT52,
  "gpt-5.3": GPT52,
  "gpt-5.3-codex": GPT52,
  // Known API prices.
  "gpt-5.2": GPT52,
  "gpt-5.2-codex": GPT52,
  "gpt-5.1": GPT5,
  "gpt-5.1-codex": GPT5,
  "gpt-5.1-codex-max": GPT5,
  "gpt-5.1-codex-mini": GPT5_MINI,
  "gpt-5": GPT5,
  "gpt-5-codex": GPT5,
  "gpt-5-mini": GPT5_MINI,
  "gpt-5-nano": GPT5_NANO,
  "codex-mini-latest": p(1.5, 0.375, 6),
  "gpt-4.1": p(2, 0.5, 8),
  "gpt-4.1-mini": p(0.4, 0.1, 1.6),
  "gpt-4.1-nano": p(0.1, 0.025, 0.4),
  "gpt-4o": p(2.5, 1.25, 10),
  "gpt-4o-mini": p(0.15, 0.075, 0.6),
  o3: p(2, 0.5, 8),
  "o3-mini": p(1.1, 0.55, 4.4),
  "o4-mini": p(1.1, 0.275, 4.4),
  o1: p(15, 7.5, 60),
  // Embeddings (passed through to API-key lanes): input only.
  "text-embedding-3-small": p(0.02, 0.02, 0),
  "text-embedding-3-large": p(0.13, 0.13, 0),
  "text-embedding-ada-002": p(0.1, 0.1, 0),
});

/** The built-in table with the config's entries over it. */
export function mergePrices(overrides: Readonly<Record<string, ModelPrice>> = {}): Record<string, ModelPrice> {
  const out: Record<string, ModelPrice> = {};
  for (const [model, price] of [...Object.entries(BUILTIN_PRICES), ...Object.entries(overrides)]) out[model] = { ...price };
  return out;
}

/**
 * The price of a model from `prices` laid over the built-in table (so a hand-built Config with
 * `prices: {}` still prices known models): exact name, else the name without a date suffix
 * (gpt-4o-2024-08-06), else the longest entry it extends at a "-" (gpt-5.5-codex -> gpt-5.5),
 * else the default model's price.
 */
export function priceFor(model: string, prices: Readonly<Record<string, ModelPrice>> = NO_PRICES): ModelPrice {
  const table = tableOf(prices);
  if (Object.hasOwn(table, model)) return table[model]!;
  const undated = model.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  if (Object.hasOwn(table, undated)) return table[undated]!;
  let best: string | null = null;
  for (const m of Object.keys(table)) {
    if (undated.startsWith(`${m}-`) && (best === null || m.length > best.length)) best = m;
  }
  return table[best ?? DEFAULT_PRICE_MODEL]!;
}

const NO_PRICES: Readonly<Record<string, ModelPrice>> = Object.freeze({});
/** The built-in table with each config's prices laid over it, made once per prices object (a config's is fixed). */
const tables = new WeakMap<object, Readonly<Record<string, ModelPrice>>>();

function tableOf(prices: Readonly<Record<string, ModelPrice>>): Readonly<Record<string, ModelPrice>> {
  let table = tables.get(prices);
  if (!table) {
    // Merging the two tables took ~8 µs, on every request that was priced.
    table = Object.freeze({ ...BUILTIN_PRICES, ...prices });
    tables.set(prices, table);
  }
  return table;
}

/**
 * USD the usage would cost on the API. Cached input tokens are billed at the cached rate (they are
 * a part of input_tokens); reasoning tokens are a part of output_tokens and are not added again.
 */
export function apiCostUsd(model: string, usage: Usage, prices: Readonly<Record<string, ModelPrice>> = NO_PRICES): number {
  const price = priceFor(model, prices);
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const usd = ((usage.input_tokens - cached) * price.input + cached * price.cachedInput + usage.output_tokens * price.output) / 1e6;
  // Round away float noise (0.30000000000000004) without losing sub-cent precision.
  return Math.round(usd * 1e10) / 1e10;
}
