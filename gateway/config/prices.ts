// MINIMAL placeholder written by the HTTP/dispatch engineer because the dispatcher needs it before
// the config engineer's version landed; replace freely, keeping apiCostUsd's signature.
// USD per million tokens on the metered API, merged under config.prices.

import type { Usage } from "../chat/types";
import type { ModelPrice } from "./types";

export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-5": { input: 1.25, cachedInput: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
};

/** What `usage` would cost on the metered API; 0 for a model with no known price. */
export function apiCostUsd(model: string, usage: Usage, overrides: Readonly<Record<string, ModelPrice>> = {}): number {
  const p = overrides[model] ?? BUILTIN_PRICES[model];
  if (!p) return 0;
  const cached = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const usd = ((usage.input_tokens - cached) * p.input + cached * p.cachedInput + usage.output_tokens * p.output) / 1_000_000;
  return Math.round(usd * 1e8) / 1e8;
}
